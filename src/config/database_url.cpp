// URL parsing and redaction. libpq parses the URL for real; this code only needs to find
// the dialect, the SQLite path and the password, so that the password is never printed.
#include "migrate/config/database_url.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

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

// Where the user-info '@' is, as libpq finds it: the first '@' before the first '/'
// after "scheme://" (so a password may hold '?' but not a raw '/' or '@'); npos if none.
std::size_t userinfo_end(std::string_view uri) {
  const std::size_t authority = uri.find("://") + 3;
  const std::size_t stop = uri.find_first_of("@/", authority);
  return stop != std::string_view::npos && uri[stop] == '@' ? stop : std::string_view::npos;
}

// Where the query string starts: the first '?' after the user info.
std::size_t query_start(std::string_view uri) {
  const std::size_t at = userinfo_end(uri);
  return uri.find('?', at == std::string_view::npos ? uri.find("://") + 3 : at + 1);
}

// Masks "password=..." in a URI query string; returns the raw (encoded) password, if any.
std::string mask_query_password(std::string& uri) {
  const std::size_t query = query_start(uri);
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

// The URI with ":password" dropped from the user part and "password=" from the query.
std::string without_password(std::string uri) {
  const std::size_t authority = uri.find("://") + 3;
  const std::size_t at = userinfo_end(uri);
  if (at != std::string::npos) {
    const std::size_t colon = uri.find(':', authority);
    if (colon != std::string::npos && colon < at) uri.erase(colon, at - colon);
  }
  const std::size_t q = query_start(uri);
  if (q == std::string::npos) return uri;
  std::string kept;
  std::size_t pos = q + 1;
  while (pos <= uri.size()) {
    std::size_t end = uri.find('&', pos);
    if (end == std::string::npos) end = uri.size();
    const std::string param = uri.substr(pos, end - pos);
    if (!param.empty() && !util::starts_with(param, "password=")) kept += (kept.empty() ? "" : "&") + param;
    pos = end + 1;
  }
  return uri.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

DatabaseUrl parse_postgres_uri(std::string_view text) {
  DatabaseUrl url;
  url.dialect = Dialect::postgres;
  std::string redacted(text);
  const std::size_t authority = redacted.find("://") + 3;
  const std::size_t at = userinfo_end(redacted);
  if (at != std::string::npos) {
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
    url.conninfo += (query_start(url.conninfo) == std::string::npos ? "?" : "&");
    url.conninfo += k_connect_timeout;
  }
  url.conninfo_without_password = without_password(url.conninfo);
  return url;
}

bool is_keyword(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// libpq key=value strings: values may be single-quoted with backslash escapes. nullopt
// when a key is not a libpq keyword's shape (a mistyped URL such as "postgres:/u:pw@h").
std::optional<DatabaseUrl> parse_postgres_keywords(std::string_view text) {
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
    if (!is_keyword(key)) return std::nullopt;
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
      url.conninfo_without_password.append(text.substr(pos, value_end - pos)).append(" ");
    }
    pos = value_end;
  }
  url.redacted = redacted;
  url.conninfo = std::string(text);
  if (url.conninfo.find("connect_timeout") == std::string::npos) {
    url.conninfo += " ";
    url.conninfo += k_connect_timeout;
    url.conninfo_without_password += k_connect_timeout;
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
    if (std::optional<DatabaseUrl> url = parse_postgres_keywords(text)) return *url;
  }
  // Name only a scheme-shaped prefix: anything longer may hold the password.
  const std::size_t colon = text.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
  const std::string scheme_name = !prefix.empty() && prefix.size() <= 16 && is_keyword(prefix)
                                      ? std::string(prefix)
                                      : std::string("(none)");
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
