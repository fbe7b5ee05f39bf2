// Many `migrate up --yes` processes on one database at the same instant, round after round
// from empty: each exits 0, each revision is applied exactly once, and the result equals
// what a single runner makes.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"
#include "support/child_process.hpp"
#include "robustness/workload_project.hpp"
#include "robustness/workload_state.hpp"

namespace migrate::robustness {

namespace {

// MIGRATE_CONCURRENCY_ROUNDS overrides the 20 rounds (the sanitizer pass runs fewer).
int rounds() {
  const char* text = std::getenv("MIGRATE_CONCURRENCY_ROUNDS");
  return text != nullptr && *text != '\0' ? std::stoi(text) : 20;
}
constexpr int k_services = 2;
constexpr int k_revisions_per_service = 12;

using Runners = std::vector<std::unique_ptr<test::ChildProcess>>;

// Starts `processes` plain runs on db behind one gate, opens it, and waits for every one.
Runners run_at_once(const WorkloadProject& project, const test::TestDatabase& db, int processes) {
  test::StartGate gate;
  test::CliOptions options;
  options.gate = &gate;
  Runners runners;
  for (int i = 0; i < processes; ++i) runners.push_back(test::start_migrate(project.up_args(db), options));
  gate.open();
  for (auto& runner : runners) runner->wait();
  return runners;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// What the rounds add up to, printed at the end for the README.
struct Figures {
  int waited = 0;          // runners that found the lock held at least once
  int applied_some = 0;    // runners that applied at least one revision
  int runs = 0;
};

void check_round(const WorkloadProject& project, test::TestDatabase& db, const Runners& runners,
                 const itest::Snapshot& reference, Figures& figures) {
  for (const auto& runner : runners) {
    INFO(runner->describe());
    CHECK(runner->wait().exit_code == 0);
    figures.runs += 1;
    figures.waited += contains(runner->err(), "waiting for the migration lock") ? 1 : 0;
    const bool applied_none = contains(runner->out(), "nothing to apply") || contains(runner->out(), "applied 0 ");
    figures.applied_some += applied_none ? 0 : 1;
  }
  const Workload& workload = project.workload();
  {
    INFO("every revision recorded once, and its effects there exactly once");
    CHECK(join_lines(completeness_problems(workload, read_state(workload, db))) == "");
  }
  const itest::Snapshot result = itest::snapshot(db);
  {
    INFO("the schema equals the one a single runner makes");
    CHECK(result.schema == reference.schema);
  }
  {
    INFO("the data equals the one a single runner makes (history rows aside)");
    CHECK(itest::without_history(result.contents) == itest::without_history(reference.contents));
  }
  CHECK(db.scalar("SELECT count(*) FROM migration_lock") == "0");
  const auto audit = project.audit();
  CHECK(count_events(audit, "apply") == static_cast<int>(workload.revisions.size()));
  CHECK(count_events(audit, "lock_broken") == 0);
  CHECK(count_events(audit, "start") == static_cast<int>(runners.size()));
  CHECK(count_events(audit, "fail") == 0);
}

void run_rounds(Dialect dialect, int processes) {
  const WorkloadProject project(make_workload(dialect, k_services, k_revisions_per_service));
  const auto reference_db = test::make_test_database(dialect);
  ITEST_REQUIRE_EXIT(test::run_migrate(project.up_args(*reference_db)), 0);
  const itest::Snapshot reference = itest::snapshot(*reference_db);
  project.clear_audit();

  Figures figures;
  const auto started = std::chrono::steady_clock::now();
  const int round_count = rounds();
  for (int round = 1; round <= round_count; ++round) {
    INFO(to_string(dialect) << " round " << round << " of " << round_count << ", " << processes << " processes");
    const auto db = test::make_test_database(dialect);
    const Runners runners = run_at_once(project, *db, processes);
    check_round(project, *db, runners, reference, figures);
    project.clear_audit();
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "concurrency " << to_string(dialect) << ": " << processes << " processes x " << round_count
            << " rounds, " << project.workload().revisions.size() << " revisions in " << k_services
            << " services per round, " << seconds << " s; " << figures.waited << " of " << figures.runs
            << " runners waited for the lock, " << figures.applied_some << " applied something" << std::endl;
}

}  // namespace

TEST_CASE("8 runners at once on one PostgreSQL database apply each revision exactly once, round after round",
          "[robustness][concurrency][postgres]") {
  run_rounds(Dialect::postgres, 8);
}

TEST_CASE("4 runners at once on one SQLite file apply each revision exactly once, round after round",
          "[robustness][concurrency][sqlite]") {
  run_rounds(Dialect::sqlite, 4);
}

}  // namespace migrate::robustness
