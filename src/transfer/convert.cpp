// Source values to COPY text for the target's types; see convert.hpp.
#include "migrate/transfer/convert.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <ctime>

namespace migrate::transfer {

namespace {

constexpr std::int64_t k_millis_threshold = 100'000'000'000;  // 10^11
constexpr char k_hex[] = "0123456789abcdef";

bool is_integer_text(const std::string& text) {
  std::size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool is_number_text(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

bool is_uuid_text(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (c == '-' || c == '{' || c == '}') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    hex += c;
  }
  return hex.size() == 32;
}

// The value after the spec's value map.
const std::string& mapped_text(const db::Cell& cell, const ColumnMapping& column) {
  if (!column.values.empty()) {
    const auto found = column.values.find(cell.text);
    if (found != column.values.end()) return found->second;
  }
  return cell.text;
}

bool epoch_cell(const db::Cell& cell) {
  return cell.kind == db::CellKind::integer || (cell.kind == db::CellKind::real) ||
         (cell.kind == db::CellKind::text && is_integer_text(cell.text) && cell.text.size() >= 9);
}

void append_hex(std::string& line, const std::string& bytes) {
  line += "\\\\x";  // COPY text: the backslash of bytea's \x escaped
  for (unsigned char c : bytes) {
    line += k_hex[c >> 4];
    line += k_hex[c & 0xf];
  }
}

}  // namespace

std::string format_epoch(std::int64_t value) {
  const bool millis = value >= k_millis_threshold || value <= -k_millis_threshold;
  std::int64_t seconds = millis ? value / 1000 : value;
  std::int64_t fraction = millis ? value % 1000 : 0;
  if (fraction < 0) {
    fraction += 1000;
    seconds -= 1;
  }
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char buffer[64];
  std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &parts);
  std::string out(buffer, length);
  if (fraction != 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, ".%03d", static_cast<int>(fraction));
    out += digits;
    while (out.back() == '0') out.pop_back();
  }
  return out + "+00";
}

bool is_json(const std::string& text) { return nlohmann::json::accept(text); }

void append_field(std::string& line, const db::Cell& cell, const ColumnMapping& column) {
  if (cell.kind == db::CellKind::null) {
    line += "\\N";
    return;
  }
  const std::string& text = mapped_text(cell, column);
  switch (column.category) {
    case TypeCategory::boolean:
      if (text == "0" || text == "1") {
        line += text == "1" ? 't' : 'f';
        return;
      }
      break;
    case TypeCategory::timestamp:
      if (&text == &cell.text && epoch_cell(cell)) {
        line += format_epoch(static_cast<std::int64_t>(std::strtod(text.c_str(), nullptr)));
        return;
      }
      break;
    case TypeCategory::bytea:
      if (cell.kind == db::CellKind::blob) {
        append_hex(line, text);
        return;
      }
      break;
    default:
      break;
  }
  db::append_copy_text(line, text);
}

std::optional<std::string> converted_text(const db::Cell& cell, const ColumnMapping& column) {
  if (cell.kind == db::CellKind::null) return std::nullopt;
  std::string field;
  append_field(field, cell, column);
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char c = field[++i];
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
  }
  return out;
}

void append_row(std::string& data, const db::Row& source, const TableMapping& table) {
  static const db::Cell k_null{};
  bool first = true;
  for (const ColumnMapping& column : table.columns) {
    if (!first) data += '\t';
    first = false;
    if (column.source >= 0) {
      append_field(data, source[static_cast<std::size_t>(column.source)], column);
    } else if (column.constant) {
      db::append_copy_text(data, *column.constant);
    } else {
      append_field(data, k_null, column);
    }
  }
  data += '\n';
}

std::optional<std::string> conversion_problem(const db::Cell& cell, const ColumnMapping& column) {
  if (cell.kind == db::CellKind::null) return std::nullopt;
  const std::string& text = mapped_text(cell, column);
  switch (column.category) {
    case TypeCategory::boolean:
      if (text == "0" || text == "1") return std::nullopt;
      {
        std::string lowered;
        for (char c : text) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const char* word : {"t", "f", "true", "false", "yes", "no", "on", "off", "y", "n"}) {
          if (lowered == word) return std::nullopt;
        }
      }
      return "'" + text + "' is not a boolean (0/1, true/false)";
    case TypeCategory::integer:
      if (is_integer_text(text)) return std::nullopt;
      return "'" + text + "' is not an integer";
    case TypeCategory::numeric:
      if (is_number_text(text)) return std::nullopt;
      return "'" + text + "' is not a number";
    case TypeCategory::json:
      if (is_json(text)) return std::nullopt;
      return "not valid JSON";
    case TypeCategory::uuid:
      if (is_uuid_text(text)) return std::nullopt;
      return "'" + text + "' is not a UUID";
    case TypeCategory::timestamp:
    case TypeCategory::date:
      if (epoch_cell(cell) || (text.size() >= 10 && std::isdigit(static_cast<unsigned char>(text[0])) &&
                               text[4] == '-' && text[7] == '-')) {
        return std::nullopt;
      }
      return "'" + text + "' is neither an epoch number nor an ISO-8601 date";
    default:
      return std::nullopt;
  }
}

}  // namespace migrate::transfer
