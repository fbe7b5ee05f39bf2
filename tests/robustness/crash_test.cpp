// The crash harness: `migrate up --yes` is SIGKILLed at a random moment of its run, trial
// after trial from an empty database. After each kill every revision is either whole and
// recorded or absent and unrecorded, and a plain `migrate up --yes` reaches head alone.
//
// Seeded and repeatable: the seed is printed; MIGRATE_CRASH_SEED sets it,
// MIGRATE_CRASH_TRIALS the PostgreSQL trials (default 100), MIGRATE_CRASH_SQLITE_TRIALS the
// SQLite ones (default 30). The kill moment is uniform over [0, 1.2 x a calibrated run], so
// it falls anywhere from process start-up (before connecting) to after the last commit.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/integration_support.hpp"
#include "robustness/backup_check.hpp"
#include "support/child_process.hpp"
#include "robustness/workload_project.hpp"
#include "robustness/workload_state.hpp"

namespace migrate::robustness {

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::stoull(text);
}

std::uint64_t crash_seed() {
  std::random_device device;
  const std::uint64_t random_seed = (std::uint64_t{device()} << 32) ^ device();
  return env_number("MIGRATE_CRASH_SEED", random_seed);
}

// What the trials add up to, printed at the end for the README.
struct Figures {
  int trials = 0;
  int before_first_commit = 0;  // killed with nothing recorded
  int partway = 0;              // killed with some revisions recorded
  int after_last_commit = 0;    // killed (or finished) with everything recorded
  int finished_before_kill = 0;
  int lock_taken_over = 0;      // the next run audited lock_broken
  int next_run_waited = 0;      // the next run found the lock still held at first
  int left_dirty = 0;           // killed inside a no-transaction revision
  int repaired = 0;             // dirty revisions finished by hand and repaired
};

// How long one uninterrupted run takes here, on a fresh database.
std::chrono::microseconds calibrate(const WorkloadProject& project, Dialect dialect) {
  const auto db = test::make_test_database(dialect);
  const auto started = Clock::now();
  ITEST_REQUIRE_EXIT(test::run_migrate(project.up_args(*db)), 0);
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
}

// A run killed at a chosen moment, and the state it left.
struct KilledRun {
  std::unique_ptr<test::ChildProcess> process;
  std::vector<RevisionState> state;
};

// Starts a run, kills it after `delay`, and checks the state and audit log it left.
KilledRun kill_run(const WorkloadProject& project, const test::TestDatabase& db, std::chrono::microseconds delay,
                   Figures& figures) {
  KilledRun run;
  run.process = test::start_migrate(project.up_args(db));
  std::this_thread::sleep_for(delay);
  run.process->kill();
  const int code = run.process->wait().exit_code;
  INFO(run.process->describe());
  CHECK((run.process->killed() || code == 0));
  figures.finished_before_kill += run.process->killed() ? 0 : 1;
  project.audit();  // fails the test if the kill left a torn audit line

  run.state = read_state(project.workload(), db);
  INFO("the state a kill left must be whole: every revision recorded with all its effects, or neither");
  CHECK(join_lines(consistency_problems(project.workload(), run.state)) == "");
  return run;
}

// SQL an operator runs to finish a half-done revision by hand: each missing effect.
std::string finish_by_hand(const WorkloadRevision& revision, const RevisionState& state) {
  std::string sql;
  for (std::size_t e = 0; e < revision.effects.size(); ++e) {
    if (state.effect_counts.at(e) != 0) continue;
    const Effect& effect = revision.effects[e];
    switch (effect.kind) {
      case Effect::Kind::column:
        sql += "ALTER TABLE " + effect.table + " ADD COLUMN " + effect.column + " INTEGER NOT NULL DEFAULT " +
               std::to_string(revision.version) + ";\n";
        break;
      case Effect::Kind::ledger_row:
        sql += "INSERT INTO ledger (service, version) VALUES ('" + effect.service + "', " +
               std::to_string(effect.version) + ");\n";
        break;
      case Effect::Kind::table:
        FAIL("a no-transaction revision of the workload never creates a table");
    }
  }
  return sql;
}

// A kill left a no-transaction revision dirty: up refuses with exit 4 naming it; the
// operator finishes it by hand and runs `migrate repair`, as the message says; then up
// goes on. Returns false when that did not work.
bool recover_dirty(const WorkloadProject& project, test::TestDatabase& db, const KilledRun& killed,
                   const test::CliResult& refused, Figures& figures) {
  CHECK(refused.exit_code == 4);
  for (std::size_t i = 0; i < killed.state.size(); ++i) {
    if (killed.state[i].recorded != Recorded::dirty) continue;
    const WorkloadRevision& revision = project.workload().revisions[i];
    const std::string stem = revision.label().substr(revision.service.size() + 1);
    INFO("the refusal names the dirty revision " << stem);
    CHECK(refused.err.find("dirty at revision " + stem) != std::string::npos);
    CHECK(refused.err.find("migrate repair " + revision.service) != std::string::npos);
    if (const std::string sql = finish_by_hand(revision, killed.state[i]); !sql.empty()) db.exec(sql);
    const test::CliResult repaired =
        test::run_migrate({"--config", (project.dir() / "migrate.toml").string(), "--database-url", db.url(), "repair",
                           revision.service});
    INFO(itest::describe(repaired));
    CHECK(repaired.exit_code == 0);
    figures.repaired += 1;
  }
  const test::CliResult after = test::run_migrate(project.up_args(db));
  INFO(itest::describe(after));
  CHECK(after.exit_code == 0);
  return after.exit_code == 0;
}

