// Profiling real sources and applying the drafted schema: a SQLite file with every type
// case is profiled (kinds and problems), its draft is applied to a fresh PostgreSQL database
// (types checked in information_schema) and dropped again; a PostgreSQL source is profiled
// from the text its values arrive as.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "migrate/config/database_url.hpp"
#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/profile.hpp"
#include "migrate/transfer/schema_convert.hpp"
#include "support/test_database.hpp"

namespace migrate {

namespace {

using transfer::ProfileProblemKind;

std::unique_ptr<db::DataConnection> open_source(const test::TestDatabase& database) {
  return db::open_data_connection(config::parse_database_url(database.url(), std::filesystem::current_path(), "test"),
                                  true);
}

const transfer::ColumnProfile& column(const transfer::SourceProfile& profile, const std::string& table,
                                      const std::string& name) {
  const transfer::TableProfile* t = profile.table(table);
  REQUIRE(t != nullptr);
  const transfer::ColumnProfile* c = t->column(name);
  REQUIRE(c != nullptr);
  return *c;
}

std::vector<ProfileProblemKind> problem_kinds(const transfer::SourceProfile& profile, const std::string& table) {
  std::vector<ProfileProblemKind> kinds;
  for (const auto& problem : profile.table(table)->problems) kinds.push_back(problem.kind);
  return kinds;
}

const transfer::ProfileProblem* problem(const transfer::SourceProfile& profile, const std::string& table,
                                        ProfileProblemKind kind) {
  for (const auto& p : profile.table(table)->problems) {
    if (p.kind == kind) return &p;
  }
  return nullptr;
}

// Every type case: rowid key, AUTOINCREMENT, a flag, JSON (one row invalid), UUIDs, IPv4
// and IPv6, epoch seconds and milliseconds, ISO text, blobs, a mostly-NULL column, a
// table without a key, a composite key, references to itself and to another table, a
// UNIQUE constraint and unique and plain indexes, NULL keys held twice.
constexpr const char* k_fixture = R"sql(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  is_active INTEGER NOT NULL DEFAULT 1,
  login_count INTEGER NOT NULL DEFAULT 0,
  settings TEXT,
  api_key TEXT,
  last_ip TEXT,
  created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
  last_seen_at INTEGER,
  birthday DATE,
  avatar BLOB,
  nickname TEXT,
  balance REAL DEFAULT 0.0,
  referrer_id INTEGER REFERENCES accounts
);
CREATE INDEX accounts_created ON accounts (created_at DESC);
CREATE UNIQUE INDEX IF NOT EXISTS accounts_api_key ON accounts (api_key);
CREATE INDEX accounts_lower_email ON accounts (lower(email));
INSERT INTO accounts VALUES
  (1, 'a@example.com', 1, 0, '{"theme": "dark"}', '123e4567-e89b-12d3-a456-426614174000', '192.168.0.10',
   1700000000, 1700000000123, '1990-04-01', X'89504E47', NULL, 1.5, NULL),
  (2, 'b@example.com', 0, 1, '[1, 2]', '123e4567-e89b-12d3-a456-426614174001', '2001:db8::1',
   1600000000, 1600000000000, '1985-12-31', X'00', NULL, 2.25, 1),
  (3, 'c@example.com', 1, 1, '{}', '123e4567-e89b-12d3-a456-426614174002', '10.0.0.1',
   1650000000, 1650000000999, '2001-01-01', X'FF', 'cee', 0.0, 1);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  payload TEXT,
  happened_at TEXT,
  kind TEXT NOT NULL DEFAULT 'click'
);
INSERT INTO events (account_id, payload, happened_at) VALUES
  (1, '{"x": 1}', '2024-05-01T10:00:00Z'),
  (1, '{"x": 2}', '2024-05-01 11:00:00'),
  (2, '{"x": ', '2024-05-02T12:30:00+02:00'),
  (3, '[{"y": true}]', '2024-05-03');

CREATE TABLE memberships (
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  group_name TEXT NOT NULL,
  joined_on DATE,
  PRIMARY KEY (account_id, group_name)
);
INSERT INTO memberships VALUES (1, 'admins', '2020-01-01'), (1, 'users', '2020-01-02'), (2, 'users', NULL);

CREATE TABLE log_lines (message TEXT, level INTEGER, extra);
INSERT INTO log_lines VALUES ('started', 1, 5), ('stopped', 2, 'five');

CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT);
INSERT INTO codes VALUES (NULL, 'a'), (NULL, 'b'), ('x', 'c');
)sql";

}  // namespace

