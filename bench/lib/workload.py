"""The benchmark workloads, written in every tool's own format.

Workload "tables" (issue 6): revision i creates t_i with an identity key, a `text not null`
name, a jsonb payload and a timestamptz defaulting to now(), an index on name, and
inserts 10 rows; its down drops the table. Workload "tiny": revision i inserts one row.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Revision:
    version: int
    name: str
    up: str
    down: str


def tables_workload(n: int, dialect: str) -> list[Revision]:
    revisions = []
    for i in range(1, n + 1):
        if dialect == "postgres":
            create = (
                f"CREATE TABLE t_{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                f"name text NOT NULL, payload jsonb, created_at timestamptz NOT NULL DEFAULT now());"
            )
        else:
            create = (
                f"CREATE TABLE t_{i} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
                f"payload TEXT, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);"
            )
        rows = ", ".join(f"('row {k}', '{{\"i\": {i}, \"k\": {k}}}')" for k in range(1, 11))
        up = f"{create}\nCREATE INDEX t_{i}_name ON t_{i} (name);\nINSERT INTO t_{i} (name, payload) VALUES {rows};\n"
        revisions.append(Revision(i, f"t_{i}", up, f"DROP TABLE t_{i};\n"))
    return revisions


def tiny_workload(n: int, dialect: str) -> list[Revision]:
    revisions = [Revision(1, "tiny_1", "CREATE TABLE tiny (n integer NOT NULL);\nINSERT INTO tiny (n) VALUES (1);\n",
                          "DROP TABLE tiny;\n")]
    for i in range(2, n + 1):
        revisions.append(Revision(i, f"tiny_{i}", f"INSERT INTO tiny (n) VALUES ({i});\n",
                                  f"DELETE FROM tiny WHERE n = {i};\n"))
    return revisions


def write_migrate(revisions: list[Revision], folder: Path) -> Path:
    """migrate: NNNN_name.up.sql / .down.sql and a one-service manifest."""
    migrations = folder / "migrations"
    migrations.mkdir(parents=True)
    for r in revisions:
        (migrations / f"{r.version:04d}_{r.name}.up.sql").write_text(r.up)
        (migrations / f"{r.version:04d}_{r.name}.down.sql").write_text(r.down)
    manifest = folder / "migrate.toml"
    manifest.write_text('[defaults]\naudit_log = "audit.log"\n\n[services.bench]\nmigrations = "migrations"\n')
    return manifest


def write_dbmate(revisions: list[Revision], folder: Path) -> Path:
    """dbmate: one NNNN_name.sql per revision with -- migrate:up / -- migrate:down."""
    folder.mkdir(parents=True)
    for r in revisions:
        (folder / f"{r.version:04d}_{r.name}.sql").write_text(f"-- migrate:up\n{r.up}\n-- migrate:down\n{r.down}")
    return folder


def write_alembic(revisions: list[Revision], folder: Path) -> Path:
    """Alembic: alembic.ini, env.py with one transaction per revision, versions/*.py."""
    versions = folder / "versions"
    versions.mkdir(parents=True)
    (folder / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s\n\n"
        "[loggers]\nkeys = root\n[handlers]\nkeys = console\n[formatters]\nkeys = generic\n"
        "[logger_root]\nlevel = WARN\nhandlers = console\n"
        "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = WARN\nformatter = generic\n"
        "[formatter_generic]\nformat = %(levelname)s %(message)s\n")
    (folder / "script.py.mako").write_text("")
    (folder / "env.py").write_text(
        "import os\n"
        "from alembic import context\n"
        "from sqlalchemy import create_engine\n\n"
        "engine = create_engine(os.environ['BENCH_SQLALCHEMY_URL'])\n"
        "with engine.connect() as connection:\n"
        "    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n")
    previous = None
    for r in revisions:
        rev = f"r{r.version:05d}"
        (versions / f"{rev}_{r.name}.py").write_text(
            "from alembic import op\n\n"
            f"revision = {rev!r}\ndown_revision = {previous!r}\nbranch_labels = None\ndepends_on = None\n\n"
            f"UP = {r.up!r}\nDOWN = {r.down!r}\n\n"
            "def upgrade():\n    op.execute(UP)\n\n"
            "def downgrade():\n    op.execute(DOWN)\n")
        previous = rev
    return folder / "alembic.ini"


def write_floor(revisions: list[Revision], folder: Path, dialect: str) -> tuple[Path, Path]:
    """The floor: each revision as BEGIN; <up>; INSERT history; COMMIT; (down likewise),
    run by psql or the sqlite3 CLI in one session."""
    folder.mkdir(parents=True)
    ts = "timestamptz NOT NULL DEFAULT now()" if dialect == "postgres" else "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
    up = [f"CREATE TABLE floor_history (version bigint PRIMARY KEY, applied_at {ts});\n"]
    for r in revisions:
        up.append(f"BEGIN;\n{r.up}INSERT INTO floor_history (version) VALUES ({r.version});\nCOMMIT;\n")
    down = []
    for r in reversed(revisions):
        down.append(f"BEGIN;\n{r.down}DELETE FROM floor_history WHERE version = {r.version};\nCOMMIT;\n")
    (folder / "up.sql").write_text("".join(up))
    (folder / "down.sql").write_text("".join(down))
    return folder / "up.sql", folder / "down.sql"


def ensure_clean(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
