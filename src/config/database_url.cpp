// URL parsing and redaction. libpq parses the URL for real (and says which parameters are
// secret); this code finds the dialect, the SQLite path, and where in the text each secret
// is written, reading a URI as libpq does, so that no secret is ever printed.
#include "migrate/config/database_url.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "config/libpq_api.hpp"
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

// A postgres:// URI cut where libpq cuts it (fe-connect.c, conninfo_uri_parse_options):
// the user info ends at the first '@' that comes before any '/'; the password is what
// follows the first ':' in it; host, port and path run to the first '?', the query after.
struct UriParts {
  std::size_t authority = 0;                      // just after "://"
  std::size_t password = std::string_view::npos;  // first character of the password
  std::size_t at = std::string_view::npos;        // the '@' ending the user info
  std::size_t query = std::string_view::npos;     // the '?' starting the query
};

UriParts split_uri(std::string_view uri) {
  UriParts parts;
  parts.authority = uri.find("://") + 3;
  const std::size_t stop = uri.find_first_of("@/", parts.authority);
  std::size_t host = parts.authority;
  if (stop != std::string_view::npos && uri[stop] == '@') {
    parts.at = stop;
    const std::size_t colon = uri.find(':', parts.authority);
    if (colon < stop) parts.password = colon + 1;
    host = stop + 1;
  }
  parts.query = uri.find('?', host);
  return parts;
}

// One name=value pair of a URI query, as offsets into the URI.
struct QueryParam {
  std::string key;  // percent-decoded
  std::size_t value = 0;
  std::size_t value_end = 0;
};

std::vector<QueryParam> query_params(std::string_view uri, const UriParts& parts) {
  std::vector<QueryParam> params;
  if (parts.query == std::string_view::npos) return params;
  for (std::size_t pos = parts.query + 1; pos <= uri.size();) {
    std::size_t end = uri.find('&', pos);
    if (end == std::string_view::npos) end = uri.size();
    const std::size_t eq = uri.find('=', pos);
    if (eq < end) params.push_back({percent_decode(uri.substr(pos, eq - pos)), eq + 1, end});
    pos = end + 1;
  }
  return params;
}

// The regions of text that hold a secret, as [begin, end) offsets; what is masked.
using Regions = std::vector<std::pair<std::size_t, std::size_t>>;

std::string masked(std::string_view text, Regions regions) {
  std::sort(regions.begin(), regions.end());
  std::string out;
  std::size_t pos = 0;
  for (const auto& [begin, end] : regions) {
    if (begin < pos) continue;
    out.append(text.substr(pos, begin - pos)).append(k_mask);
    pos = end;
  }
  return out.append(text.substr(pos));
}

// Throws when the URI holds a raw '@' after libpq's end of the user info, before the
// query: a password with a raw '/' or '@' that libpq would split elsewhere than a reader
// (and than a mask) would. The URL is not echoed: any part of it may be the password.
void check_user_info(std::string_view uri, const UriParts& parts, std::string_view source) {
  const std::size_t from = parts.at == std::string_view::npos ? parts.authority : parts.at + 1;
  const std::size_t to = parts.query == std::string_view::npos ? uri.size() : parts.query;
  if (uri.substr(from, to - from).find('@') == std::string_view::npos) return;
  throw UsageError(std::string(source) +
                   ": the database URL has an '@' after its user info, so libpq would not read the password "
                   "that it seems to hold: percent-encode '/', '@' and '%' in the user name and password "
                   "(as %2F, %40, %25)");
}

