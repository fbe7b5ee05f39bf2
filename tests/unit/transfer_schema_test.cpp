// The pure parts of profiling and schema drafting: value tests, counting, the type rules
// with their reasons, defaults, keys, foreign-key order and index translation, from
// hand-built catalogs and profiles.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/transfer/profile.hpp"
#include "migrate/transfer/schema_convert.hpp"

namespace transfer = migrate::transfer;
using migrate::db::Cell;
using migrate::db::CellKind;
using migrate::db::ColumnInfo;
using migrate::db::TableInfo;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A column profile of n values all counted by `field`.
transfer::ColumnProfile values(const std::string& name, std::vector<Cell> cells) {
  transfer::ColumnProfile column;
  column.name = name;
  for (const Cell& cell : cells) transfer::count_value(column, cell);
  return column;
}

Cell integer(long long value) { return {CellKind::integer, std::to_string(value)}; }
Cell text(const std::string& value) { return {CellKind::text, value}; }

const transfer::ColumnDecision& decision(const transfer::SchemaDraft& draft, const std::string& table,
                                         const std::string& column) {
  for (const auto& t : draft.tables) {
    if (t.target != table) continue;
    for (const auto& c : t.columns) {
      if (c.target == column) return c;
    }
  }
  FAIL("no decision for " << table << "." << column);
  throw 0;
}

}  // namespace

TEST_CASE("profiling recognises UUIDs, IP addresses and ISO-8601 text", "[unit][transfer]") {
  CHECK(transfer::is_uuid_text("123e4567-e89b-12d3-a456-426614174000"));
  CHECK(transfer::is_uuid_text("123E4567-E89B-12D3-A456-426614174000"));
  CHECK_FALSE(transfer::is_uuid_text("123e4567e89b12d3a456426614174000"));
  CHECK_FALSE(transfer::is_uuid_text("123e4567-e89b-12d3-a456-42661417400g"));
  CHECK(transfer::is_ipv4_text("192.168.1.20"));
  CHECK(transfer::is_ipv4_text("10.0.0.0/8"));
  CHECK_FALSE(transfer::is_ipv4_text("256.1.1.1"));
  CHECK_FALSE(transfer::is_ipv4_text("10.0.0.0/33"));
  CHECK_FALSE(transfer::is_ipv4_text("1.2.3"));
  CHECK(transfer::is_ipv6_text("::1"));
  CHECK(transfer::is_ipv6_text("2001:db8::8a2e:370:7334"));
  CHECK(transfer::is_ipv6_text("2001:db8::/32"));
  CHECK_FALSE(transfer::is_ipv6_text("2001:db8:::1"));
  CHECK_FALSE(transfer::is_ipv6_text("12:30"));
  CHECK(transfer::iso_8601_kind("2024-05-01") == 1);
  CHECK(transfer::iso_8601_kind("2024-05-01T12:30") == 2);
  CHECK(transfer::iso_8601_kind("2024-05-01 12:30:59") == 2);
  CHECK(transfer::iso_8601_kind("2024-05-01T12:30:59.123Z") == 2);
  CHECK(transfer::iso_8601_kind("2024-05-01T12:30:59+02:00") == 2);
  CHECK(transfer::iso_8601_kind("2024-05-01 12:30:59-0500") == 2);
  CHECK(transfer::iso_8601_kind("2024-13-01") == 0);
  CHECK(transfer::iso_8601_kind("2024-05-01T25:00") == 0);
  CHECK(transfer::iso_8601_kind("2024-05-01 and more") == 0);
  CHECK(transfer::iso_8601_kind("05/01/2024") == 0);
}