TEST_CASE("a SQLite source is profiled, its drafted schema applies to PostgreSQL and drops again",
          "[integration][transfer][sqlite][postgres]") {
  const auto sqlite = test::make_test_database(Dialect::sqlite);
  sqlite->exec(k_fixture);
  const auto source = open_source(*sqlite);
  const transfer::SourceProfile profile = transfer::profile_source(*source, 0);

  SECTION("the profile counts the kinds of values and names the problems") {
    REQUIRE(profile.tables.size() == 5);
    CHECK(profile.table("accounts")->rows == 3);
    CHECK(profile.table("events")->rows == 4);
    const auto& active = column(profile, "accounts", "is_active");
    CHECK(active.integers == 3);
    CHECK(active.zero_one == 3);
    CHECK(active.default_sql == std::optional<std::string>("1"));
    CHECK(column(profile, "accounts", "login_count").zero_one == 3);
    CHECK(column(profile, "accounts", "settings").json == 3);
    CHECK(column(profile, "accounts", "api_key").uuids == 3);
    CHECK(column(profile, "accounts", "last_ip").ipv4 == 2);
    CHECK(column(profile, "accounts", "last_ip").ipv6 == 1);
    CHECK(column(profile, "accounts", "created_at").epoch_seconds == 3);
    CHECK(column(profile, "accounts", "last_seen_at").epoch_millis == 3);
    CHECK(column(profile, "accounts", "birthday").iso_dates == 3);
    CHECK(column(profile, "accounts", "avatar").blobs == 3);
    CHECK(column(profile, "accounts", "balance").reals == 3);
    const auto& nickname = column(profile, "accounts", "nickname");
    CHECK(nickname.nulls == 2);
    CHECK(nickname.non_null == 1);
    CHECK(profile.table("accounts")->unique_constraints == std::vector<std::vector<std::string>>{{"email"}});
    CHECK(profile.table("accounts")->problems.empty());

    const auto& happened = column(profile, "events", "happened_at");
    CHECK(happened.iso_timestamps == 3);
    CHECK(happened.iso_dates == 1);
    const transfer::ProfileProblem* json = problem(profile, "events", ProfileProblemKind::invalid_json);
    REQUIRE(json != nullptr);
    CHECK(json->column == "payload");
    CHECK(json->count == 1);
    CHECK(json->examples == std::vector<std::string>{"id=3"});
    CHECK(problem_kinds(profile, "events") == std::vector<ProfileProblemKind>{ProfileProblemKind::invalid_json});

    CHECK(profile.table("memberships")->problems.empty());
    CHECK(problem_kinds(profile, "log_lines") ==
          std::vector<ProfileProblemKind>{ProfileProblemKind::no_primary_key, ProfileProblemKind::mixed_kinds});
    CHECK(problem(profile, "log_lines", ProfileProblemKind::mixed_kinds)->column == "extra");

    const transfer::ProfileProblem* duplicates = problem(profile, "codes", ProfileProblemKind::duplicate_key);
    REQUIRE(duplicates != nullptr);
    CHECK(duplicates->count == 1);
    CHECK(duplicates->examples == std::vector<std::string>{"code=NULL (2 rows)"});
    const transfer::ProfileProblem* null_key = problem(profile, "codes", ProfileProblemKind::null_in_key);
    REQUIRE(null_key != nullptr);
    CHECK(null_key->count == 2);
  }

  SECTION("a sample counts its first rows and still knows the table's size") {
    const std::vector<db::TableInfo> tables = source->tables();
    const auto info =
        std::find_if(tables.begin(), tables.end(), [](const db::TableInfo& t) { return t.name == "events"; });
    REQUIRE(info != tables.end());
    const transfer::TableProfile events = transfer::profile_table(*source, *info, 2);
    CHECK(events.name == "events");
    CHECK(events.rows == 4);
    CHECK(events.rows_profiled == 2);
    CHECK(events.column("payload")->json == 2);
  }

  SECTION("the draft applies to PostgreSQL with the decided types, and its down drops everything") {
    const transfer::SchemaDraft draft = transfer::draft_schema(source->tables(), profile, {});
    INFO(draft.up_sql);
    const auto pg = test::make_test_database(Dialect::postgres);
    pg->exec(draft.up_sql);

    std::vector<std::string> types;
    for (const auto& row :
         pg->query("SELECT table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_identity = 'YES' THEN "
                   "' identity' ELSE '' END || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || "
                   "coalesce(' default ' || column_default, '') FROM information_schema.columns "
                   "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position")) {
      types.push_back(row[0]);
    }
    const std::vector<std::string> expected{
        "accounts.id bigint identity not null",
        "accounts.email text not null",
        "accounts.is_active boolean not null default true",
        "accounts.login_count bigint not null default 0",
        "accounts.settings jsonb",
        "accounts.api_key uuid",
        "accounts.last_ip inet",
        "accounts.created_at timestamp with time zone not null",
        "accounts.last_seen_at timestamp with time zone",
        "accounts.birthday date",
        "accounts.avatar bytea",
        "accounts.nickname text",
        "accounts.balance double precision default 0.0",
        "accounts.referrer_id bigint",
        "codes.code text not null",
        "codes.label text",
        "events.id bigint identity not null",
        "events.account_id bigint not null",
        "events.payload text",
        "events.happened_at timestamp with time zone",
        "events.kind text not null default 'click'::text",
        "log_lines.message text",
        "log_lines.level bigint",
        "log_lines.extra text",
        "memberships.account_id bigint not null",
        "memberships.group_name text not null",
        "memberships.joined_on date",
    };
    CHECK(types == expected);

    std::vector<std::string> constraints;
    for (const auto& row : pg->query("SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || "
                                     "pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = "
                                     "'public'::regnamespace ORDER BY 1")) {
      constraints.push_back(row[0]);
    }
    const std::vector<std::string> expected_constraints{
        "accounts f FOREIGN KEY (referrer_id) REFERENCES accounts(id)",
        "accounts p PRIMARY KEY (id)",
        "accounts u UNIQUE (email)",
        "codes p PRIMARY KEY (code)",
        "events f FOREIGN KEY (account_id) REFERENCES accounts(id)",
        "events p PRIMARY KEY (id)",
        "memberships f FOREIGN KEY (account_id) REFERENCES accounts(id)",
        "memberships p PRIMARY KEY (account_id, group_name)",
    };
    CHECK(constraints == expected_constraints);

    std::vector<std::string> indexes;
    for (const auto& row : pg->query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
                                     "(SELECT conname FROM pg_constraint) ORDER BY indexname")) {
      indexes.push_back(row[0]);
    }
    const std::vector<std::string> expected_indexes{
        "CREATE UNIQUE INDEX accounts_api_key ON public.accounts USING btree (api_key)",
        "CREATE INDEX accounts_created ON public.accounts USING btree (created_at DESC)",
        "CREATE INDEX accounts_settings_gin ON public.accounts USING gin (settings)",
    };
    CHECK(indexes == expected_indexes);
    CHECK(draft.up_sql.find("-- \"accounts\": index left out: CREATE INDEX accounts_lower_email") != std::string::npos);

    pg->exec(draft.down_sql);
    CHECK(pg->user_tables().empty());
    CHECK(pg->scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == "0");
  }
}

