// Alembic itself against migrate: a project with numeric ids, a merge revision and a data
// migration, upgraded by the real `alembic` on one database, imported by `migrate import
// alembic` and applied by migrate on another, gives the same schema and data; without
// alembic the imported files refuse to run.
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

const char* const k_pg_dump = "/usr/lib/postgresql/15/bin/pg_dump";
// Debian's python3-alembic ships the module, not a command; a pyenv python may shadow it.
const char* const k_python = "/usr/bin/python3";

const std::map<std::string, std::string> k_project{
    {"alembic.ini", R"py([alembic]
script_location = alembic
sqlalchemy.url = postgresql://localhost/unused

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
)py"},
    {"alembic/env.py", R"py(from alembic import context
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
)py"},
    {"alembic/script.py.mako", R"py("""${message}"""
)py"},
    {"alembic/versions/001_create_users.py", R"py("""create users

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
    {"alembic/versions/002_add_email.py", R"py("""add email

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
    {"alembic/versions/003_create_posts.py", R"py("""create posts

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
    op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id')))
    op.execute("INSERT INTO users (id, name) VALUES (1, 'admin; root')")


def downgrade():
    op.execute("DELETE FROM users WHERE id = 1")
    op.drop_table('posts')
)py"},
    {"alembic/versions/004_merge.py", R"py("""merge email and posts

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
};

void write_project(const TempDir& dir) {
  for (const auto& [file, text] : k_project) dir.write(file, text);
}

// A PATH folder whose `alembic` is Debian's module; the test fails, never skips, without it.
void install_alembic_command(const TempDir& bin) {
  const CliResult check = run_child({k_python, "-c", "import alembic, psycopg2, sqlalchemy"});
  if (check.exit_code != 0) {
    FAIL("python3-alembic and python3-psycopg2 are needed (deployment/lib/peers.sh installs them): " << check.err);
  }
  const fs::path script = bin.write("alembic", std::string("#!/bin/sh\nexec ") + k_python + " -m alembic \"$@\"\n");
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

std::string path_with(const TempDir& bin) { return bin.path().string() + ":/usr/bin:/bin"; }

CliOptions with_path(const std::string& path, const fs::path& cwd = {}) {
  CliOptions options;
  options.cwd = cwd;
  options.env["PATH"] = path;
  return options;
}

// The schema without the tools' own tables, comparable across databases.
std::string schema_of(const TestDatabase& db) {
  const CliResult dump = run_child({k_pg_dump, "-s", "--no-owner", "-T", "schema_migrations", "-T", "migration_lock",
                                    "-T", "alembic_version", db.url()});
  REQUIRE(dump.exit_code == 0);
  std::string out;
  std::size_t start = 0;
  while (start < dump.out.size()) {
    auto end = dump.out.find('\n', start);
    if (end == std::string::npos) end = dump.out.size();
    const std::string line = dump.out.substr(start, end - start);
    start = end + 1;
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

std::vector<std::vector<std::string>> data_of(TestDatabase& db) {
  return db.query("SELECT id::text, name, coalesce(email, '-') FROM users ORDER BY id");
}

std::string sqlalchemy_url(const TestDatabase& db) {
  std::string url = db.url();
  if (url.rfind("postgres://", 0) == 0) url.replace(0, 11, "postgresql://");
  return url;
}

}  // namespace

TEST_CASE("import alembic renders each revision with alembic's offline mode, and migrate up equals alembic upgrade",
          "[integration][alembic][postgres]") {
  TempDir alembic_dir;
  TempDir bin;
  write_project(alembic_dir);
  install_alembic_command(bin);

  auto by_alembic = make_test_database(migrate::Dialect::postgres);
  const CliResult upgrade = run_child({k_python, "-m", "alembic", "-c", (alembic_dir.path() / "alembic.ini").string(),
                                       "-x", "url=" + sqlalchemy_url(*by_alembic), "upgrade", "heads"},
                                      with_path(path_with(bin), alembic_dir.path()));
  INFO(upgrade.err);
  REQUIRE(upgrade.exit_code == 0);

  TestProject project;
  const std::string folder = (alembic_dir.path() / "alembic").string();
  // The service's database says the dialect the SQL is rendered for.
  CliResult run =
      project.run({"import", "alembic", "app", folder, "--json"}, by_alembic.get(), with_path(path_with(bin)));
  REQUIRE_EXIT(run, 0);
  nlohmann::json document = nlohmann::json::parse(run.out);
  REQUIRE(document["revisions"].size() == 4);
  for (const auto& revision : document["revisions"]) CHECK(revision["rendered"] == true);
  CHECK(document["revisions"][3]["id"] == "004");
  CHECK(fs::exists(project.migrations() / "001_create_users.up.sql"));
  CHECK(fs::exists(project.migrations() / "004_merge.down.sql"));
  const std::string posts = slurp(project.migrations() / "003_create_posts.up.sql");
  CHECK(posts.find("CREATE TABLE posts") != std::string::npos);
  CHECK(posts.find("'admin; root'") != std::string::npos);
  CHECK(posts.find("alembic_version") == std::string::npos);
  CHECK(slurp(project.migrations() / "004_merge.up.sql").find("alembic_version") == std::string::npos);
  CHECK(slurp(project.migrations() / "004_merge.down.sql").find("alembic_version") == std::string::npos);
  CHECK(slurp(project.migrations() / "001_create_users.down.sql").find("alembic_version") == std::string::npos);
  CHECK(posts.find("BEGIN;") == std::string::npos);
  const nlohmann::json map = nlohmann::json::parse(slurp(project.migrations() / "alembic_ids.json"));
  CHECK(map["revisions"]["004"]["version"] == 4);
  CHECK(map["revisions"]["004"]["down_revisions"] == nlohmann::json{"002", "003"});

  // A second run writes nothing.
  run = project.run({"import", "alembic", "app", folder, "--json"}, by_alembic.get(), with_path(path_with(bin)));
  REQUIRE_EXIT(run, 0);
  const nlohmann::json again = nlohmann::json::parse(run.out);  // kept: the loop reads into it
  for (const auto& revision : again["revisions"]) CHECK(revision["unchanged"] == true);

  // Adopting the database alembic upgraded: a dry run, then the record; nothing runs.
  const std::string schema_before = schema_of(*by_alembic);
  run = project.run({"adopt", "app", "--from", "alembic", "--dry-run", "--json"}, by_alembic.get());
  REQUIRE_EXIT(run, 0);
  document = nlohmann::json::parse(run.out);
  CHECK(document["matched"].size() == 4);
  CHECK(document["matched"][3]["matched_by"] == "head");
  CHECK(by_alembic->scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'") ==
        "0");
  run = project.run({"adopt", "app", "--from", "alembic", "--json"}, by_alembic.get());
  REQUIRE_EXIT(run, 0);
  CHECK(nlohmann::json::parse(run.out)["recorded"] == true);
  CHECK(by_alembic->history("app").size() == 4);
  run = project.run({"status", "app", "--json"}, by_alembic.get());
  REQUIRE_EXIT(run, 0);
  CHECK(run.out.find("\"pending\": 0") != std::string::npos);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, by_alembic.get()), 0);
  CHECK(schema_of(*by_alembic) == schema_before);
  CHECK(by_alembic->scalar("SELECT version_num FROM alembic_version") == "004");

  auto by_migrate = make_test_database(migrate::Dialect::postgres);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, by_migrate.get()), 0);
  CHECK(schema_of(*by_migrate) == schema_of(*by_alembic));
  CHECK(data_of(*by_migrate) == data_of(*by_alembic));
  CHECK(data_of(*by_migrate) == std::vector<std::vector<std::string>>{{"1", "admin; root", "admin@example.org"}});

  // The imported downgrades undo it all.
  REQUIRE_EXIT(project.run({"down", "app", "base", "--yes"}, by_migrate.get()), 0);
  CHECK(by_migrate->scalar("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'posts')") ==
        "0");
}

TEST_CASE("import alembic without alembic writes files that refuse to run, saying what to do",
          "[integration][alembic][postgres]") {
  TempDir alembic_dir;
  TempDir empty_bin;
  write_project(alembic_dir);
  TestProject project;
  auto db = make_test_database(migrate::Dialect::postgres);
  CliResult run = project.run({"import", "alembic", "app", (alembic_dir.path() / "alembic").string(), "--json"},
                              db.get(), with_path(empty_bin.path().string()));
  REQUIRE_EXIT(run, 0);
  nlohmann::json document = nlohmann::json::parse(run.out);
  REQUIRE(document["revisions"].size() == 4);
  for (const auto& revision : document["revisions"]) CHECK(revision["rendered"] == false);
  CHECK(document["render_problem"].get<std::string>().find("no `alembic` command") != std::string::npos);
  CHECK(slurp(project.migrations() / "001_create_users.up.sql").find("NOT RENDERED") != std::string::npos);
  CHECK(slurp(project.migrations() / "001_create_users.up.sql").find("migrate adopt app --from alembic") !=
        std::string::npos);

  run = project.run({"up", "app", "--yes"}, db.get());
  CHECK_EXIT(run, 1);
  CHECK((run.out + run.err).find("could not be rendered offline") != std::string::npos);
  CHECK(db->scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'") == "0");

  // Once alembic is there, importing again replaces the refusing files by their SQL.
  TempDir bin;
  install_alembic_command(bin);
  run = project.run({"import", "alembic", "app", (alembic_dir.path() / "alembic").string(), "--json"}, db.get(),
                    with_path(path_with(bin)));
  REQUIRE_EXIT(run, 0);
  const nlohmann::json rendered = nlohmann::json::parse(run.out);  // kept: the loop reads into it
  for (const auto& revision : rendered["revisions"]) CHECK(revision["rendered"] == true);
  CHECK(slurp(project.migrations() / "001_create_users.up.sql").find("CREATE TABLE users") != std::string::npos);
  REQUIRE_EXIT(project.run({"up", "app", "--yes"}, db.get()), 0);
  CHECK(data_of(*db) == std::vector<std::vector<std::string>>{{"1", "admin; root", "admin@example.org"}});
}

TEST_CASE("adopt --from alembic refuses an id the mapping does not know, and writes nothing",
          "[integration][alembic][postgres]") {
  TempDir alembic_dir;
  write_project(alembic_dir);
  TestProject project;
  TempDir empty_bin;
  auto db = make_test_database(migrate::Dialect::postgres);
  REQUIRE_EXIT(project.run({"import", "alembic", "app", (alembic_dir.path() / "alembic").string()}, db.get(),
                           with_path(empty_bin.path().string())),
               0);
  db->exec(
      "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); "
      "INSERT INTO alembic_version VALUES ('002'), ('beefcafe')");
  const CliResult run = project.run({"adopt", "app", "--from", "alembic"}, db.get());
  CHECK_EXIT(run, 4);
  CHECK(run.err.find("beefcafe") != std::string::npos);
  CHECK(db->scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'") == "0");
}

TEST_CASE("import alembic renders revision by revision when one needs a live database, and marks only that one",
          "[integration][alembic][postgres]") {
  TempDir alembic_dir;
  TempDir bin;
  write_project(alembic_dir);
  alembic_dir.write(
      "alembic/versions/005_needs_db.py",
      "\"\"\"needs the database\n\nRevision ID: 005\nRevises: 004\nCreate Date: 2024-01-05 10:00:00\n\n"
      "\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '005'\ndown_revision = '004'\n\n\n"
      "def upgrade():\n    count = op.get_bind().execute(sa.text('SELECT count(*) FROM users')).scalar()\n"
      "    op.execute(\"UPDATE users SET name = name || '%d'\" % count)\n\n\ndef downgrade():\n    pass\n");
  alembic_dir.write("alembic/versions/006_comment.py",
                    "revision = '006'\ndown_revision = '005'\n\nfrom alembic import op\n\n\ndef upgrade():\n"
                    "    op.execute(\"COMMENT ON TABLE users IS 'was in alembic_version'\")\n\n\n"
                    "def downgrade():\n    op.execute('COMMENT ON TABLE users IS NULL')\n");
  install_alembic_command(bin);
  TestProject project;
  const CliResult run = project.run({"import", "alembic", "app", (alembic_dir.path() / "alembic").string(), "--json",
                                     "--database-url", "postgresql://render-only/app"},
                                    with_path(path_with(bin)));
  REQUIRE_EXIT(run, 0);
  const nlohmann::json document = nlohmann::json::parse(run.out);
  REQUIRE(document["revisions"].size() == 6);
  for (int i = 0; i < 4; ++i) CHECK(document["revisions"][i]["rendered"] == true);
  CHECK(document["revisions"][4]["rendered"] == false);
  CHECK(document["revisions"][5]["rendered"] == true);
  // A statement that only mentions Alembic's table in a string is the revision's own.
  CHECK(slurp(project.migrations() / "006_comment.up.sql").find("'was in alembic_version'") != std::string::npos);
  CHECK(document["render_problem"].get<std::string>().find("offline mode failed") != std::string::npos);
  CHECK(slurp(project.migrations() / "004_merge.up.sql").find("admin@example.org") != std::string::npos);
  CHECK(slurp(project.migrations() / "004_merge.up.sql").find("CREATE TABLE posts") == std::string::npos);
  CHECK(slurp(project.migrations() / "005_needs_db.up.sql").find("NOT RENDERED") != std::string::npos);
}
