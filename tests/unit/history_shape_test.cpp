// Whose table the history table is, judged by its columns, and the refusal of another
// tool's; the bookkeeping script under another table name.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/db/bookkeeping_schema.hpp"
#include "migrate/db/history_shape.hpp"
#include "migrate/util/error.hpp"

using migrate::db::classify_history_table;
using migrate::db::HistoryShape;
using Columns = std::vector<std::string>;

TEST_CASE("a history table is classified by its column names", "[unit]") {
  struct Case {
    const char* what;
    Columns columns;
    HistoryShape shape;
  };
  const Case cases[] = {
      {"no table", {}, HistoryShape::absent},
      {"migrate's own",
       {"service", "version", "name", "kind", "checksum", "applied_at", "duration_ms", "applied_by", "dirty"},
       HistoryShape::own},
      {"migrate's own, columns in another order and case",
       {"DIRTY", "applied_by", "Duration_ms", "applied_at", "checksum", "kind", "name", "version", "service"},
       HistoryShape::own},
      {"migrate's own with a column added by hand",
       {"service", "version", "name", "kind", "checksum", "applied_at", "duration_ms", "applied_by", "dirty", "note"},
       HistoryShape::own},
      {"golang-migrate (version bigint, dirty boolean)", {"version", "dirty"}, HistoryShape::golang_migrate},
      {"golang-migrate, columns reversed", {"dirty", "version"}, HistoryShape::golang_migrate},
      {"dbmate (version varchar primary key)", {"version"}, HistoryShape::dbmate},
      {"migrate's without its checksum",
       {"service", "version", "name", "kind", "applied_at", "duration_ms", "applied_by", "dirty"},
       HistoryShape::foreign},
      {"something else", {"id", "applied"}, HistoryShape::foreign},
      {"version and more", {"version", "dirty", "applied_at"}, HistoryShape::foreign},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(classify_history_table(c.columns) == c.shape);
  }
}

TEST_CASE("another tool's history table is refused with exit 4, naming the tool and the setting", "[unit]") {
  struct Case {
    HistoryShape shape;
    Columns columns;
    const char* names;
  };
  const Case cases[] = {
      {HistoryShape::golang_migrate, {"version", "dirty"}, "looks like golang-migrate's history"},
      {HistoryShape::dbmate, {"version"}, "looks like dbmate's history"},
      {HistoryShape::foreign, {"id", "applied"}, "is not migrate's history table"},
  };
  for (const Case& c : cases) {
    try {
      migrate::db::require_own_history_table(c.shape, "schema_migrations", "sqlite:var/app.db", c.columns);
      FAIL("not refused");
    } catch (const migrate::BlockedError& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(e.code() == migrate::ExitCode::blocked);
      CHECK_THAT(message, Catch::StartsWith("the table schema_migrations in sqlite:var/app.db (columns: "));
      CHECK_THAT(message, Catch::Contains(c.names));
      CHECK_THAT(message, Catch::Contains("[defaults] history_table = \"migrate_history\""));
      CHECK(message.find('\n') == std::string::npos);
    }
  }
  // A collision on a name already chosen suggests another.
  CHECK_THAT(migrate::db::foreign_history_message(HistoryShape::dbmate, "migrate_history", "db", {"version"}),
             Catch::Contains("history_table = \"migrate_schema_history\""));
  CHECK_NOTHROW(migrate::db::require_own_history_table(HistoryShape::absent, "schema_migrations", "db", {}));
  CHECK_NOTHROW(migrate::db::require_own_history_table(HistoryShape::own, "schema_migrations", "db", {}));
}

TEST_CASE("catalog column lists split on commas", "[unit]") {
  CHECK(migrate::db::split_columns("").empty());
  CHECK(migrate::db::split_columns("version") == Columns{"version"});
  CHECK(migrate::db::split_columns("version,dirty") == Columns{"version", "dirty"});
}

TEST_CASE("the bookkeeping scripts create the history table under the configured name only", "[unit]") {
  for (std::string_view script : {migrate::db::k_postgres_bookkeeping_sql, migrate::db::k_sqlite_bookkeeping_sql}) {
    const std::string sql = migrate::db::bookkeeping_sql(script, "\"migrate_history\"");
    CHECK_THAT(sql, Catch::Contains("CREATE TABLE IF NOT EXISTS \"migrate_history\" ("));
    CHECK_THAT(sql, Catch::Contains("CREATE TABLE IF NOT EXISTS migration_lock ("));
    CHECK(sql.find("schema_migrations") == std::string::npos);
  }
}

TEST_CASE("a new history_table is refused while migrate's history is still in schema_migrations", "[unit]") {
  CHECK_THROWS_WITH(
      migrate::db::require_history_not_left_behind(HistoryShape::absent, HistoryShape::own, "migrate_history", "db"),
      Catch::Contains("ALTER TABLE schema_migrations RENAME TO migrate_history"));
  CHECK_THROWS_AS(
      migrate::db::require_history_not_left_behind(HistoryShape::absent, HistoryShape::own, "migrate_history", "db"),
      migrate::BlockedError);
  // The new table exists, or schema_migrations is none of migrate's (or absent): go on.
  CHECK_NOTHROW(
      migrate::db::require_history_not_left_behind(HistoryShape::own, HistoryShape::own, "migrate_history", "db"));
  for (HistoryShape other : {HistoryShape::absent, HistoryShape::dbmate, HistoryShape::golang_migrate}) {
    CHECK_NOTHROW(migrate::db::require_history_not_left_behind(HistoryShape::absent, other, "migrate_history", "db"));
  }
}