DatabaseUrl parse_postgres_uri(std::string_view text, std::string_view source) {
  DatabaseUrl url;
  url.dialect = Dialect::postgres;
  const UriParts parts = split_uri(text);
  check_user_info(text, parts, source);
  Regions regions;
  if (parts.password != std::string_view::npos && parts.password < parts.at) {
    regions.emplace_back(parts.password, parts.at);
  }
  for (const QueryParam& param : query_params(text, parts)) {
    if (is_secret_parameter(param.key)) regions.emplace_back(param.value, param.value_end);
  }
  for (const auto& [begin, end] : regions) {
    const std::string raw(text.substr(begin, end - begin));
    url.secrets.push_back(raw);
    url.secrets.push_back(percent_decode(raw));
  }
  url.redacted = masked(text, regions);
  url.conninfo = std::string(text);
  if (url.conninfo.find("connect_timeout=") == std::string::npos) {
    url.conninfo += (parts.query == std::string::npos ? "?" : "&");
    url.conninfo += k_connect_timeout;
  }
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
      // As libpq reads it, a backslash escapes the next character here too.
      while (value_end < text.size() && !std::isspace(static_cast<unsigned char>(text[value_end]))) {
        if (text[value_end] == '\\' && value_end + 1 < text.size()) ++value_end;
        value.push_back(text[value_end++]);
      }
    }
    if (is_secret_parameter(key)) {
      url.secrets.push_back(value);
      // As written (quotes and escapes included), e.g. for migrate's own command line.
      const std::string_view written = util::trim(text.substr(eq + 1, value_end - eq - 1));
      if (!written.empty() && written != value) url.secrets.emplace_back(written);
      redacted.append(key).append("=").append(k_mask);
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

// Where a password could be in a URI that libpq cannot parse: from the first ':' after
// "://" to the last '@', wherever libpq or a reader would end it; empty if none.
std::string_view possible_password(std::string_view text) {
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::size_t colon = text.find(':', scheme + 3);
  const std::size_t last_at = text.rfind('@');
  if (colon == std::string_view::npos || last_at == std::string_view::npos || last_at < colon) return {};
  return text.substr(colon + 1, last_at - colon - 1);
}

// libpq's message about a connection string it refused, safe to print: its quoted parts
// (libpq quotes the offending token) are kept only when they look like a keyword and
// are no part of a secret or of where a password could be; the rest becomes "…".
std::string redact_libpq_error(std::string_view message, const DatabaseUrl& url) {
  const std::string_view suspect = possible_password(url.conninfo);
  const auto shown = [&](std::string_view quoted) {
    if (!is_keyword(quoted) || suspect.find(quoted) != std::string_view::npos) return false;
    return std::none_of(url.secrets.begin(), url.secrets.end(),
                        [&](const std::string& secret) { return secret.find(quoted) != std::string::npos; });
  };
  std::string out;
  for (std::size_t pos = 0; pos < message.size();) {
    const std::size_t open = message.find('"', pos);
    const std::size_t close = open == std::string_view::npos ? open : message.find('"', open + 1);
    if (close == std::string_view::npos) {
      out.append(message.substr(pos));
      break;
    }
    const std::string_view quoted = message.substr(open + 1, close - open - 1);
    out.append(message.substr(pos, open - pos)).append("\"").append(shown(quoted) ? quoted : "…").append("\"");
    pos = close + 1;
  }
  return std::string(util::trim(redact(out, url)));
}

// Lets libpq's own parser judge the URL now, so that a malformed one is a usage error
// (exit 2) before anything is opened, rather than "database unreachable" (exit 5) at
// connect time, which `migrate wait` would retry until its timeout. libpq only checks
// numbers when it connects, so port and connect_timeout are checked here. What libpq
// reads is kept in url.parameters, and every secret parameter it finds must be one that
// our own reading masked: else the printable form could show it. No message echoes the
// URL: when libpq and we disagree, any part of it may be a password.
void check_with_libpq(DatabaseUrl& url, std::string_view source) {
  const std::string hint = "; percent-encode '/', '@', '%', '?' and '&' in a URL's password (as %2F, %40, %25, %3F, %26)";
  const LibpqApi& pq = libpq();
  char* raw_error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      pq.conninfo_parse(url.conninfo.c_str(), &raw_error), pq.conninfo_free);
  if (!options) {
    const std::string error = raw_error != nullptr ? std::string(raw_error) : "out of memory";
    pq.freemem(raw_error);
    throw UsageError(std::string(source) + ": invalid database URL (" + redact_libpq_error(error, url) + ")" + hint);
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    const std::string value = option->val;
    url.parameters.emplace_back(keyword, value);
    const bool secret = is_secret_parameter(keyword) || (option->dispchar != nullptr && option->dispchar[0] == '*');
    if (secret && !value.empty()) {
      if (std::find(url.secrets.begin(), url.secrets.end(), value) == url.secrets.end()) {
        throw UsageError(std::string(source) + ": cannot tell where the " + std::string(keyword) +
                         " in the database URL ends" + hint);
      }
      if (keyword == "password") url.password = value;
    }
    if ((keyword == "port" && !valid_port_list(value)) || (keyword == "connect_timeout" && !valid_integer(value))) {
      // The value is quoted only when it cannot be part of a password: in a URI with no
      // '@' ("postgres://user:secret/db"), libpq takes the password for the port.
      const bool may_be_password = util::starts_with(url.conninfo, "postgres") &&
                                   split_uri(url.conninfo).at == std::string::npos;
      throw UsageError(std::string(source) + ": invalid database URL: " + std::string(keyword) +
                       (may_be_password ? std::string() : " \"" + redact(value, url) + "\"") + " is not " +
                       (keyword == "port" ? "a port number from 1 to 65535" : "a whole number of seconds") +
                       (may_be_password ? hint : ""));
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
  if (text.empty()) {
    // docker compose and systemd pass an empty value for a secret that is missing:
    // falling back to the SQLite default would migrate the wrong database.
    throw UsageError(std::string(source) + " is set but empty; give it a database URL, or unset it");
  }
  if (util::starts_with(text, "postgres://") || util::starts_with(text, "postgresql://")) {
    DatabaseUrl url = parse_postgres_uri(text, source);
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

bool is_secret_parameter(std::string_view keyword) { return keyword == "password" || keyword == "sslpassword"; }

std::string redact(std::string text, const DatabaseUrl& url) {
  std::vector<const std::string*> secrets;
  if (!url.password.empty()) secrets.push_back(&url.password);
  for (const std::string& secret : url.secrets) {
    if (!secret.empty()) secrets.push_back(&secret);
  }
  // The longest first: a secret's decoded form may be part of its encoded one.
  std::stable_sort(secrets.begin(), secrets.end(),
                   [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
  for (const std::string* secret : secrets) text = util::replace_all(std::move(text), *secret, k_mask);
  return text;
}

}  // namespace migrate::config
