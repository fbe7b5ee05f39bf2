// Database URL parsing: dialects, SQLite paths, and keeping passwords out of printable text.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "migrate/config/database_identity.hpp"
#include "migrate/config/database_url.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::UsageError;
using migrate::config::DatabaseUrl;
using migrate::config::parse_database_url;
using migrate::config::redact;

namespace {

const std::filesystem::path k_base = "/srv/project";

DatabaseUrl parse(const std::string& text) { return parse_database_url(text, k_base, "DATABASE_URL"); }

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++count;
  return count;
}

// The message of the UsageError that parsing text throws; fails the test when none is thrown.
std::string usage_error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("no UsageError for " << text);
  return {};
}

}  // namespace

TEST_CASE("postgres URIs keep the password for libpq and mask it in the redacted form", "[unit]") {
  struct Case {
    std::string text;
    std::string password;  // decoded
    std::string redacted;
  };
  const Case cases[] = {
      {"postgres://app:s3cret@db.example:5432/app", "s3cret", "postgres://app:***@db.example:5432/app"},
      {"postgresql://app:s3cret@db/app?sslmode=require", "s3cret", "postgresql://app:***@db/app?sslmode=require"},
      {"postgres://app:p%40ss%2Fw0rd@db/app", "p@ss/w0rd", "postgres://app:***@db/app"},
      {"postgres://app:a:b@db/app", "a:b", "postgres://app:***@db/app"},
      {"postgres://app:pa%25ss@db/app", "pa%ss", "postgres://app:***@db/app"},
      {"postgres://app:s3cret@[::1]:5432/app", "s3cret", "postgres://app:***@[::1]:5432/app"},
      {"postgres://app@db/app?password=hunter2&sslmode=disable", "hunter2",
       "postgres://app@db/app?password=***&sslmode=disable"},
      {"postgres://app@db/app?sslmode=disable&password=hunter2", "hunter2",
       "postgres://app@db/app?sslmode=disable&password=***"},
      {"postgres://app@db/app?password=p%26w", "p&w", "postgres://app@db/app?password=***"},
  };
  for (const Case& c : cases) {
    INFO("url: " << c.text);
    const DatabaseUrl url = parse(c.text);
    CHECK(url.dialect == Dialect::postgres);
    CHECK(url.password == c.password);
    CHECK(url.redacted == c.redacted);
    CHECK(url.redacted.find(c.password) == std::string::npos);
    CHECK(url.conninfo.rfind(c.text, 0) == 0);  // libpq gets the URL as written
  }
}

TEST_CASE("postgres URIs without a password are printed unchanged", "[unit]") {
  for (const char* text : {"postgres://app@db/app", "postgresql://db:5432/app", "postgres:///app",
                           "postgres://app@db/app?sslmode=require"}) {
    INFO("url: " << text);
    const DatabaseUrl url = parse(text);
    CHECK(url.dialect == Dialect::postgres);
    CHECK(url.password.empty());
    CHECK(url.redacted == text);
  }
}

TEST_CASE("a raw question mark in the password is still redacted", "[unit]") {
  // libpq reads everything before the first '@' (up to a '/') as user:password, so this
  // connects with password "pa?ss"; the redacted form must not show it.
  const DatabaseUrl url = parse("postgres://app:pa?ss@db/app");
  CHECK(url.redacted.find("pa?ss") == std::string::npos);
  CHECK(url.password == "pa?ss");
}

TEST_CASE("connect_timeout is appended to a postgres URI exactly once", "[unit]") {
  CHECK(parse("postgres://app:pw@db/app").conninfo == "postgres://app:pw@db/app?connect_timeout=10");
  CHECK(parse("postgres://app:pw@db/app?sslmode=require").conninfo ==
        "postgres://app:pw@db/app?sslmode=require&connect_timeout=10");
  const DatabaseUrl explicit_timeout = parse("postgres://app@db/app?connect_timeout=3");
  CHECK(explicit_timeout.conninfo == "postgres://app@db/app?connect_timeout=3");
  CHECK(occurrences(explicit_timeout.conninfo, "connect_timeout") == 1);
}

