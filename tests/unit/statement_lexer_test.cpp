// Splitting scripts into statements for no-transaction revisions.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/source/statement_lexer.hpp"

using migrate::source::split_statements;
using migrate::source::Statement;

namespace {

// The statements that would be sent (blank pieces dropped), trimmed of leading space.
std::vector<std::string> sent(std::string_view sql) {
  std::vector<std::string> out;
  for (const Statement& s : split_statements(sql)) {
    if (s.blank) continue;
    std::string text(s.text);
    text.erase(0, text.find_first_not_of(" \t\r\n"));
    out.push_back(text);
  }
  return out;
}

std::string joined(std::string_view sql) {
  std::string out;
  for (const Statement& s : split_statements(sql)) out += s.text;
  return out;
}

}  // namespace

TEST_CASE("statements are cut at semicolons, each keeping its terminator", "[lexer]") {
  CHECK(sent("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n") ==
        std::vector<std::string>{"CREATE TABLE a (id int);", "CREATE INDEX CONCURRENTLY a_id ON a (id);"});
  CHECK(sent("SELECT 1;SELECT 2") == std::vector<std::string>{"SELECT 1;", "SELECT 2"});
  CHECK(sent("  \n-- only a comment\n/* and another */\n").empty());
  CHECK(sent(";;\n;").empty());
}

TEST_CASE("semicolons inside strings, identifiers and comments do not end a statement", "[lexer]") {
  CHECK(sent("INSERT INTO t VALUES ('a;b', 'it''s;');SELECT 2;") ==
        std::vector<std::string>{"INSERT INTO t VALUES ('a;b', 'it''s;');", "SELECT 2;"});
  CHECK(sent("SELECT E'back\\'slash;';SELECT 2;") ==
        std::vector<std::string>{"SELECT E'back\\'slash;';", "SELECT 2;"});
  CHECK(sent("SELECT e'\\\\';SELECT 2;") == std::vector<std::string>{"SELECT e'\\\\';", "SELECT 2;"});
  // Without E, a backslash is an ordinary character (standard_conforming_strings).
  CHECK(sent("SELECT '\\';SELECT 2;") == std::vector<std::string>{"SELECT '\\';", "SELECT 2;"});
  CHECK(sent("CREATE TABLE \"odd;name\"\"x\" (id int);SELECT 2;") ==
        std::vector<std::string>{"CREATE TABLE \"odd;name\"\"x\" (id int);", "SELECT 2;"});
  CHECK(sent("SELECT 1 -- not here;\n+ 1;SELECT 2;") ==
        std::vector<std::string>{"SELECT 1 -- not here;\n+ 1;", "SELECT 2;"});
  CHECK(sent("SELECT /* a /* nested; */ still; */ 1;SELECT 2;") ==
        std::vector<std::string>{"SELECT /* a /* nested; */ still; */ 1;", "SELECT 2;"});
  // A word ending in e before a string is not an E'' string: its backslash is plain.
  CHECK(sent("SELECT type'\\';SELECT 2;") == std::vector<std::string>{"SELECT type'\\';", "SELECT 2;"});
  // A string continued on the next line keeps the E string's escapes.
  CHECK(sent("COMMENT ON TABLE t IS E'a'\n  '\\'; x';SELECT 2;") ==
        std::vector<std::string>{"COMMENT ON TABLE t IS E'a'\n  '\\'; x';", "SELECT 2;"});
  // Without a newline between them, two strings do not continue.
  CHECK(sent("SELECT 'a' 'b';SELECT 2;") == std::vector<std::string>{"SELECT 'a' 'b';", "SELECT 2;"});
}

