// URL parsing and redaction. libpq parses the URL for real; this code only needs to find
// the dialect, the SQLite path and the password, so that the password is never printed.
#include "migrate/config/database_url.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
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
std::optional<DatabaseUrl> parse_postgres_keywords(std::string_view text, std::string_view source) {
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
    const std::string_view key = util::trim(text.substr(pos, eq == std::string_view::npos ? eq : eq - pos));
    if (eq == std::string_view::npos || !is_keyword(key)) {
      // A word without '=' after a key=value pair is most often the rest of an unquoted
      // value (password=two words): say so without quoting it, as it may be a password.
      const bool bare_word = pos > 0 && (eq == std::string_view::npos || key.find_first_of(" \t\r\n") != key.npos);
      if (!bare_word) return std::nullopt;
      throw UsageError(std::string(source) +
                       ": key=value database URL has a word without '=' (quote a value that holds "
                       "spaces: password='…')");
    }
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
      // As written (quotes and escapes included), e.g. for migrate's own command line.
      const std::string_view written = util::trim(text.substr(eq + 1, value_end - eq - 1));
      if (!written.empty() && written != value) url.secrets.emplace_back(written);
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

// "5432", "5432,5433" or "" (the default), as libpq accepts for port.
bool valid_port_list(std::string_view ports) {
  while (true) {
    const std::size_t comma = ports.find(',');
    const std::string_view port = util::trim(ports.substr(0, comma));
    if (!port.empty()) {
      if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
      }
      const int number = std::stoi(std::string(port));
      if (number < 1 || number > 65535) return false;
    }
    if (comma == std::string_view::npos) return true;
    ports.remove_prefix(comma + 1);
  }
}

bool valid_integer(std::string_view text) {
  text = util::trim(text);
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() && text.size() <= 9 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Lets libpq's own parser judge the URL now, so that a malformed one is a usage error
// (exit 2) before anything is opened, rather than "database unreachable" (exit 5) at
// connect time, which `migrate wait` would retry until its timeout. libpq only checks
// numbers when it connects, so port and connect_timeout are checked here.
void check_with_libpq(const DatabaseUrl& url, std::string_view source) {
  char* raw_error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.conninfo.c_str(), &raw_error), &PQconninfoFree);
  if (!options) {
    const std::string error = raw_error != nullptr ? std::string(util::trim(raw_error)) : "out of memory";
    PQfreemem(raw_error);
    throw UsageError(std::string(source) + ": invalid database URL " + url.redacted + ": " + redact(error, url));
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    const std::string_view value = option->val;
    if ((keyword == "port" && !valid_port_list(value)) || (keyword == "connect_timeout" && !valid_integer(value))) {
      throw UsageError(std::string(source) + ": invalid database URL " + url.redacted + ": " +
                       std::string(keyword) + " \"" + redact(std::string(value), url) + "\" is not " +
                       (keyword == "port" ? "a port number from 1 to 65535" : "a whole number of seconds"));
    }
  }
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
    DatabaseUrl url = parse_postgres_uri(text);
    check_with_libpq(url, source);
    return url;
  }
  if (util::starts_with(text, "sqlite:")) return parse_sqlite(text.substr(7), base_dir, source);
  if (util::starts_with(text, "sqlite3:")) return parse_sqlite(text.substr(8), base_dir, source);
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos && text.find('=') != std::string_view::npos) {
    if (std::optional<DatabaseUrl> url = parse_postgres_keywords(text, source)) {
      check_with_libpq(*url, source);
      return *url;
    }
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
