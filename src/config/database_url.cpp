// URL parsing and redaction. libpq parses the URL for real; this code only needs to find
// the dialect, the SQLite path and the password, so that the password is never printed.
#include "migrate/config/database_url.hpp"

#include <cctype>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::config {

namespace {

constexpr std::string_view k_mask = "***";
constexpr std::string_view k_connect_timeout = "connect_timeout=10";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Masks "password=..." in a URI query string; returns the raw (encoded) password, if any.
std::string mask_query_password(std::string& uri) {
  const std::size_t query = uri.find('?');
  if (query == std::string::npos) return {};
  std::size_t pos = query + 1;
  while (pos < uri.size()) {
    std::size_t end = uri.find('&', pos);
    if (end == std::string::npos) end = uri.size();
    if (util::starts_with(std::string_view(uri).substr(pos, end - pos), "password=")) {
      const std::size_t value = pos + 9;
      std::string password = uri.substr(value, end - value);
      uri.replace(value, end - value, k_mask);
      return password;
    }
    pos = end + 1;
  }
  return {};
}

DatabaseUrl parse_postgres_uri(std::string_view text) {
  DatabaseUrl url;
  url.dialect = Dialect::postgres;
  std::string redacted(text);
  const std::size_t authority = redacted.find("://") + 3;
  const std::size_t query = redacted.find('?');
  const std::size_t at = redacted.rfind('@', query == std::string::npos ? std::string::npos : query);
  if (at != std::string::npos && at >= authority) {
    const std::size_t colon = redacted.find(':', authority);
    if (colon != std::string::npos && colon < at) {
      const std::string raw = redacted.substr(colon + 1, at - colon - 1);
      url.password = percent_decode(raw);
      url.secrets.push_back(raw);
      redacted.replace(colon + 1, at - colon - 1, k_mask);
    }
  }
  if (std::string raw = mask_query_password(redacted); !raw.empty()) {
    url.password = percent_decode(raw);
    url.secrets.push_back(raw);
  }
  url.redacted = redacted;
  url.conninfo = std::string(text);
  if (url.conninfo.find("connect_timeout=") == std::string::npos) {
    url.conninfo += (query == std::string::npos ? "?" : "&");
    url.conninfo += k_connect_timeout;
  }
  return url;
}

// libpq key=value strings: values may be single-quoted with backslash escapes.
DatabaseUrl parse_postgres_keywords(std::string_view text) {
  DatabaseUrl url;
  url.dialect = Dialect::postgres;
  std::string redacted;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos]))) {
      redacted.push_back(text[pos++]);
      continue;
    }
    const std::size_t eq = text.find('=', pos);
    if (eq == std::string_view::npos) {
      redacted.append(text.substr(pos));
      break;
    }
    const std::string_view key = util::trim(text.substr(pos, eq - pos));
    std::size_t value_end = eq + 1;
    while (value_end < text.size() && std::isspace(static_cast<unsigned char>(text[value_end]))) ++value_end;
    std::string value;
    if (value_end < text.size() && text[value_end] == '\'') {
      for (++value_end; value_end < text.size() && text[value_end] != '\''; ++value_end) {
        if (text[value_end] == '\\' && value_end + 1 < text.size()) ++value_end;
        value.push_back(text[value_end]);
      }
      if (value_end < text.size()) ++value_end;
    } else {
      while (value_end < text.size() && !std::isspace(static_cast<unsigned char>(text[value_end]))) {
        value.push_back(text[value_end++]);
      }
    }
    if (key == "password") {
      url.password = value;
      redacted.append("password=").append(k_mask);
    } else {
      redacted.append(text.substr(pos, value_end - pos));
    }
    pos = value_end;
  }
  url.redacted = redacted;
  url.conninfo = std::string(text);
  if (url.conninfo.find("connect_timeout") == std::string::npos) {
    url.conninfo += " ";
    url.conninfo += k_connect_timeout;
  }
  return url;
}

DatabaseUrl parse_sqlite(std::string_view rest, const std::filesystem::path& base_dir,
                         std::string_view source) {
  if (util::starts_with(rest, "//")) rest.remove_prefix(2);  // sqlite:///abs -> /abs
  if (rest.empty()) throw UsageError(std::string(source) + ": sqlite URL has no file path");
  std::filesystem::path path(rest);
  if (path.is_relative()) path = base_dir / path;
  DatabaseUrl url;
  url.dialect = Dialect::sqlite;
  url.sqlite_path = path.lexically_normal();
  url.redacted = "sqlite:" + url.sqlite_path.string();
  return url;
}

}  // namespace

DatabaseUrl parse_database_url(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source) {
  text = util::trim(text);
  if (text.empty()) throw UsageError(std::string(source) + ": database URL is empty");
  if (util::starts_with(text, "postgres://") || util::starts_with(text, "postgresql://")) {
    return parse_postgres_uri(text);
  }
  if (util::starts_with(text, "sqlite:")) return parse_sqlite(text.substr(7), base_dir, source);
  if (util::starts_with(text, "sqlite3:")) return parse_sqlite(text.substr(8), base_dir, source);
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos && text.find('=') != std::string_view::npos) {
    return parse_postgres_keywords(text);
  }
  const std::string scheme_name =
      scheme == std::string_view::npos ? std::string("(none)") : std::string(text.substr(0, scheme));
  throw UsageError(std::string(source) + ": unsupported database URL (scheme " + scheme_name +
                   "); expected postgres://, postgresql://, key=value, sqlite:path or sqlite:///path");
}

std::string redact(std::string text, const DatabaseUrl& url) {
  if (!url.password.empty()) text = util::replace_all(std::move(text), url.password, k_mask);
  for (const std::string& secret : url.secrets) {
    if (!secret.empty()) text = util::replace_all(std::move(text), secret, k_mask);
  }
  return text;
}

}  // namespace migrate::config