TEST_CASE("dollar-quoted bodies keep their semicolons, whatever the tag", "[lexer]") {
  const std::string function =
      "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;";
  CHECK(sent(function + "\nSELECT 2;") == std::vector<std::string>{function, "SELECT 2;"});
  const std::string tagged = "DO $body$ BEGIN PERFORM '$$;'; END $body$;";
  CHECK(sent(tagged + "SELECT 2;") == std::vector<std::string>{tagged, "SELECT 2;"});
  // Only the exact tag closes: $ab$ inside $a$ … $a$ is text.
  CHECK(sent("SELECT $a$ x; $ab$ y; $a$;SELECT 2;") ==
        std::vector<std::string>{"SELECT $a$ x; $ab$ y; $a$;", "SELECT 2;"});
  // $1 is a parameter, and a$b$ an identifier: neither opens a dollar quote.
  CHECK(sent("PREPARE p AS SELECT $1;SELECT a$b$ FROM t;SELECT 3;") ==
        std::vector<std::string>{"PREPARE p AS SELECT $1;", "SELECT a$b$ FROM t;", "SELECT 3;"});
}

TEST_CASE("parentheses and BEGIN ATOMIC bodies hold their semicolons", "[lexer]") {
  const std::string atomic =
      "CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 "
      "ELSE 0 END;\n  SELECT a;\nEND;";
  CHECK(sent(atomic + "\nSELECT 2;") == std::vector<std::string>{atomic, "SELECT 2;"});
  const std::string procedure = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;";
  CHECK(sent(procedure + "SELECT 2;") == std::vector<std::string>{procedure, "SELECT 2;"});
  // BEGIN outside a routine is a transaction statement of its own.
  CHECK(sent("BEGIN;SELECT 1;END;") == std::vector<std::string>{"BEGIN;", "SELECT 1;", "END;"});
  CHECK(sent("SELECT (1;2);SELECT 3;") == std::vector<std::string>{"SELECT (1;2);", "SELECT 3;"});
}

TEST_CASE("each statement knows the file line it starts on", "[lexer]") {
  const auto statements = split_statements("-- header\nSELECT 1;\n\nSELECT\n  2;\nSELECT 3");
  REQUIRE(statements.size() == 3);
  CHECK(statements[0].line == 1);
  CHECK(statements[0].first_token_line == 2);
  CHECK(statements[1].line == 2);  // the piece starts right after the ';' of line 2
  CHECK(statements[1].first_token_line == 4);
  CHECK(statements[2].line == 5);
  CHECK(statements[2].first_token_line == 6);
  CHECK_FALSE(statements[2].blank);
}

TEST_CASE("the pieces cover the script exactly, even when it is malformed", "[lexer]") {
  for (const char* sql : {"SELECT 'unterminated;", "SELECT \"open;", "/* open comment; SELECT 1;",
                          "DO $x$ never closed;", "SELECT E'\\", "a;b;;c", "", ";", "SELECT 1;\n-- tail",
                          "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1;", "SELECT ((1;", "SELECT 'a'\n-- c\n'b",
                          "SELECT E'a'\n"}) {
    CAPTURE(sql);
    CHECK(joined(sql) == sql);
  }
  // An unterminated construct swallows the rest: nothing after it is sent on its own.
  CHECK(sent("SELECT 'open; SELECT 2;").size() == 1);
}

namespace {

// "COMMIT@3" for the transaction control found in sql, "" for none.
std::string control_in(std::string_view sql, migrate::Dialect dialect = migrate::Dialect::postgres) {
  const auto found = migrate::source::find_transaction_control(sql, dialect);
  return found ? found->keyword + "@" + std::to_string(found->line) : std::string();
}

}  // namespace

