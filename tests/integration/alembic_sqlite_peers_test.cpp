// Alembic itself against migrate on SQLite: a project with numeric ids, a merge revision, a
// data migration and a batch-mode revision, upgraded by the real alembic on one SQLite
// file, imported (rendered with SQLite's dialect) and adopted there without a change, and
// applied by migrate on a fresh file, gives the same schema and data; what offline mode
// cannot render for SQLite gets files that refuse to run, saying why.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_project.hpp"

using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

// Debian's python3-alembic ships the module, not a command; a pyenv python may shadow it.
const char* const k_python = "/usr/bin/python3";

const char* const k_ini = R"ini([alembic]
script_location = alembic
sqlalchemy.url = sqlite:///unused.db

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
)ini";

const char* const k_env = R"py(from alembic import context
from sqlalchemy import create_engine

config = context.config
url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
)py";

const std::map<std::string, std::string> k_versions{
    {"001_create_users.py", R"py("""create users

Revision ID: 001
Revises:
Create Date: 2024-01-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = '001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.Text, nullable=False))


def downgrade():
    op.drop_table('users')
)py"},
    {"002_add_email.py", R"py("""add email

Revision ID: 002
Revises: 001
Create Date: 2024-01-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision: str = '002'
down_revision = '001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('email', sa.Text))


def downgrade():
    op.drop_column('users', 'email')
)py"},
    {"003_create_posts.py", R"py("""create posts

Revision ID: 003
Revises: 001
Create Date: 2024-01-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "003"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade():
    posts = op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True),
                            sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id')),
                            sa.Column('title', sa.Text))
    op.execute("INSERT INTO users (id, name) VALUES (1, 'admin; root')")
    op.bulk_insert(posts, [{'id': 1, 'user_id': 1, 'title': "it's here"}, {'id': 2, 'user_id': 1, 'title': 'two'}])


def downgrade():
    op.drop_table('posts')
    op.execute("DELETE FROM users WHERE id = 1")
)py"},
    {"004_merge.py", R"py("""merge email and posts

Revision ID: 004
Revises: 002, 003
Create Date: 2024-01-04 10:00:00.000000

"""
from alembic import op

revision = '004'
down_revision = ('002',
                 '003')
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET email = 'admin@example.org' WHERE id = 1")


def downgrade():
    pass
)py"},
    // SQLite cannot ALTER a column: batch mode copies the table; offline, copy_from tells
    // it the table instead of reflecting it.
    {"005_name_optional.py", R"py("""name optional, email unique

Revision ID: 005
Revises: 004
Create Date: 2024-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = '005'
down_revision = '004'
branch_labels = None
depends_on = None


def users(name_nullable, unique_email):
    extra = [sa.UniqueConstraint('email', name='users_email_key')] if unique_email else []
    return sa.Table('users', sa.MetaData(), sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('name', sa.Text, nullable=name_nullable), sa.Column('email', sa.Text), *extra)


def upgrade():
    with op.batch_alter_table('users', copy_from=users(False, False)) as batch:
        batch.alter_column('name', existing_type=sa.Text, nullable=True)
        batch.create_unique_constraint('users_email_key', ['email'])
    op.execute("INSERT INTO users (id, name) VALUES (2, NULL)")


def downgrade():
    op.execute("DELETE FROM users WHERE id = 2")
    with op.batch_alter_table('users', copy_from=users(True, True)) as batch:
        batch.drop_constraint('users_email_key', type_='unique')
        batch.alter_column('name', existing_type=sa.Text, nullable=False)
)py"},
};

// Batch mode without copy_from must reflect the table: only a live database can.
const char* const k_reflecting = R"py("""an index, by reflection

Revision ID: 006
Revises: 005
Create Date: 2024-01-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = '006'
down_revision = '005'


def upgrade():
    with op.batch_alter_table('posts', recreate='always') as batch:
        batch.alter_column('title', existing_type=sa.Text, nullable=False, server_default='untitled')


def downgrade():
    with op.batch_alter_table('posts', recreate='always') as batch:
        batch.alter_column('title', existing_type=sa.Text, nullable=True, server_default=None)
)py";

class AlembicProject {
 public:
  AlembicProject() {
    m_dir.write("alembic.ini", k_ini);
    m_dir.write("alembic/env.py", k_env);
    m_dir.write("alembic/script.py.mako", "\"\"\"${message}\"\"\"\n");
    for (const auto& [file, text] : k_versions) add(file, text);
    const CliResult check = run_child({k_python, "-c", "import alembic, sqlalchemy"});
    if (check.exit_code != 0) {
      FAIL("python3-alembic is needed (deployment/lib/peers.sh installs it): " << check.err);
    }
    const fs::path script = m_bin.write("alembic", std::string("#!/bin/sh\nexec ") + k_python + " -m alembic \"$@\"\n");
    fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }

  void add(const std::string& file, const std::string& text) const { m_dir.write("alembic/versions/" + file, text); }
  std::string folder() const { return (m_dir.path() / "alembic").string(); }

  // PATH with an `alembic` command, as a user with Debian's python3-alembic would have it.
  CliOptions with_alembic() const {
    CliOptions options;
    options.env["PATH"] = m_bin.path().string() + ":/usr/bin:/bin";
    return options;
  }

  // The real alembic, online, against the SQLite file.
  void upgrade(const TestDatabase& db) const {
    CliOptions options = with_alembic();
    options.cwd = m_dir.path();
    const CliResult result = run_child({k_python, "-m", "alembic", "-c", (m_dir.path() / "alembic.ini").string(), "-x",
                                        "url=sqlite:///" + sqlite_path(db).string(), "upgrade", "heads"},
                                       options);
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
  }

  static fs::path sqlite_path(const TestDatabase& db) {
    return fs::path(db.url().substr(std::string("sqlite://").size()));
  }

 private:
  TempDir m_dir;
  TempDir m_bin;
};

// Runs of blanks as one space: Alembic's offline SQL indents with four spaces where the
// same DDL run online has a tab, and SQLite keeps a table's CREATE text as it was sent.
std::string spaced(const std::string& sql) {
  std::string out;
  for (char c : sql) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!blank)
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return out;
}

// The schema as SQLite keeps it (each object's SQL, blanks evened out, and what PRAGMA says
// of each table's columns, foreign keys and indexes), without the tools' own tables.
std::string schema_of(TestDatabase& db) {
  std::string out;
  for (const auto& row :
       db.query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                "AND tbl_name NOT IN ('schema_migrations', 'migration_lock', 'alembic_version') ORDER BY type, name")) {
    out += row[0] + " " + row[1] + " on " + row[2] + ": " + spaced(row[3]) + "\n";
    if (row[0] != "table") continue;
    for (const auto& column : db.query("SELECT name, type, \"notnull\", coalesce(dflt_value, '-'), pk FROM "
                                       "pragma_table_info('" +
                                       row[1] + "') ORDER BY cid")) {
      out += "  column " + column[0] + " " + column[1] + " notnull=" + column[2] + " default=" + column[3] +
             " pk=" + column[4] + "\n";
    }
    for (const auto& key : db.query("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('" + row[1] +
                                    "') ORDER BY id, seq")) {
      out += "  foreign key " + key[1] + " -> " + key[0] + "." + key[2] + "\n";
    }
    for (const auto& index :
         db.query("SELECT name, \"unique\", origin FROM pragma_index_list('" + row[1] + "') ORDER BY name")) {
      out += "  index " + index[0] + " unique=" + index[1] + " origin=" + index[2] + "\n";
    }
  }
  return out;
}

std::vector<std::vector<std::string>> data_of(TestDatabase& db) {
  std::vector<std::vector<std::string>> rows = db.query(
      "SELECT 'user', id, coalesce(name, '-'), coalesce(email, '-') "
      "FROM users ORDER BY id");
  for (auto& row : db.query("SELECT 'post', id, user_id, title FROM posts ORDER BY id")) rows.push_back(row);
  return rows;
}

const std::vector<std::vector<std::string>> k_data{{"user", "1", "admin; root", "admin@example.org"},
                                                   {"user", "2", "-", "-"},
                                                   {"post", "1", "1", "it's here"},
                                                   {"post", "2", "1", "two"}};

