// Formatting of model values.
#include <cstdio>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate {

std::string_view to_string(Dialect dialect) noexcept {
  return dialect == Dialect::postgres ? "postgres" : "sqlite";
}

std::string_view to_string(RevisionKind kind) noexcept {
  return kind == RevisionKind::sql ? "sql" : "cpp";
}

std::string format_version(Version version) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld", static_cast<long long>(version));
  return buffer;
}

FilePath::FilePath(const std::filesystem::path& path) {
  if (path.has_parent_path() && path.has_filename()) {
    m_folder = std::make_shared<const std::filesystem::path>(path.parent_path());
    m_name = path.filename().string();
  } else {
    m_name = path.string();
  }
}

std::string FilePath::string() const {
  if (!m_folder || m_folder->empty()) return m_name;
  const std::string& folder = m_folder->native();
  return folder.back() == '/' ? folder + m_name : folder + '/' + m_name;
}

Digest Digest::from_hex(std::string_view hex) {
  Digest digest;
  if (hex.size() != 2 * digest.m_bytes.size()) return digest;
  const auto value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < digest.m_bytes.size(); ++i) {
    const int high = value(hex[2 * i]);
    const int low = value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return Digest{};
    digest.m_bytes[i] = static_cast<unsigned char>(high * 16 + low);
  }
  digest.m_set = true;
  return digest;
}

std::string Digest::hex() const {
  if (!m_set) return {};
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * m_bytes.size());
  for (const unsigned char byte : m_bytes) {
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0x0f]);
  }
  return out;
}

std::string Revision::label() const { return format_version(version) + "_" + name; }

}  // namespace migrate