TEST_CASE("top-level transaction control is found, with the line it stands on", "[lexer]") {
  CHECK(control_in("BEGIN; CREATE TABLE c (x int); COMMIT; SELECT 1/0;") == "BEGIN@1");
  CHECK(control_in("CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\n") == "COMMIT@2");
  CHECK(control_in("CREATE TABLE a (x int);\n-- done\n  end transaction;") == "END@3");
  CHECK(control_in("create table a (x int);\n\nRollback;") == "ROLLBACK@3");
  CHECK(control_in("SELECT 1;\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE;") == "START TRANSACTION@2");
  CHECK(control_in("SELECT 1;\nABORT;") == "ABORT@2");
  CHECK(control_in("SELECT 1;\nPREPARE TRANSACTION 'x';") == "PREPARE TRANSACTION@2");
  CHECK(control_in("/* lead */ COMMIT AND CHAIN;") == "COMMIT@1");
  CHECK(control_in("ROLLBACK PREPARED 'x';") == "ROLLBACK@1");
  CHECK(control_in("SELECT 1;\nBEGIN IMMEDIATE TRANSACTION;", migrate::Dialect::sqlite) == "BEGIN@2");
  CHECK(control_in("COMMIT") == "COMMIT@1");
}

TEST_CASE("savepoints and everything that is not top-level transaction control pass", "[lexer]") {
  const char* const allowed[] = {
      "SAVEPOINT a; CREATE TABLE t (x int); ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a;",
      "SAVEPOINT a; ROLLBACK TO a; ROLLBACK WORK TO SAVEPOINT a; ROLLBACK TRANSACTION TO a;",
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND\n$$;",
      "DO $$ BEGIN PERFORM 1; END $$;\nDO $body$\nBEGIN\n  COMMIT;\nEND\n$body$;",
      "CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 END;\n"
      "  SELECT 2;\nEND;\nSELECT 3;",
      "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;",
      "SELECT CASE WHEN x THEN 1 ELSE 2 END AS y FROM t;",
      "CREATE TABLE spans (\"begin\" int, \"end\" int, \"commit\" text);",
      "ALTER TABLE t ADD COLUMN end_at timestamptz; ALTER TABLE t RENAME COLUMN start_at TO begin_at;",
      "CREATE TABLE t (start int, commit_sha text);",
      "INSERT INTO log VALUES ('BEGIN; COMMIT;'); -- COMMIT;\n/* ROLLBACK; */",
      "INSERT INTO log VALUES (E'it\\'s; COMMIT');",
      "CREATE TABLE t (x int); -- migrate runs this; END of story",
      "SELECT 1; SELECT 2;",
      "",
  };
  for (const char* sql : allowed) {
    INFO(sql);
    CHECK(control_in(sql) == "");
    CHECK(control_in(sql, migrate::Dialect::sqlite) == "");
  }
}

TEST_CASE("a SQLite trigger body is one statement, whatever it holds", "[lexer]") {
  const char* const triggers[] = {
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET n = 1; END;\nSELECT 1;",
      "CREATE TRIGGER IF NOT EXISTS t AFTER UPDATE ON a FOR EACH ROW WHEN new.n <> old.n\nBEGIN\n"
      "  UPDATE a SET m = CASE WHEN new.n > 0 THEN 1 ELSE 0 END WHERE id = new.id;\n"
      "  INSERT INTO log VALUES (new.id);\nEND;\n",
      "create temp trigger t before delete on a begin select raise(abort, 'no'); end;",
      "CREATE TEMPORARY TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;",
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET `end` = 1, [begin] = 2; END;",
  };
  for (const char* sql : triggers) {
    INFO(sql);
    CHECK(control_in(sql, migrate::Dialect::sqlite) == "");
  }
  // The body ends at its END: a COMMIT after it is top level again.
  CHECK(control_in("CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;\nCOMMIT;",
                   migrate::Dialect::sqlite) == "COMMIT@2");
}

TEST_CASE("splitting for no-transaction revisions keeps psql's rules", "[lexer]") {
  // Trigger bodies and SQLite quotes only matter to the transaction-control check; the
  // PostgreSQL splitter still cuts where psql does.
  CHECK(sent("SELECT `a;b`;") == std::vector<std::string>{"SELECT `a;", "b`;"});
  CHECK(sent("CREATE TRIGGER t AFTER INSERT ON a EXECUTE FUNCTION f(); SELECT 1;") ==
        std::vector<std::string>{"CREATE TRIGGER t AFTER INSERT ON a EXECUTE FUNCTION f();", "SELECT 1;"});
}