nlohmann::json json_of(const CliResult& result) {
  INFO(describe(result));
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE(
    "on SQLite, import alembic renders with SQLite's dialect, adopt leaves alembic's file unchanged, and "
    "migrate up equals alembic upgrade",
    "[integration][alembic][sqlite][import][adopt]") {
  AlembicProject alembic;
  auto by_alembic = make_test_database(migrate::Dialect::sqlite);
  alembic.upgrade(*by_alembic);
  REQUIRE(data_of(*by_alembic) == k_data);
  const std::string schema_before = schema_of(*by_alembic);
  const auto alembic_version = [&] { return by_alembic->query("SELECT version_num FROM alembic_version"); };
  REQUIRE(alembic_version() == std::vector<std::vector<std::string>>{{"005"}});

  TestProject project;
  // The service's database is the SQLite file: the SQL is rendered for SQLite.
  nlohmann::json document = json_of(
      project.run({"import", "alembic", "app", alembic.folder(), "--json"}, by_alembic.get(), alembic.with_alembic()));
  CHECK(document["dialect"] == "sqlite");
  REQUIRE(document["revisions"].size() == 5);
  for (const auto& revision : document["revisions"]) {
    INFO(revision.dump());
    CHECK(revision["rendered"] == true);
    CHECK(revision["problem"] == "");
  }
  const std::string posts = slurp(project.migrations() / "003_create_posts.up.sql");
  CHECK(posts.find("CREATE TABLE posts") != std::string::npos);
  CHECK(posts.find("'it''s here'") != std::string::npos);
  CHECK(posts.find("alembic_version") == std::string::npos);
  // Batch mode's copy and move, as SQLite needs it, not PostgreSQL's ALTER COLUMN.
  const std::string batch = slurp(project.migrations() / "005_name_optional.up.sql");
  CHECK(batch.find("CREATE TABLE _alembic_tmp_users") != std::string::npos);
  CHECK(batch.find("ALTER TABLE _alembic_tmp_users RENAME TO users") != std::string::npos);
  CHECK(batch.find("ALTER COLUMN") == std::string::npos);
  // Nothing of the import touched the database alembic upgraded.
  CHECK(schema_of(*by_alembic) == schema_before);
  CHECK(by_alembic->user_tables() == std::vector<std::string>{"alembic_version", "posts", "users"});

  // Adopting: a dry run, then the record; nothing runs, alembic's table stays.
  document = json_of(project.run({"adopt", "app", "--from", "alembic", "--dry-run", "--json"}, by_alembic.get()));
  CHECK(document["table"] == "alembic_version");
  CHECK(document["matched"].size() == 5);
  CHECK(by_alembic->user_tables() == std::vector<std::string>{"alembic_version", "posts", "users"});
  document = json_of(project.run({"adopt", "app", "--from", "alembic", "--json"}, by_alembic.get()));
  CHECK(document["recorded"] == true);
  CHECK(by_alembic->history("app") ==
        std::vector<std::string>{"1:create_users", "2:add_email", "3:create_posts", "4:merge", "5:name_optional"});
  const nlohmann::json status = json_of(project.run({"status", "app", "--json"}, by_alembic.get()));
  CHECK(status["services"]["app"]["pending"] == 0);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, by_alembic.get()), 0);
  CHECK(schema_of(*by_alembic) == schema_before);
  CHECK(data_of(*by_alembic) == k_data);
  CHECK(alembic_version() == std::vector<std::vector<std::string>>{{"005"}});

  // A fresh file, from the imported files alone, equals alembic's own.
  auto by_migrate = make_test_database(migrate::Dialect::sqlite);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, by_migrate.get()), 0);
  CHECK(schema_of(*by_migrate) == schema_of(*by_alembic));
  CHECK(data_of(*by_migrate) == k_data);
  CHECK_THAT(schema_of(*by_migrate), Catch::Contains("index sqlite_autoindex_users_1 unique=1 origin=u"));

  // The imported downgrades undo it all, batch mode's included.
  REQUIRE_EXIT(project.run({"down", "app", "base", "--yes"}, by_migrate.get()), 0);
  CHECK(by_migrate->user_tables().empty());
}