TEST_CASE("counting values keeps kinds and what they look like apart", "[unit][transfer]") {
  transfer::ColumnProfile column = values("c", {integer(0),
                                                integer(1),
                                                integer(1'700'000'000),
                                                integer(1'700'000'000'000),
                                                {CellKind::real, "1.5"},
                                                text("{\"a\": 1}"),
                                                text("[1, 2]"),
                                                text("\"scalar\""),
                                                text("{broken"),
                                                text("plain words"),
                                                text("123e4567-e89b-12d3-a456-426614174000"),
                                                text("10.1.2.3"),
                                                text("fe80::1"),
                                                text("2024-05-01"),
                                                text("2024-05-01T10:00:00Z"),
                                                {CellKind::blob, std::string("\0\1", 2)},
                                                {CellKind::null, ""}});
  CHECK(column.nulls == 1);
  CHECK(column.non_null == 16);
  CHECK(column.integers == 4);
  CHECK(column.reals == 1);
  CHECK(column.texts == 10);
  CHECK(column.blobs == 1);
  CHECK(column.kinds() == 4);
  CHECK(column.zero_one == 2);
  CHECK(column.epoch_seconds == 1);
  CHECK(column.epoch_millis == 1);
  CHECK(column.json == 2);
  CHECK(column.json_scalars == 1);
  CHECK(column.not_json == 7);  // {broken, plain words, the UUID, both addresses, both dates
  CHECK(column.uuids == 1);
  CHECK(column.ipv4 == 1);
  CHECK(column.ipv6 == 1);
  CHECK(column.iso_dates == 1);
  CHECK(column.iso_timestamps == 1);
  CHECK(column.all(column.non_null));
  CHECK_FALSE(column.all(column.texts));
}

TEST_CASE("count_value asks for a row key only while there is room for examples", "[unit][transfer]") {
  transfer::ColumnProfile column;
  int asked = 0;
  for (int i = 0; i < 8; ++i) {
    if (transfer::count_value(column, text("not json"))) {
      column.not_json_rows.push_back("id=" + std::to_string(i));
      ++asked;
    }
  }
  CHECK(asked == 5);
  CHECK(column.not_json == 8);
  CHECK_FALSE(transfer::count_value(column, text("{\"ok\": true}")));
}

TEST_CASE("flag and time names are recognised conservatively", "[unit][transfer]") {
  for (const char* name : {"is_admin", "has_children", "enabled", "Active", "deleted", "email_verified",
                           "notifications_enabled", "can_post"}) {
    INFO(name);
    CHECK(transfer::is_flag_name(name));
  }
  for (const char* name : {"count", "retries", "level", "island", "hash", "activity"}) {
    INFO(name);
    CHECK_FALSE(transfer::is_flag_name(name));
  }
  for (const char* name : {"created_at", "start_time", "due_date", "posted_on", "timestamp", "last_timestamp_ms"}) {
    INFO(name);
    CHECK(transfer::is_time_name(name));
  }
  for (const char* name : {"at", "duration", "format", "attempts"}) {
    INFO(name);
    CHECK_FALSE(transfer::is_time_name(name));
  }
}

TEST_CASE("each column gets a type from its declared type, its name and its values, with a reason",
          "[unit][transfer]") {
  TableInfo users{"users",
                  {{"id", "INTEGER", false, true, true},
                   {"is_admin", "INTEGER", true, true, false},
                   {"login_count", "INTEGER", false, false, false},
                   {"active", "BOOLEAN", false, false, false},
                   {"settings", "TEXT", false, false, false},
                   {"prefs", "TEXT", false, false, false},
                   {"token", "TEXT", false, false, false},
                   {"last_ip", "TEXT", false, false, false},
                   {"created_at", "INTEGER", true, false, false},
                   {"seen_ms", "INTEGER", false, false, false},
                   {"last_login_at", "INTEGER", false, false, false},
                   {"born", "DATE", false, false, false},
                   {"updated", "DATETIME", false, false, false},
                   {"avatar", "BLOB", false, false, false},
                   {"score", "REAL", false, false, false},
                   {"price", "DECIMAL(10, 2)", false, false, false},
                   {"name", "VARCHAR(40)", true, false, false},
                   {"misc", "", false, false, false},
                   {"odd", "INTEGER", false, false, false},
                   {"notes", "", false, false, false}},
                  {"id"},
                  {},
                  {},
                  true};
  transfer::TableProfile profile;
  profile.name = "users";
  profile.columns = {
      values("id", {integer(1), integer(2)}),
      values("is_admin", {integer(0), integer(1)}),
      values("login_count", {integer(0), integer(1), integer(1)}),
      values("active", {integer(1), {CellKind::null, ""}}),
      values("settings", {text("{\"theme\": \"dark\"}"), text("[]")}),
      values("prefs", {text("{\"a\": 1}"), text("{\"b\": 2}"), text("oops")}),
      values("token", {text("123e4567-e89b-12d3-a456-426614174000")}),
      values("last_ip", {text("10.0.0.1"), text("::1")}),
      values("created_at", {integer(1'700'000'000), integer(1'600'000'000)}),
      values("seen_ms", {integer(1'700'000'000'000)}),
      values("last_login_at", {integer(1'700'000'000'000)}),
      values("born", {text("1990-04-01")}),
      values("updated", {text("2024-05-01 10:00:00")}),
      values("avatar", {{CellKind::blob, "\x89PNG"}}),
      values("score", {{CellKind::real, "1.5"}, integer(2)}),
      values("price", {{CellKind::real, "9.99"}}),
      values("name", {text("ann")}),
      values("misc", {integer(5)}),
      values("odd", {integer(5), text("five")}),
      values("notes", {}),
  };
  profile.columns[1].default_sql = "0";
  profile.columns[8].default_sql = "(strftime('%s','now'))";
  profile.columns[16].default_sql = "'nobody'";
  transfer::SourceProfile source;
  source.tables = {profile};
  const transfer::SchemaDraft draft = transfer::draft_schema({users}, source, {});

  struct Expected {
    const char* column;
    const char* type;
    const char* reason;
  };
  const Expected expected[] = {
      {"id", "bigint GENERATED BY DEFAULT AS IDENTITY", "INTEGER PRIMARY KEY AUTOINCREMENT → identity"},
      {"is_admin", "boolean", "all values 0/1 in a flag column"},
      {"login_count", "bigint", "declared INTEGER"},
      {"active", "boolean", "declared BOOLEAN, all values 0/1"},
      {"settings", "jsonb", "all values valid JSON"},
      {"prefs", "text", "mostly JSON, but 1 value is not valid JSON: text until they are fixed"},
      {"token", "uuid", "all values UUIDs"},
      {"last_ip", "inet", "all values IP addresses"},
      {"created_at", "timestamptz", "epoch seconds in a *_at column"},
      {"seen_ms", "bigint", "declared INTEGER"},
      {"last_login_at", "timestamptz", "epoch milliseconds in a *_at column"},
      {"born", "date", "ISO-8601 dates in a DATE column"},
      {"updated", "timestamptz", "ISO-8601 text in a DATETIME column"},
      {"avatar", "bytea", "all values blobs"},
      {"score", "double precision", "declared REAL"},
      {"price", "numeric(10,2)", "declared DECIMAL(10, 2)"},
      {"name", "text", "declared VARCHAR(40) (SQLite does not enforce lengths)"},
      {"misc", "bigint", "declared without a type, all values integers"},
      {"odd", "text", "mixed kinds of values (1 number, 1 text)"},
      {"notes", "text", "declared without a type (no values to check)"},
  };
  for (const Expected& e : expected) {
    INFO(e.column);
    const auto& d = decision(draft, "users", e.column);
    CHECK(d.target_type == e.type);
    CHECK(d.reason == e.reason);
  }
  const std::string& up = draft.up_sql;
  INFO(up);
  CHECK(has(up, "CREATE TABLE \"users\" (\n  \"id\" bigint GENERATED BY DEFAULT AS IDENTITY,\n"));
  CHECK(has(up, "  \"is_admin\" boolean NOT NULL DEFAULT FALSE,\n"));
  CHECK(has(up, "  \"created_at\" timestamptz NOT NULL,\n"));
  CHECK(has(up, "-- \"users\": column created_at: DEFAULT (strftime('%s','now')) is not portable to timestamptz"));
  CHECK(has(up, "  \"name\" text NOT NULL DEFAULT 'nobody',\n"));
  CHECK(has(up, "  PRIMARY KEY (\"id\")\n);"));
  CHECK(has(up, "CREATE INDEX \"users_settings_gin\" ON \"users\" USING gin (\"settings\");"));
  CHECK(draft.down_sql == "DROP TABLE \"users\";\n");
}

TEST_CASE("the spec's renames, skips and type overrides shape the draft", "[unit][transfer]") {
  TableInfo posts{"posts",
                  {{"id", "INTEGER", false, true, true},
                   {"body", "TEXT", false, false, false},
                   {"legacy", "TEXT", false, false, false},
                   {"flags", "INTEGER", false, false, false}},
                  {"id"},
                  {},
                  {"CREATE INDEX posts_body ON posts (body)", "CREATE INDEX posts_legacy ON posts (legacy)"},
                  false};
  TableInfo junk{"junk", {{"x", "TEXT", false, false, false}}, {}, {}, {}, false};
  migrate::config::TransferSpec spec;
  migrate::config::TableSpec table;
  table.source = "posts";
  table.to = "articles";
  table.columns = {{"body", "content"}};
  table.skip_columns = {"legacy"};
  table.types = {{"flags", "smallint"}};
  migrate::config::TableSpec skipped;
  skipped.source = "junk";
  skipped.skip = true;
  spec.tables = {table, skipped};
  const transfer::SchemaDraft draft = transfer::draft_schema({junk, posts}, {}, spec);

  REQUIRE(draft.tables.size() == 1);
  CHECK(draft.tables[0].source == "posts");
  CHECK(draft.tables[0].target == "articles");
  REQUIRE(draft.tables[0].columns.size() == 3);
  CHECK(decision(draft, "articles", "content").source == "body");
  CHECK(decision(draft, "articles", "flags").target_type == "smallint");
  CHECK(decision(draft, "articles", "flags").reason == "set in the spec");
  INFO(draft.up_sql);
  CHECK(has(draft.up_sql, "CREATE TABLE \"articles\" ("));
  CHECK(has(draft.up_sql, "CREATE INDEX \"posts_body\" ON \"articles\" (\"content\");"));
  CHECK(has(draft.up_sql,
            "index left out: CREATE INDEX posts_legacy ON posts (legacy) (column legacy is not carried over)"));
  CHECK_FALSE(has(draft.up_sql, "junk"));
  CHECK(draft.down_sql == "DROP TABLE \"articles\";\n");
}

TEST_CASE("tables come in foreign-key order, cycles closed by ALTER TABLE, and drop in reverse", "[unit][transfer]") {
  // comments -> posts -> users; users.best_comment -> comments closes a cycle;
  // comments.parent_id -> comments references itself; tags.post -> posts without columns.
  TableInfo users{"users", {{"id", "INTEGER", false, true, true}, {"best_comment", "INTEGER", false, false, false}},
                  {"id"},  {{{"best_comment"}, "comments", {"id"}}},
                  {},      false};
  TableInfo posts{"posts", {{"id", "INTEGER", false, true, true}, {"author", "INTEGER", true, false, false}},
                  {"id"},  {{{"author"}, "users", {"id"}}},
                  {},      false};
  TableInfo comments{"comments",
                     {{"id", "INTEGER", false, true, true},
                      {"post_id", "INTEGER", true, false, false},
                      {"parent_id", "INTEGER", false, false, false}},
                     {"id"},
                     {{{"post_id"}, "posts", {"id"}}, {{"parent_id"}, "comments", {"id"}}},
                     {},
                     false};
  TableInfo tags{"tags",
                 {{"post", "INTEGER", true, false, false}, {"tag", "TEXT", true, false, false}},
                 {"post", "tag"},
                 {{{"post"}, "posts", {""}}, {{"tag"}, "missing", {"name"}}},
                 {},
                 false};
  const transfer::SchemaDraft draft = transfer::draft_schema({comments, posts, tags, users}, {}, {});
  std::vector<std::string> order;
  for (const auto& table : draft.tables) order.push_back(table.target);
  INFO(draft.up_sql);
  // The cycle users -> comments -> posts -> users is broken by name: comments first.
  CHECK(order == std::vector<std::string>{"comments", "users", "posts", "tags"});
  CHECK(has(draft.up_sql,
            "  CONSTRAINT \"comments_parent_id_fkey\" FOREIGN KEY (\"parent_id\") REFERENCES "
            "\"comments\" (\"id\")"));
  CHECK(has(draft.up_sql, "  CONSTRAINT \"tags_post_fkey\" FOREIGN KEY (\"post\") REFERENCES \"posts\" (\"id\")"));
  CHECK(has(draft.up_sql, "  PRIMARY KEY (\"post\", \"tag\")"));
  CHECK(has(draft.up_sql, "-- \"tags\": foreign key tags (tag) → missing left out: the source has no table missing"));
  CHECK(has(draft.up_sql,
            "ALTER TABLE \"comments\" ADD CONSTRAINT \"comments_post_id_fkey\" FOREIGN KEY (\"post_id\") "
            "REFERENCES \"posts\" (\"id\");"));
  CHECK(draft.down_sql ==
        "ALTER TABLE \"comments\" DROP CONSTRAINT \"comments_post_id_fkey\";\n"
        "DROP TABLE \"tags\";\nDROP TABLE \"posts\";\nDROP TABLE \"users\";\nDROP TABLE \"comments\";\n");
}

TEST_CASE("a foreign key to columns that are neither key nor unique is left out with a note", "[unit][transfer]") {
  TableInfo parent{"parent",
                   {{"id", "INTEGER", false, true, true}, {"code", "TEXT", false, false, false}},
                   {"id"},
                   {},
                   {"CREATE UNIQUE INDEX parent_code ON parent (code)"},
                   false};
  TableInfo child{"child", {{"code", "TEXT", false, false, false}, {"name", "TEXT", false, false, false}},
                  {},      {{{"code"}, "parent", {"code"}}, {{"name"}, "parent", {"name"}}},
                  {},      false};
  const transfer::SchemaDraft draft = transfer::draft_schema({child, parent}, {}, {});
  INFO(draft.up_sql);
  CHECK(has(draft.up_sql, "FOREIGN KEY (\"code\") REFERENCES \"parent\" (\"code\")"));
  CHECK(has(draft.up_sql, "is neither a primary key nor unique"));
  CHECK(has(draft.up_sql, "CREATE UNIQUE INDEX \"parent_code\" ON \"parent\" (\"code\");"));
}

TEST_CASE("SQLite indexes are written again for PostgreSQL, or left out with the reason", "[unit][transfer]") {
  const std::vector<std::pair<std::string, std::string>> keep{{"Email", "email"}, {"name", "full_name"}, {"at", "at"}};
  struct Case {
    const char* sqlite;
    const char* postgres;
  };
  const Case cases[] = {
      {"CREATE UNIQUE INDEX IF NOT EXISTS idx_email ON people(Email)",
       "CREATE UNIQUE INDEX \"idx_email\" ON \"persons\" (\"email\");"},
      {"create index \"by name\" on `people` ([name] DESC, at asc);",
       "CREATE INDEX \"by name\" ON \"persons\" (\"full_name\" DESC, \"at\" ASC);"},
      {"CREATE INDEX main.idx ON people (email COLLATE BINARY)", "CREATE INDEX \"idx\" ON \"persons\" (\"email\");"},
      {"CREATE INDEX p ON people (email) WHERE email IS NOT NULL AND name ISNULL",
       "CREATE INDEX \"p\" ON \"persons\" (\"email\") WHERE \"email\" IS NOT NULL AND \"full_name\" IS NULL;"},
      {"CREATE INDEX c ON people (email COLLATE NOCASE)",
       "-- left out: CREATE INDEX c ON people (email COLLATE NOCASE) (it uses COLLATE NOCASE)"},
      {"CREATE INDEX e ON people (lower(email))",
       "-- left out: CREATE INDEX e ON people (lower(email)) (it indexes an expression)"},
      {"CREATE INDEX w ON people (email) WHERE at > 5",
       "-- left out: CREATE INDEX w ON people (email) WHERE at > 5 (its WHERE clause is not portable)"},
      {"CREATE INDEX s ON people (secret)",
       "-- left out: CREATE INDEX s ON people (secret) (column secret is not carried over)"},
  };
  for (const Case& c : cases) {
    INFO(c.sqlite);
    CHECK(transfer::translate_index(c.sqlite, "persons", keep) == c.postgres);
  }
}

TEST_CASE("a referencing column takes the type of the column it references", "[unit][transfer]") {
  // tokens.id holds UUIDs (uuid); sessions.token_id is empty (text by its declared type) and
  // audit.session_token references sessions.token_id: both follow, or the keys would not match.
  TableInfo tokens{"tokens", {{"id", "TEXT", true, false, false}}, {"id"}, {}, {}, false};
  TableInfo sessions{"sessions",
                     {{"token_id", "TEXT", false, false, false}, {"pinned", "TEXT", false, false, false}},
                     {"token_id"},
                     {{{"token_id"}, "tokens", {"id"}}},
                     {},
                     false};
  TableInfo audit{"audit",
                  {{"id", "INTEGER", false, true, true}, {"session_token", "TEXT", false, false, false}},
                  {"id"},
                  {{{"session_token"}, "sessions", {"token_id"}}},
                  {},
                  false};
  transfer::TableProfile profile;
  profile.name = "tokens";
  profile.columns = {values("id", {text("123e4567-e89b-12d3-a456-426614174000")})};
  transfer::SourceProfile source;
  source.tables = {profile};
  const transfer::SchemaDraft draft = transfer::draft_schema({audit, sessions, tokens}, source, {});
  CHECK(decision(draft, "tokens", "id").target_type == "uuid");
  CHECK(decision(draft, "sessions", "token_id").target_type == "uuid");
  CHECK(decision(draft, "sessions", "token_id").reason == "references tokens.id (uuid)");
  CHECK(decision(draft, "audit", "session_token").target_type == "uuid");
  CHECK(decision(draft, "sessions", "pinned").target_type == "text");
  CHECK(decision(draft, "audit", "id").target_type == "bigint GENERATED BY DEFAULT AS IDENTITY");
}