TEST_CASE("libpq key=value strings are postgres and their password is masked", "[unit]") {
  struct Case {
    std::string text;
    std::string password;
    std::string redacted;
  };
  const Case cases[] = {
      {"host=db user=app password=hunter2 dbname=app", "hunter2", "host=db user=app password=*** dbname=app"},
      {"host=db password='s3 cr\\'et' dbname=app", "s3 cr'et", "host=db password=*** dbname=app"},
      {"host=db password = hunter2 dbname=app", "hunter2", "host=db password=*** dbname=app"},
      {"dbname=app password='a b c'", "a b c", "dbname=app password=***"},
      {"host=db dbname=app", "", "host=db dbname=app"},
  };
  for (const Case& c : cases) {
    INFO("conninfo: " << c.text);
    const DatabaseUrl url = parse(c.text);
    CHECK(url.dialect == Dialect::postgres);
    CHECK(url.password == c.password);
    CHECK(url.redacted == c.redacted);
    if (!c.password.empty()) CHECK(url.redacted.find(c.password) == std::string::npos);
    CHECK(url.conninfo == c.text + " connect_timeout=10");
  }
  const DatabaseUrl with_timeout = parse("host=db connect_timeout=5");
  CHECK(occurrences(with_timeout.conninfo, "connect_timeout") == 1);
}

TEST_CASE("redact masks the password wherever it appears in text", "[unit]") {
  const DatabaseUrl plain = parse("postgres://app:s3cret@db/app");
  CHECK(redact("FATAL: password authentication failed (s3cret) for s3cret", plain) ==
        "FATAL: password authentication failed (***) for ***");

  const DatabaseUrl encoded = parse("postgres://app:p%40ss@db/app");
  const std::string masked = redact("tried p@ss, then p%40ss", encoded);
  CHECK(masked == "tried ***, then ***");

  const DatabaseUrl keywords = parse("host=db password=hunter2");
  CHECK(redact("could not connect with hunter2", keywords) == "could not connect with ***");

  const DatabaseUrl none = parse("postgres://app@db/app");
  CHECK(redact("nothing to hide", none) == "nothing to hide");
  CHECK(redact(plain.conninfo, plain).find("s3cret") == std::string::npos);
}

TEST_CASE("sqlite URLs resolve to absolute paths", "[unit]") {
  struct Case {
    std::string text;
    std::filesystem::path path;
  };
  const Case cases[] = {
      {"sqlite:var/app.db", "/srv/project/var/app.db"},
      {"sqlite:./var/../data/app.db", "/srv/project/data/app.db"},
      {"sqlite:///var/lib/app.db", "/var/lib/app.db"},
      {"sqlite3:var/app.db", "/srv/project/var/app.db"},
      {"sqlite3:///tmp/app.db", "/tmp/app.db"},
      {"  sqlite:var/app.db  ", "/srv/project/var/app.db"},
  };
  for (const Case& c : cases) {
    INFO("url: " << c.text);
    const DatabaseUrl url = parse(c.text);
    CHECK(url.dialect == Dialect::sqlite);
    CHECK(url.sqlite_path == c.path);
    CHECK(url.sqlite_path.is_absolute());
    CHECK(url.redacted == "sqlite:" + c.path.string());
    CHECK(url.key() == url.redacted);
  }
}

TEST_CASE("two spellings of one sqlite file share a key", "[unit]") {
  CHECK(parse("sqlite:var/app.db").key() == parse("sqlite:///srv/project/var/app.db").key());
  CHECK(parse("sqlite:var/app.db").key() != parse("sqlite:var/other.db").key());
}