// The plain run after a kill: reaches head on its own (exit 0), or, when the kill left a
// no-transaction revision dirty, refuses with exit 4 naming it until it is repaired.
void check_next_run(const WorkloadProject& project, test::TestDatabase& db, const KilledRun& killed,
                    Figures& figures) {
  project.clear_audit();
  const test::CliResult next = test::run_migrate(project.up_args(db));
  INFO(itest::describe(next));
  figures.next_run_waited += next.err.find("waiting for the migration lock") != std::string::npos ? 1 : 0;
  if (any_dirty(killed.state)) {
    if (recover_dirty(project, db, killed, next, figures)) {
      CHECK(join_lines(completeness_problems(project.workload(), read_state(project.workload(), db))) == "");
    }
    return;
  }
  CHECK(next.exit_code == 0);
  INFO("after the next run every revision is applied exactly once");
  CHECK(join_lines(completeness_problems(project.workload(), read_state(project.workload(), db))) == "");
  for (const nlohmann::json& line : project.audit()) {
    if (line.value("event", "") != "lock_broken") continue;
    figures.lock_taken_over += 1;
    INFO("the lock taken over is the killed runner's: " << line.dump());
    CHECK(line.value("detail", "").find(":" + std::to_string(killed.process->pid()) + " ") != std::string::npos);
  }
}

void count_kill_moment(const std::vector<RevisionState>& state, Figures& figures) {
  const int clean = clean_count(state);
  if (clean == 0) figures.before_first_commit += 1;
  else if (clean == static_cast<int>(state.size())) figures.after_last_commit += 1;
  else figures.partway += 1;
}

void run_trials(Dialect dialect, int trials, std::uint64_t seed, const std::string& extra_defaults) {
  const WorkloadProject project(make_workload(dialect, 2, 12), extra_defaults);
  const std::chrono::microseconds typical = calibrate(project, dialect);
  const std::chrono::microseconds window = typical * 6 / 5;
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::int64_t> moment(0, window.count());
  std::cout << "crash harness " << to_string(dialect) << ": seed " << seed << " (MIGRATE_CRASH_SEED=" << seed
            << " repeats it), " << trials << " trials, kill moment uniform in 0.." << window.count() / 1000
            << " ms (one run took " << typical.count() / 1000 << " ms)" << std::endl;

  Figures figures;
  const auto started = Clock::now();
  for (int trial = 1; trial <= trials; ++trial) {
    const std::chrono::microseconds delay(moment(random));
    INFO(to_string(dialect) << " crash trial " << trial << " of " << trials << ", seed " << seed << ", killed after "
                            << delay.count() << " us");
    const auto db = test::make_test_database(dialect);
    project.clear_audit();
    const KilledRun killed = kill_run(project, *db, delay, figures);
    count_kill_moment(killed.state, figures);
    figures.left_dirty += any_dirty(killed.state) ? 1 : 0;
    check_next_run(project, *db, killed, figures);
    check_backups(project.backup_dir(), dialect);
    figures.trials += 1;
  }
  const auto seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << "crash harness " << to_string(dialect) << ": seed " << seed << ", " << figures.trials << " trials in "
            << seconds << " s; killed with nothing recorded " << figures.before_first_commit << ", partway "
            << figures.partway << ", everything recorded " << figures.after_last_commit << " (finished before the kill "
            << figures.finished_before_kill << "); the next run took over the dead runner's lock "
            << figures.lock_taken_over << " times and waited for it " << figures.next_run_waited
            << " times; left a no-transaction revision dirty " << figures.left_dirty << " times (finished by hand and "
            << "repaired: " << figures.repaired << "); partial backup files left by killed runs: " << leftover_partials(project.backup_dir())
            << std::endl;
}

}  // namespace

TEST_CASE("migrate up killed at random moments on PostgreSQL leaves no half-applied revision and recovers",
          "[robustness][crash][postgres]") {
  run_trials(Dialect::postgres, static_cast<int>(env_number("MIGRATE_CRASH_TRIALS", 100)), crash_seed(), "");
}

TEST_CASE("migrate up killed at random moments on SQLite leaves no half-applied revision and recovers",
          "[robustness][crash][sqlite]") {
  // SQLite has no session to die with the runner: its lock row is taken over once the
  // heartbeat is older than lock_stale_after, so keep that short here.
  run_trials(Dialect::sqlite, static_cast<int>(env_number("MIGRATE_CRASH_SQLITE_TRIALS", 30)), crash_seed(),
             "lock_stale_after = \"500ms\"\n");
}

}  // namespace migrate::robustness
