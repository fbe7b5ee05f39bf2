// Reads the workload's footprint in one snapshot and judges it.
#include "robustness/workload_state.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>
#include <utility>

namespace migrate::robustness {

namespace {

namespace fs = std::filesystem;

using Key = std::pair<std::string, int>;  // (service, version)

// The raw facts a state is computed from.
struct Facts {
  std::set<std::string> tables;
  std::set<std::pair<std::string, std::string>> columns;  // (table, column)
  std::map<Key, bool> history;                            // -> dirty
  std::map<Key, long> ledger;                             // -> rows
};

Facts read_postgres(const std::string& url) {
  pqxx::connection conn(url);
  // The snapshot is taken by the first query and every later one sees the same; catalog
  // rows read with plain SELECTs follow it too.
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
  Facts facts;
  for (const pqxx::row& row : tx.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
    facts.tables.insert(row[0].as<std::string>());
  }
  for (const pqxx::row& row :
       tx.exec("SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
               "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 "
               "AND NOT a.attisdropped")) {
    facts.columns.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  if (facts.tables.count("schema_migrations") != 0) {
    for (const pqxx::row& row : tx.exec("SELECT service, version, dirty FROM schema_migrations")) {
      facts.history[{row[0].as<std::string>(), row[1].as<int>()}] = row[2].as<bool>();
    }
  }
  if (facts.tables.count("ledger") != 0) {
    for (const pqxx::row& row : tx.exec("SELECT service, version, count(*) FROM ledger GROUP BY service, version")) {
      facts.ledger[{row[0].as<std::string>(), row[1].as<int>()}] = row[2].as<long>();
    }
  }
  tx.commit();
  return facts;
}

Facts read_sqlite(const fs::path& file) {
  Facts facts;
  if (!fs::exists(file)) return facts;
  // Read-write: the first read after a killed writer rolls its hot journal back.
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE, 5000);
  db.exec("BEGIN");
  SQLite::Statement tables(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
  while (tables.executeStep()) facts.tables.insert(tables.getColumn(0).getString());
  for (const std::string& table : facts.tables) {
    SQLite::Statement columns(db, "SELECT name FROM pragma_table_info(?)");
    columns.bind(1, table);
    while (columns.executeStep()) facts.columns.emplace(table, columns.getColumn(0).getString());
  }
  if (facts.tables.count("schema_migrations") != 0) {
    SQLite::Statement history(db, "SELECT service, version, dirty FROM schema_migrations");
    while (history.executeStep()) {
      facts.history[{history.getColumn(0).getString(), history.getColumn(1).getInt()}] =
          history.getColumn(2).getInt() != 0;
    }
  }
  if (facts.tables.count("ledger") != 0) {
    SQLite::Statement ledger(db, "SELECT service, version, count(*) FROM ledger GROUP BY service, version");
    while (ledger.executeStep()) {
      facts.ledger[{ledger.getColumn(0).getString(), ledger.getColumn(1).getInt()}] = ledger.getColumn(2).getInt64();
    }
  }
  db.exec("COMMIT");
  return facts;
}

long count_of(const Effect& effect, const Facts& facts) {
  switch (effect.kind) {
    case Effect::Kind::table:
      return static_cast<long>(facts.tables.count(effect.table));
    case Effect::Kind::column:
      return static_cast<long>(facts.columns.count({effect.table, effect.column}));
    case Effect::Kind::ledger_row: {
      const auto found = facts.ledger.find({effect.service, effect.version});
      return found == facts.ledger.end() ? 0 : found->second;
    }
  }
  return 0;
}

fs::path sqlite_path(const std::string& url) {
  const std::string prefix = "sqlite://";
  if (url.compare(0, prefix.size(), prefix) != 0) throw std::invalid_argument("not a sqlite:// URL: " + url);
  return url.substr(prefix.size());
}

}  // namespace

std::vector<RevisionState> read_state(const Workload& workload, const test::TestDatabase& db) {
  const Facts facts = db.dialect() == Dialect::postgres ? read_postgres(db.url()) : read_sqlite(sqlite_path(db.url()));
  std::vector<RevisionState> state;
  for (const WorkloadRevision& revision : workload.revisions) {
    RevisionState entry;
    const auto row = facts.history.find({revision.service, revision.version});
    if (row != facts.history.end()) entry.recorded = row->second ? Recorded::dirty : Recorded::clean;
    for (const Effect& effect : revision.effects) entry.effect_counts.push_back(count_of(effect, facts));
    state.push_back(std::move(entry));
  }
  return state;
}

std::vector<std::string> consistency_problems(const Workload& workload, const std::vector<RevisionState>& state) {
  std::vector<std::string> problems;
  bool gap = false;  // an earlier revision is not recorded
  for (std::size_t i = 0; i < workload.revisions.size(); ++i) {
    const WorkloadRevision& revision = workload.revisions[i];
    const RevisionState& entry = state.at(i);
    const std::string label = revision.label();
    if (entry.recorded != Recorded::absent && gap) {
      problems.push_back(label + " is recorded although an earlier revision is not");
    }
    if (entry.recorded == Recorded::absent) gap = true;
    if (entry.recorded == Recorded::dirty && revision.transactional) {
      problems.push_back(label + " is recorded dirty, but it ran in a transaction");
    }
    for (std::size_t e = 0; e < revision.effects.size(); ++e) {
      const long count = entry.effect_counts.at(e);
      const std::string effect = revision.effects[e].describe();
      if (count > 1) problems.push_back(label + ": " + effect + " is there " + std::to_string(count) + " times");
      if (entry.recorded == Recorded::clean && count == 0) {
        problems.push_back(label + " is recorded but its " + effect + " is missing");
      }
      if (entry.recorded == Recorded::absent && count != 0) {
        problems.push_back(label + " is not recorded but its " + effect + " is there (half applied)");
      }
    }
  }
  return problems;
}

std::vector<std::string> completeness_problems(const Workload& workload, const std::vector<RevisionState>& state) {
  std::vector<std::string> problems = consistency_problems(workload, state);
  for (std::size_t i = 0; i < workload.revisions.size(); ++i) {
    const std::string label = workload.revisions[i].label();
    if (state.at(i).recorded == Recorded::absent) problems.push_back(label + " is not applied");
    if (state.at(i).recorded == Recorded::dirty) problems.push_back(label + " is still dirty");
  }
  return problems;
}

int clean_count(const std::vector<RevisionState>& state) {
  int count = 0;
  for (const RevisionState& entry : state) count += entry.recorded == Recorded::clean ? 1 : 0;
  return count;
}

bool any_dirty(const std::vector<RevisionState>& state) {
  for (const RevisionState& entry : state) {
    if (entry.recorded == Recorded::dirty) return true;
  }
  return false;
}

std::string join_lines(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& problem : problems) out += problem + "\n";
  return out;
}

}  // namespace migrate::robustness