TEST_CASE(
    "on SQLite, a revision alembic cannot render offline gets files that refuse to run, naming why, and is "
    "adopted where alembic ran it",
    "[integration][alembic][sqlite][import][adopt]") {
  AlembicProject alembic;
  alembic.add("006_title_required.py", k_reflecting);
  auto by_alembic = make_test_database(migrate::Dialect::sqlite);
  alembic.upgrade(*by_alembic);
  REQUIRE(by_alembic->scalar("SELECT version_num FROM alembic_version") == "006");

  TestProject project;
  const CliResult run =
      project.run({"import", "alembic", "app", alembic.folder(), "--json"}, by_alembic.get(), alembic.with_alembic());
  const nlohmann::json document = json_of(run);
  REQUIRE(document["revisions"].size() == 6);
  for (int i = 0; i < 5; ++i) CHECK(document["revisions"][i]["rendered"] == true);
  const nlohmann::json& reflecting = document["revisions"][5];
  CHECK(reflecting["rendered"] == false);
  CHECK(reflecting["up_rendered"] == false);
  CHECK_THAT(reflecting["problem"].get<std::string>(), Catch::Contains("requires a live database connection"));
  CHECK_THAT(document["render_problem"].get<std::string>(), Catch::Contains("offline mode failed"));
  const std::string refusing = slurp(project.migrations() / "006_title_required.up.sql");
  CHECK_THAT(refusing, Catch::Contains("NOT RENDERED") && Catch::Contains("RAISE(ABORT") &&
                           Catch::Contains("requires a live database connection") &&
                           Catch::Contains("migrate adopt app --from alembic"));

  // Where alembic ran it, adopting records it without running the refusing file.
  const std::string schema_before = schema_of(*by_alembic);
  REQUIRE_EXIT(project.run({"adopt", "app", "--from", "alembic"}, by_alembic.get()), 0);
  CHECK(by_alembic->history("app").size() == 6);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, by_alembic.get()), 0);
  CHECK(schema_of(*by_alembic) == schema_before);

  // On a fresh file, migrate stops there, saying why and what to do; 006 left nothing.
  auto fresh = make_test_database(migrate::Dialect::sqlite);
  const CliResult up = project.run({"up", "app", "--yes"}, fresh.get());
  CHECK_EXIT(up, 1);
  CHECK_THAT(up.out + up.err, Catch::Contains("could not be rendered offline") &&
                                  Catch::Contains("requires a live database connection") &&
                                  Catch::Contains("migrate adopt app --from alembic"));
  CHECK(fresh->history("app").size() == 5);
  CHECK(fresh->user_tables() == std::vector<std::string>{"posts", "users"});
  CHECK(fresh->scalar("SELECT count(*) FROM sqlite_master WHERE name = 'migrate_not_rendered'") == "0");
  CHECK(data_of(*fresh) == k_data);
}

TEST_CASE("on SQLite, import alembic without alembic writes files that refuse to run in SQLite",
          "[integration][alembic][sqlite][import]") {
  AlembicProject alembic;
  TempDir empty_bin;
  TestProject project;
  auto db = make_test_database(migrate::Dialect::sqlite);
  CliOptions without;
  without.env["PATH"] = empty_bin.path().string();
  const nlohmann::json document =
      json_of(project.run({"import", "alembic", "app", alembic.folder(), "--json"}, db.get(), without));
  for (const auto& revision : document["revisions"]) CHECK(revision["rendered"] == false);
  const CliResult up = project.run({"up", "app", "--yes"}, db.get());
  CHECK_EXIT(up, 1);
  CHECK_THAT(up.out + up.err, Catch::Contains("this revision came from Alembic (001) and could not be rendered "
                                              "offline (no `alembic` command"));
  CHECK(db->user_tables().empty());

  // Once alembic is there, importing again replaces the refusing files by SQLite's SQL.
  const nlohmann::json again =
      json_of(project.run({"import", "alembic", "app", alembic.folder(), "--json"}, db.get(), alembic.with_alembic()));
  for (const auto& revision : again["revisions"]) CHECK(revision["rendered"] == true);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, db.get()), 0);
  CHECK(data_of(*db) == k_data);
}

TEST_CASE("import alembic never keeps offline SQL longer than it reads whole: that revision refuses, saying so",
          "[integration][alembic][sqlite][import]") {
  AlembicProject alembic;
  // 70 KB of one statement: past what migrate reads of a child's output.
  alembic.add("006_big.py",
              "revision = '006'\ndown_revision = '005'\n\nfrom alembic import op\n\n\ndef upgrade():\n"
              "    op.execute(\"UPDATE users SET name = '\" + 'x' * 70000 + \"' WHERE id = 1\")\n\n\n"
              "def downgrade():\n    pass\n");
  TestProject project;
  auto db = make_test_database(migrate::Dialect::sqlite);
  const nlohmann::json document =
      json_of(project.run({"import", "alembic", "app", alembic.folder(), "--json"}, db.get(), alembic.with_alembic()));
  REQUIRE(document["revisions"].size() == 6);
  for (int i = 0; i < 5; ++i) CHECK(document["revisions"][i]["rendered"] == true);
  CHECK(document["revisions"][5]["up_rendered"] == false);
  CHECK(document["revisions"][5]["down_rendered"] == true);
  CHECK_THAT(document["revisions"][5]["problem"].get<std::string>(), Catch::Contains("64 KiB"));
  CHECK_THAT(slurp(project.migrations() / "006_big.up.sql"), Catch::Contains("NOT RENDERED"));
}
