"""Times migrate side by side with dbmate, Alembic and the psql / sqlite3 floor.

Called by bench/run.sh, which installs the peers and starts the PostgreSQL cluster. Every
run of every tool starts from a freshly created database. Prints a markdown table of
medians with ratios to the floor, then the issue's targets with the measured values.
Exits 1 when a tool that was asked for fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import workload  # noqa: E402


class ToolFailed(Exception):
    pass


def run(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, int]:
    """Runs argv; returns (wall milliseconds, peak RSS of the child in KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise ToolFailed(f"{' '.join(argv[:6])} … exited {code}: {err.strip()[-600:]}")
    return elapsed, usage.ru_maxrss


@dataclass
class Figures:
    apply: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    status: list[float] = field(default_factory=list)
    rollback: list[float] = field(default_factory=list)
    rss_kib: int = 0
    note: str = ""

    def median(self, name: str) -> float | None:
        values = getattr(self, name)
        return statistics.median(values) if values else None


class Database:
    """Fresh databases on the bench cluster (PostgreSQL) or fresh files (SQLite)."""

    def __init__(self, dialect: str, admin_url: str, psql: str, work: Path):
        self.dialect, self.admin_url, self.psql, self.work = dialect, admin_url, psql, work

    def fresh(self, name: str) -> str:
        if self.dialect == "postgres":
            subprocess.run([self.psql, "-X", "-q", "-d", self.admin_url, "-c", f"DROP DATABASE IF EXISTS {name}",
                            "-c", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})
            return self.admin_url.rsplit("/", 1)[0] + "/" + name
        path = self.work / f"{name}.db"
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return str(path)


class Tool:
    name = ""
    version = ""
    is_floor = False

    def prepare(self, revisions, folder: Path) -> None: ...
    def apply(self, url: str) -> list[list[str]]: ...
    def noop(self, url: str) -> list[list[str]]: ...
    def status(self, url: str) -> list[list[str]]: ...
    def rollback(self, url: str, n: int) -> list[list[str]]: ...
    def env(self, url: str) -> dict | None:
        return None

    def rollback_runs(self, n: int, runs: int) -> int:
        """How many of the runs also time the rollback."""
        return runs


class Migrate(Tool):
    name = "migrate"

    def __init__(self, binary: str):
        self.binary = binary
        self.version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()[-1]

    def prepare(self, revisions, folder):
        self.manifest = workload.write_migrate(revisions, folder)

    def _argv(self, url, *args):
        db = url if url.startswith("postgres") else f"sqlite://{url}"
        return [self.binary, "--config", str(self.manifest), "--database-url", db, "-q", *args]

    def apply(self, url):
        return [self._argv(url, "up", "--yes", "--no-backup")]

    def noop(self, url):
        return [self._argv(url, "up", "--yes", "--no-backup")]

    def status(self, url):
        return [self._argv(url, "status")]

    def rollback(self, url, n):
        return [self._argv(url, "down", "bench", "--all", "--yes", "--no-backup")]


class PsqlFloor(Tool):
    name = "psql floor"
    is_floor = True

    def __init__(self, psql: str):
        self.psql = psql
        # "psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        self.version = subprocess.run([psql, "--version"], capture_output=True, text=True).stdout.split()[2]

    def prepare(self, revisions, folder):
        self.up, self.down = workload.write_floor(revisions, folder, "postgres")

    def _argv(self, url, *args):
        return [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, *args]

    def apply(self, url):
        return [self._argv(url, "-f", str(self.up))]

    def noop(self, url):
        return [self._argv(url, "-c", "SELECT version FROM floor_history ORDER BY version")]

    status = noop

    def rollback(self, url, n):
        return [self._argv(url, "-f", str(self.down))]


class SqliteFloor(Tool):
    name = "sqlite3 floor"
    is_floor = True

    def __init__(self, sqlite3: str):
        self.sqlite3 = sqlite3
        self.version = subprocess.run([sqlite3, "--version"], capture_output=True, text=True).stdout.split()[0]

    def prepare(self, revisions, folder):
        self.up, self.down = workload.write_floor(revisions, folder, "sqlite")

    def apply(self, url):
        return [[self.sqlite3, "-bail", url, f".read {self.up}"]]

    def noop(self, url):
        return [[self.sqlite3, url, "SELECT version FROM floor_history ORDER BY version"]]

    status = noop

    def rollback(self, url, n):
        return [[self.sqlite3, "-bail", url, f".read {self.down}"]]


class Dbmate(Tool):
    name = "dbmate"

    def __init__(self, binary: str):
        self.binary = binary
        self.version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()[-1]

    def prepare(self, revisions, folder):
        self.folder = workload.write_dbmate(revisions, folder)

    password = ""

    def env(self, url):
        if self.password and url.startswith("postgres"):
            scheme, rest = url.split("://", 1)
            url = f"{scheme}://{rest.replace('@', ':' + self.password + '@', 1)}"
        return {**os.environ, "DATABASE_URL": url + ("&" if "?" in url else "?") + "sslmode=disable"}

    def _argv(self, *args):
        return [self.binary, "--no-dump-schema", "--migrations-dir", str(self.folder), *args]

    def apply(self, url):
        return [self._argv("migrate")]

    def noop(self, url):
        return [self._argv("migrate")]

    def status(self, url):
        return [self._argv("status")]

    def rollback(self, url, n):
        # dbmate rolls back one revision per invocation.
        return [self._argv("rollback")] * n

    def rollback_runs(self, n, runs):
        # N processes per rollback: 2,000 of them take about a minute, so beyond 500
        # revisions the rollback is timed in the first run only (the table says so).
        return runs if n <= 500 else 1


class Alembic(Tool):
    name = "alembic"

    def __init__(self, python: str):
        self.python = python
        self.version = subprocess.run([python, "-c", "import alembic; print(alembic.__version__)"],
                                      capture_output=True, text=True, check=True).stdout.strip()

    def prepare(self, revisions, folder):
        self.ini = workload.write_alembic(revisions, folder)

    def env(self, url):
        return {**os.environ, "BENCH_SQLALCHEMY_URL": url.replace("postgresql://", "postgresql+psycopg2://", 1)}

    def _argv(self, *args):
        return [self.python, "-m", "alembic", "-c", str(self.ini), *args]

    def apply(self, url):
        return [self._argv("upgrade", "head")]

    noop = apply

    def status(self, url):
        return [self._argv("current")]

    def rollback(self, url, n):
        return [self._argv("downgrade", "base")]


TIME = shutil.which("time", path="/usr/bin:/bin")


def peak_rss_kib(argv: list[str]) -> int:
    """The peak RSS of argv's own process, in KiB. A child spawned from this Python
    process reports at least Python's own peak in ru_maxrss (Linux keeps the high-water
    mark of the memory it had before exec), so argv runs under /usr/bin/time, a small
    process whose child's figure is argv's alone; without it, the figure is run()'s."""
    if not TIME:
        return run(argv)[1]
    with open(os.devnull, "w") as null, subprocess.Popen([TIME, "-f", "%M", *argv], stdout=null,
                                                         stderr=subprocess.PIPE, text=True) as proc:
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise ToolFailed(f"{' '.join(argv[:6])} … exited {proc.returncode}: {err.strip()[-600:]}")
    return int(err.strip().splitlines()[-1])


def timed(commands: list[list[str]], env) -> tuple[float, int]:
    total, rss = 0.0, 0
    for argv in commands:
        ms, kib = run(argv, env=env)
        total += ms
        rss = max(rss, kib)
    return total, rss


def measure_once(tool: Tool, db: Database, n: int, run: int, runs: int, figures: Figures) -> None:
    """One run of tool on a fresh database: apply, no-op, status and (maybe) rollback."""
    url = db.fresh("bench")
    env = tool.env(url)
    ms, rss = timed(tool.apply(url), env)
    figures.apply.append(ms)
    figures.rss_kib = max(figures.rss_kib, rss)
    figures.noop.append(timed(tool.noop(url), env)[0])
    figures.status.append(timed(tool.status(url), env)[0])
    if run < tool.rollback_runs(n, runs):
        figures.rollback.append(timed(tool.rollback(url, n), env)[0])


def measure(tools: list[Tool], db: Database, revisions, runs: int, work: Path) -> dict[str, Figures | Exception]:
    """Runs round-robin, run 1 of every tool, then run 2, …: a machine whose speed drifts
    during the minutes this takes shifts every tool alike, not the ones measured last."""
    outcome: dict[str, Figures | Exception] = {}
    for tool in tools:
        folder = work / "w" / tool.name.replace(" ", "_")
        workload.ensure_clean(folder)
        tool.prepare(revisions, folder)
        outcome[tool.name] = Figures()
    for run in range(runs):
        for tool in tools:
            figures = outcome[tool.name]
            if not isinstance(figures, Figures):
                continue
            try:
                measure_once(tool, db, len(revisions), run, runs, figures)
            except (ToolFailed, subprocess.CalledProcessError) as e:
                outcome[tool.name] = e
    return outcome


def fmt(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def ratio(value: float | None, floor: float | None) -> str:
    if value is None or not floor:
        return "-"
    return f"{value / floor:.2f}x"


def main() -> int:
    began = time.perf_counter()
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--tiny", type=int, default=2000)
    parser.add_argument("--rss-n", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--migrate", required=True)
    parser.add_argument("--psql", required=True)
    parser.add_argument("--sqlite3")
    parser.add_argument("--dbmate")
    parser.add_argument("--dbmate-launcher", help="the npm package's node launcher, timed for the no-op only")
    parser.add_argument("--alembic-python")
    parser.add_argument("--missing", action="append", default=[], help="tool: reason it could not be installed")
    parser.add_argument("--admin-url", default=os.environ.get("MIGRATE_TEST_PG_URL"),
                        help="superuser URL of the cluster (default: $MIGRATE_TEST_PG_URL, kept out of argv)")
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    if not args.admin_url:
        parser.error("no cluster: pass --admin-url or set MIGRATE_TEST_PG_URL")

    work = Path(args.work)
    # The password travels in PGPASSWORD, which every child's libpq reads, never in an
    # argv; dbmate, which is not libpq, gets its URL with the password in DATABASE_URL.
    parsed = urllib.parse.urlsplit(args.admin_url)
    if parsed.password:
        os.environ["PGPASSWORD"] = urllib.parse.unquote(parsed.password)
        host = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        user = parsed.username or ""
        admin_url = urllib.parse.urlunsplit((parsed.scheme, f"{user}@{host}", parsed.path, parsed.query, ""))
        Dbmate.password = parsed.password
    else:
        admin_url = args.admin_url
    pg = Database("postgres", admin_url, args.psql, work)
    sq = Database("sqlite", "", "", work)
    failures: list[str] = []
    rows: list[tuple[str, str, Tool, Figures | None, str]] = []

    pg_tools: list[Tool] = [PsqlFloor(args.psql), Migrate(args.migrate)]
    if args.dbmate:
        pg_tools.append(Dbmate(args.dbmate))
    if args.alembic_python:
        pg_tools.append(Alembic(args.alembic_python))
    sqlite_tools: list[Tool] = [Migrate(args.migrate)]
    if args.sqlite3:
        sqlite_tools.insert(0, SqliteFloor(args.sqlite3))

    plan = [
        ("PostgreSQL", f"{args.n} tables", pg, pg_tools, workload.tables_workload(args.n, "postgres")),
        ("PostgreSQL", f"{args.tiny} tiny", pg, pg_tools, workload.tiny_workload(args.tiny, "postgres")),
        ("SQLite", f"{args.n} tables", sq, sqlite_tools, workload.tables_workload(args.n, "sqlite")),
        ("SQLite", f"{args.tiny} tiny", sq, sqlite_tools, workload.tiny_workload(args.tiny, "sqlite")),
    ]
    results: dict[tuple[str, str, str], Figures] = {}
    for engine, label, db, tools, revisions in plan:
        print(f"bench: {engine}, {label}: {', '.join(t.name for t in tools)} …", file=sys.stderr, flush=True)
        outcome = measure(tools, db, revisions, args.runs, work)
        for tool in tools:
            figures = outcome[tool.name]
            if not isinstance(figures, Figures):
                failures.append(f"{tool.name} ({engine}, {label}): {figures}")
                figures = None
            rows.append((engine, label, tool, figures, ""))
            if figures:
                results[(engine, label, tool.name)] = figures

    # Peak RSS of migrate applying N and rss_n revisions, and of `status` then (no-op).
    rss, status_rss = {}, {}
    for engine, db in (("PostgreSQL", pg), ("SQLite", sq)):
        for n in (args.n, args.rss_n):
            m = Migrate(args.migrate)
            folder = work / "w" / f"rss_{engine}_{n}"
            workload.ensure_clean(folder)
            m.prepare(workload.tables_workload(n, db.dialect), folder)
            url = db.fresh("bench")
            try:
                rss[(engine, n)] = peak_rss_kib(m.apply(url)[0])
                status_rss[(engine, n)] = peak_rss_kib(m.status(url)[0])
            except ToolFailed as e:
                failures.append(f"migrate RSS run, {engine}, N={n}: {e}")

    print(f"Median of {args.runs} runs, each on a freshly created database, the tools taking turns run by run. "
          f"`apply` = all revisions from empty, `no-op` = `up` again with nothing pending, "
          f"`status` with all applied, `rollback` = all revisions back to empty.\n")
    print("| engine | workload | tool | version | apply | no-op up | status | rollback | apply vs floor | rollback vs floor |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for engine, label, tool, figures, _ in rows:
        floor = next((results.get((engine, label, t.name)) for t in (pg_tools if engine == "PostgreSQL" else sqlite_tools)
                      if t.is_floor), None)
        if figures is None:
            print(f"| {engine} | {label} | {tool.name} | {tool.version} | failed | | | | | |")
            continue
        once = " (1 run)" if 0 < len(figures.rollback) < len(figures.apply) else ""
        print(f"| {engine} | {label} | {tool.name} | {tool.version} | {fmt(figures.median('apply'))} | "
              f"{fmt(figures.median('noop'))} | {fmt(figures.median('status'))} | {fmt(figures.median('rollback'))}{once} | "
              f"{ratio(figures.median('apply'), floor and floor.median('apply'))} | "
              f"{ratio(figures.median('rollback'), floor and floor.median('rollback'))} |")
    for missing in args.missing:
        tool, _, reason = missing.partition(":")
        print(f"| PostgreSQL | - | {tool} | not installed | {reason.strip()} | | | | | |")
    if args.dbmate_launcher and ("PostgreSQL", f"{args.n} tables", "dbmate") in results:
        # What `npx dbmate` or node_modules/.bin/dbmate costs on top of the Go binary above.
        launcher = Dbmate(args.dbmate_launcher)
        folder = work / "w" / "dbmate_launcher"
        workload.ensure_clean(folder)
        launcher.prepare(workload.tables_workload(args.n, "postgres"), folder)
        url = pg.fresh("bench")
        try:
            timed(launcher.apply(url), launcher.env(url))
            noop = statistics.median(timed(launcher.noop(url), launcher.env(url))[0] for _ in range(args.runs))
            print(f"\ndbmate above is its Go binary, run directly. Through the npm package's node launcher "
                  f"(`npx dbmate`, node_modules/.bin/dbmate) the same no-op `migrate` takes {fmt(noop)}.")
        except ToolFailed as e:
            failures.append(f"dbmate launcher: {e}")
    for engine in ("PostgreSQL", "SQLite"):
        figures = [(n, rss[(engine, n)], status_rss[(engine, n)]) for n in (args.n, args.rss_n) if (engine, n) in rss]
        if figures:
            print(f"\nPeak RSS of migrate ({engine}{'' if TIME else ', with the harness'}): " +
                  ", ".join(f"N={n}: `up` {up / 1024:.1f} MiB, no-op `status` {st / 1024:.1f} MiB"
                            for n, up, st in figures))

    # The targets of issue 6.
    print("\n| target | measured | met |")
    print("|---|---|---|")

    def target(text: str, measured: str, ok: bool | None) -> None:
        print(f"| {text} | {measured} | {'yes' if ok else 'no' if ok is not None else '?'} |")

    key = ("PostgreSQL", f"{args.n} tables")
    m, f, d = (results.get((*key, name)) for name in ("migrate", "psql floor", "dbmate"))
    if m and f:
        r = m.median("apply") / f.median("apply")
        target(f"apply {args.n} on PostgreSQL <= 0.95x the psql floor", f"{r:.2f}x", r <= 0.95)
    if m:
        noop, status = m.median("noop"), m.median("status")
        # The psql floor's no-op is one psql process connecting and running one SELECT on
        # its history table: what any libpq client pays before doing anything.
        bound = f" (psql floor: {fmt(f.median('noop'))})" if f else ""
        target(f"no-op up with {args.n} applied <= 15 ms", fmt(noop) + bound, noop <= 15)
        target(f"status with {args.n} applied <= 15 ms", fmt(status) + bound, status <= 15)
        if d:
            target("no-op up and status >= 6x faster than dbmate",
                   f"{d.median('noop') / noop:.1f}x, {d.median('status') / status:.1f}x",
                   d.median("noop") / noop >= 6 and d.median("status") / status >= 6)
        target(f"roll back all {args.n} on PostgreSQL <= 0.65 s", fmt(m.median("rollback")), m.median("rollback") <= 650)
    tm, tf = (results.get(("PostgreSQL", f"{args.tiny} tiny", name)) for name in ("migrate", "psql floor"))
    if tm and tf:
        per = (tm.median("apply") - tf.median("apply")) / args.tiny
        target(f"{args.tiny} tiny revisions: overhead per revision above the floor <= 0.2 ms", f"{per:.3f} ms", per <= 0.2)
    for engine in ("PostgreSQL", "SQLite"):
        if (engine, args.n) in rss and (engine, args.rss_n) in rss:
            growth = rss[(engine, args.rss_n)] / rss[(engine, args.n)] - 1
            target(f"{engine}: peak RSS of `up` flat in N (N={args.n} vs N={args.rss_n} within 10%)",
                   f"{growth * 100:+.1f}%", abs(growth) <= 0.10)
    if ("SQLite", args.n) in status_rss:
        kib = status_rss[("SQLite", args.n)]
        target(f"no-op `status` (SQLite, {args.n} applied) under 12 MiB", f"{kib / 1024:.1f} MiB", kib < 12 * 1024)

    print(f"\n(bench.py ran for {time.perf_counter() - began:.0f} s)")
    for failure in failures:
        print(f"bench: FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