TEST_CASE("a PostgreSQL source is profiled from its values' text and declared types",
          "[integration][transfer][postgres]") {
  const auto pg = test::make_test_database(Dialect::postgres);
  pg->exec(R"sql(
    CREATE TABLE items (id bigint PRIMARY KEY, flag boolean, price numeric(8, 2), doc jsonb, ref uuid, addr inet,
                        seen timestamptz, epoch bigint, note text, data bytea);
    INSERT INTO items VALUES
      (1, true, 9.99, '{"a": 1}', '123e4567-e89b-12d3-a456-426614174000', '10.0.0.1', '2024-05-01 10:00:00+00',
       1700000000, NULL, '\x0001'),
      (2, false, 1.00, '[1]', '123e4567-e89b-12d3-a456-426614174001', '::1', '2024-05-02 10:00:00+00',
       1700000001, 'text', '\x02'),
      (3, NULL, 0, '{}', '123e4567-e89b-12d3-a456-426614174002', '10.0.0.0/8', '2024-05-03 10:00:00+00',
       1700000002, 'more {', '\x');
    CREATE TABLE nokey (a text);
    INSERT INTO nokey VALUES ('x'), ('x');
  )sql");
  const auto source = open_source(*pg);
  const transfer::SourceProfile profile = transfer::profile_source(*source, 0);
  CHECK(profile.dialect == Dialect::postgres);
  REQUIRE(profile.table("items") != nullptr);
  CHECK(profile.table("items")->rows == 3);
  const auto& flag = column(profile, "items", "flag");
  CHECK(flag.integers == 2);
  CHECK(flag.zero_one == 2);
  CHECK(flag.nulls == 1);
  CHECK(column(profile, "items", "price").reals == 3);
  CHECK(column(profile, "items", "doc").json == 3);
  CHECK(column(profile, "items", "ref").uuids == 3);
  CHECK(column(profile, "items", "addr").ipv4 == 2);
  CHECK(column(profile, "items", "addr").ipv6 == 1);
  CHECK(column(profile, "items", "seen").iso_timestamps == 3);
  CHECK(column(profile, "items", "epoch").integers == 3);
  CHECK(column(profile, "items", "epoch").epoch_seconds == 3);
  CHECK(column(profile, "items", "note").texts == 2);
  CHECK(column(profile, "items", "note").not_json == 2);
  CHECK(column(profile, "items", "data").blobs == 3);
  CHECK(profile.table("items")->problems.empty());
  CHECK(problem_kinds(profile, "nokey") == std::vector<ProfileProblemKind>{ProfileProblemKind::no_primary_key});
  CHECK(profile.table("nokey")->rows == 2);
}

}  // namespace migrate