TEST_CASE("empty URLs, empty sqlite paths and unknown schemes are usage errors", "[unit]") {
  struct Case {
    std::string text;
    std::string mentions;
  };
  const Case cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"sqlite:", "no file path"},
      {"sqlite://", "no file path"},
      {"sqlite3:", "no file path"},
      {"mysql://root:hunter2@db/app", "mysql"},
      {"mysql://root:hunter2@db/app?password=hunter2", "mysql"},
      {"http://root:hunter2@db", "http"},
      {"root:hunter2@db/app", "unsupported"},
  };
  for (const Case& c : cases) {
    INFO("url: " << c.text);
    const std::string message = usage_error_of(c.text);
    CHECK(message.find("DATABASE_URL") != std::string::npos);
    CHECK(message.find(c.mentions) != std::string::npos);
    CHECK(message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("an unsupported URL carries the usage exit code", "[unit]") {
  CHECK_THROWS_AS(parse("mysql://db/app"), UsageError);
  try {
    parse("mysql://db/app");
  } catch (const migrate::Error& e) {
    CHECK(e.code() == migrate::ExitCode::usage);
  }
}

TEST_CASE("a mistyped URL never reaches the printable form with its password", "[unit]") {
  // One slash short of postgres://: this is neither a URI nor a libpq key=value string
  // ("postgres:/app:hunter2@db/app?sslmode" is not a keyword), and libpq's own error for it
  // quotes the whole keyword, password included.
  const std::string text = "postgres:/app:hunter2@db/app?sslmode=require";
  const std::string libpq_error = "invalid connection option \"postgres:/app:hunter2@db/app?sslmode\"";
  try {
    const DatabaseUrl url = parse(text);
    INFO("redacted: " << url.redacted);
    CHECK(url.redacted.find("hunter2") == std::string::npos);
    CHECK(redact(libpq_error, url).find("hunter2") == std::string::npos);
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("a URL that libpq cannot parse is a usage error that never shows the password", "[unit]") {
  struct Case {
    std::string text;
    std::string needle;
  };
  const Case cases[] = {
      {"postgres://app:hunter2@db:notaport/app", "port \"notaport\" is not a port number"},
      {"postgres://app:hunter2@db:0/app", "port \"0\""},
      {"postgres://app:hunter2@db:65536/app", "port \"65536\""},
      {"postgres://app:hunter2@db/app?connect_timeout=soon", "connect_timeout \"soon\""},
      {"postgres://app:hunter2@db/app?no_such_option=1", "no_such_option"},
      {"postgres://app:hunt%zzer2@db/app", "percent-encoded"},
      {"postgres://app:hunter2@[::1/app", "IPv6"},
      {"host=db password=hunter2 no_such_option=1", "no_such_option"},
      {"host=db password='hunter2 dbname=app", "unterminated"},
      {"host=db password=hunter2 port=x", "port \"x\""},
      {"host=db password=hunter two dbname=app", "word without '='"},
  };
  for (const Case& c : cases) {
    INFO("url: " << c.text);
    const std::string message = usage_error_of(c.text);
    CHECK_THAT(message, Catch::Contains("DATABASE_URL: "));
    CHECK_THAT(message, Catch::Contains(c.needle));
    CHECK_THAT(message, !Catch::Contains("hunter"));
    CHECK_THAT(message, !Catch::Contains("zzer2"));
  }
}

TEST_CASE("a port that may be a password (a URI with no '@') is not quoted", "[unit]") {
  // libpq reads "app" as the host and "hunter2" as the port here.
  const std::string message = usage_error_of("postgres://app:hunter2/db");
  CHECK_THAT(message, Catch::Contains("port is not a port number"));
  CHECK_THAT(message, Catch::Contains("percent-encode"));
  CHECK_THAT(message, !Catch::Contains("hunter"));
}

TEST_CASE("several hosts and ports and an explicit connect_timeout are accepted", "[unit]") {
  CHECK(parse("postgres://app@db1:5432,db2:5433/app?target_session_attrs=read-write").dialect == Dialect::postgres);
  CHECK(parse("host=db1,db2 port=5432,5433 dbname=app connect_timeout=3").dialect == Dialect::postgres);
}

TEST_CASE("a quoted key=value password is also masked as it was written", "[unit]") {
  // The command line holds the written form ('s3 cr\'et'), not the decoded one (s3 cr'et).
  const DatabaseUrl url = parse("host=db password='s3 cr\\'et' dbname=app");
  CHECK(url.password == "s3 cr'et");
  CHECK(redact("migrate --database-url \"host=db password='s3 cr\\'et' dbname=app\"", url) ==
        "migrate --database-url \"host=db password=*** dbname=app\"");
}

TEST_CASE("an empty or blank URL says that its variable is set but empty", "[unit]") {
  for (const char* text : {"", "  ", "\t\n"}) {
    INFO("url: '" << text << "'");
    const std::string message = usage_error_of(text);
    CHECK_THAT(message, Catch::StartsWith("DATABASE_URL is set but empty"));
  }
  try {
    parse_database_url("", k_base, "--database-url");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("--database-url is set but empty"));
    CHECK(e.code() == migrate::ExitCode::usage);
  }
}

TEST_CASE("a raw '/', '@' or '%' in a URI password is refused without echoing any of it", "[unit]") {
  // Each of these would hand libpq another password (or host, or port) than the one meant.
  for (const char* text : {"postgres://u:Xy/9kLmP2q@host/db", "postgres://u:Xy@9kLmP2q@host/db",
                           "postgresql://u:Xy/9k@LmP2q@host:5432/db?sslmode=require", "postgres://u:Xy%9kLmP2q@host/db",
                           "postgres://u:Xy/9kLmP2q@host", "postgres://u:XyLm/P2q?9k@host/db",
                           "postgres://u:Xy/9kLmP2q?a=b@host/db", "postgres://u:Xy%zzLmP2q@host/db?sslpassword=k%zz"}) {
    INFO("url: " << text);
    const std::string message = usage_error_of(text);
    CHECK_THAT(message, Catch::StartsWith("DATABASE_URL: "));
    CHECK_THAT(message, Catch::Contains("percent-encode"));
    for (const char* fragment : {"Xy", "9k", "Lm", "P2q", "host", "u:"}) CHECK_THAT(message, !Catch::Contains(fragment));
  }
}

TEST_CASE("a percent-encoded password is masked in both spellings", "[unit]") {
  const DatabaseUrl url = parse("postgres://u:Xy%2F9k%40Lm%25P2q@host/db");
  CHECK(url.password == "Xy/9k@Lm%P2q");
  CHECK(url.redacted == "postgres://u:***@host/db");
  CHECK(redact("Xy/9k@Lm%P2q and Xy%2F9k%40Lm%25P2q", url) == "*** and ***");
}

TEST_CASE("an '@' in a query value is not taken for a password's", "[unit]") {
  const DatabaseUrl url = parse("postgres://u:pw@db/app?application_name=me@home");
  CHECK(url.redacted == "postgres://u:***@db/app?application_name=me@home");
  CHECK(url.password == "pw");
}

TEST_CASE("sslpassword is a secret like password, in every URL form", "[unit]") {
  const DatabaseUrl uri = parse("postgres://u:pw@db/app?sslpassword=k3y%2Fpass&sslmode=require");
  CHECK(uri.redacted == "postgres://u:***@db/app?sslpassword=***&sslmode=require");
  CHECK(redact("key k3y/pass, as written k3y%2Fpass", uri) == "key ***, as written ***");

  const DatabaseUrl keywords = parse("host=db sslpassword='k3y pass' password=pw dbname=app");
  CHECK(keywords.redacted == "host=db sslpassword=*** password=*** dbname=app");
  CHECK(keywords.password == "pw");
  CHECK(redact("key k3y pass", keywords) == "key ***");

  // A parameter that only libpq reads as a secret must be one that the mask covers.
  const DatabaseUrl query_only = parse("postgres://u@db/app?sslpassword=k3y");
  CHECK(query_only.redacted == "postgres://u@db/app?sslpassword=***");
}

TEST_CASE("parameters are what libpq reads from the URL", "[unit]") {
  const DatabaseUrl url = parse("postgres://app:p%40ss@db:5433/app?sslmode=require&sslpassword=k");
  const auto value = [&](const std::string& keyword) {
    for (const auto& [key, val] : url.parameters) {
      if (key == keyword) return val;
    }
    return std::string("(unset)");
  };
  CHECK(value("user") == "app");
  CHECK(value("password") == "p@ss");
  CHECK(value("host") == "db");
  CHECK(value("port") == "5433");
  CHECK(value("dbname") == "app");
  CHECK(value("sslmode") == "require");
  CHECK(value("sslpassword") == "k");
  CHECK(value("connect_timeout") == "10");
  CHECK(value("options") == "(unset)");
  CHECK(migrate::config::is_secret_parameter("sslpassword"));
  CHECK_FALSE(migrate::config::is_secret_parameter("sslkey"));
}

TEST_CASE("a backslash in an unquoted key=value password escapes as libpq reads it", "[unit]") {
  const DatabaseUrl url = parse("host=db password=a\\ b dbname=app");
  CHECK(url.password == "a b");
  CHECK(url.redacted == "host=db password=*** dbname=app");
  CHECK(redact("migrate --database-url 'host=db password=a\\ b'", url) == "migrate --database-url 'host=db password=***'");
}

TEST_CASE("a database's identity ignores how the URL is spelled and who logs in, never holds a password",
          "[unit]") {
  using migrate::config::database_identity;
  const auto identity = [](const std::string& text) {
    return database_identity(migrate::config::parse_database_url(text, "/srv/app", "test"));
  };
  CHECK(identity("postgres://app:s3cret@db.lan:5432/homelab") == identity("postgresql://ops@db.lan/homelab?sslmode=prefer"));
  CHECK(identity("postgres://app:s3cret@db.lan:5432/homelab") == identity("host=db.lan dbname=homelab user=x password=y"));
  CHECK(identity("postgres://app@db.lan/homelab") != identity("postgres://app@db.lan/staging"));
  CHECK(identity("postgres://app@db.lan/homelab") != identity("postgres://app@db.lan:5433/homelab"));
  CHECK(identity("postgres://app@db.lan/homelab") != identity("postgres://app@other.lan/homelab"));
  CHECK(identity("service=staging") != identity("service=prod"));
  CHECK(identity("postgres://app:s3cret@db.lan/homelab").find("s3cret") == std::string::npos);
  CHECK(identity("sqlite:var/app.db") == identity("sqlite:///srv/app/var/app.db"));
  CHECK(identity("sqlite:var/app.db") != identity("sqlite:var/other.db"));
}
