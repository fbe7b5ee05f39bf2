// Reconciling other tools' histories with a service's revision files.
#include "migrate/adopt/reconcile.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace migrate::adopt {

namespace {

using Match = Reconciliation::Match;

// Alembic: the closure over down_revisions and depends_on of every head in its table.
void alembic_applied(const ForeignHistory& history, const std::map<Version, const Revision*>& by_version,
                     const AlembicMap& alembic, std::map<Version, Match>& applied, Reconciliation& out) {
  std::set<std::string> seen;
  for (const ForeignRow& row : history.rows) {
    if (alembic.count(row.id) == 0) {
      const bool numeric =
          !row.id.empty() && row.id.size() <= 18 && row.id.find_first_not_of("0123456789") == std::string::npos;
      if (!numeric) {
        out.refused.push_back({row.label, "alembic applied it, but the Alembic id mapping has no such id: import the "
                                          "Alembic folder first (`migrate import alembic`), or give --map"});
        continue;
      }
      // An all-digit id without a graph: Alembic's numbered chain up to it.
      const Version version = std::stoll(row.id);
      if (by_version.count(version) == 0) {
        out.refused.push_back({row.label, "alembic applied it, but the service has no revision numbered " +
                                              format_version(version) + ": the database is ahead of the code"});
        continue;
      }
      for (const auto& [number, revision] : by_version) {
        if (number <= version) applied[number] = Match{number, revision->name, "baseline", ""};
      }
      continue;
    }
    std::vector<std::string> todo{row.id};
    while (!todo.empty()) {
      const std::string id = todo.back();
      todo.pop_back();
      if (!seen.insert(id).second) continue;
      const auto entry = alembic.find(id);
      if (entry == alembic.end()) {
        out.refused.push_back({"alembic revision " + id, "the Alembic id mapping names it as a parent but does not "
                                                         "map it: import the Alembic folder again"});
        continue;
      }
      const auto file = by_version.find(entry->second.version);
      if (file == by_version.end()) {
        out.refused.push_back({"alembic revision " + id, "alembic applied it, but the service has no revision " +
                                                             format_version(entry->second.version) +
                                                             ": import the Alembic folder first"});
        continue;
      }
      applied[file->first] = Match{file->first, file->second->name, id == row.id ? "head" : "graph", ""};
      todo.insert(todo.end(), entry->second.down_revisions.begin(), entry->second.down_revisions.end());
      todo.insert(todo.end(), entry->second.depends_on.begin(), entry->second.depends_on.end());
    }
  }
}

// The versions the tool applied, each with how it was tied to its file and when; rows
// that tie to no file are refused into `out`.
std::map<Version, Match> applied_by_tool(const ForeignHistory& history, const std::vector<Revision>& revisions,
                                         const std::map<std::int64_t, Version>& journal, const AlembicMap& alembic,
                                         Reconciliation& out) {
  std::map<Version, const Revision*> by_version;
  for (const Revision& revision : revisions) by_version[revision.version] = &revision;
  std::map<Version, Match> applied;
  auto add = [&](const Revision& revision, const std::string& how, const std::string& at) {
    applied[revision.version] = Match{revision.version, revision.name, how, at};
  };

  if (history.tool == Tool::alembic) {
    alembic_applied(history, by_version, alembic, applied, out);
    return applied;
  }
  if (history.tool == Tool::drizzle) {
    for (const ForeignRow& row : history.rows) {
      const auto entry = row.created_at ? journal.find(*row.created_at) : journal.end();
      if (entry != journal.end()) {
        const auto file = by_version.find(entry->second);
        if (file == by_version.end()) {
          out.refused.push_back({row.label, "drizzle applied the journal's migration " + format_version(entry->second) +
                                                ", which the service has no revision for: import the folder first"});
        } else if (file->second->checksum != row.hash) {
          out.refused.push_back({file->second->label(),
                                 "drizzle applied it with other contents (hash " + row.hash.substr(0, 12) +
                                     "…, the file's " + file->second->checksum.substr(0, 12) +
                                     "…): the file was edited after it ran (drift)"});
        } else {
          add(*file->second, "journal", row.applied_at);
        }
        continue;
      }
      const auto file = std::find_if(revisions.begin(), revisions.end(),
                                     [&](const Revision& revision) { return revision.checksum == row.hash; });
      if (file == revisions.end()) {
        out.refused.push_back({row.label, "drizzle applied a migration whose file is in no revision of the service: "
                                          "the database is ahead of the code, or a file was edited after it ran"});
        continue;
      }
      add(*file, "hash", row.applied_at);
    }
    return applied;
  }

  // goose and Flyway number their rows: the latest row of each version decides.
  std::map<Version, const ForeignRow*> latest;
  for (const ForeignRow& row : history.rows) {
    if (!row.problem.empty()) {
      out.refused.push_back({row.label, row.problem});
      continue;
    }
    if (history.tool == Tool::goose && row.version == Version{0}) continue;  // goose's own first row
    latest[*row.version] = &row;
  }
  for (const auto& [version, row] : latest) {
    if (history.tool == Tool::flyway && !row->applied) {
      out.refused.push_back({row->label, "Flyway records it as failed (success = false): repair it with Flyway first"});
      continue;
    }
    if (!row->applied) continue;  // goose: rolled back
    if (row->baseline) {
      if (history.tool == Tool::golang_migrate && by_version.count(version) == 0) {
        out.refused.push_back({row->label, "golang-migrate applied up to it, but the service has no revision numbered " +
                                               format_version(version) + ": the database is ahead of the code"});
        continue;
      }
      for (const Revision& revision : revisions) {
        if (revision.version <= version) add(revision, "baseline", row->applied_at);
      }
      continue;
    }
    const auto file = by_version.find(version);
    if (file == by_version.end()) {
      out.refused.push_back({row->label, std::string(tool_name(history.tool)) +
                                             " applied it, but the service has no revision numbered " +
                                             format_version(version) + ": the database is ahead of the code"});
      continue;
    }
    add(*file->second, "version", row->applied_at);
  }
  return applied;
}

}  // namespace

Reconciliation reconcile(const ForeignHistory& history, const std::vector<Revision>& revisions,
                         const std::vector<AppliedRevision>& own, const std::map<std::int64_t, Version>& journal,
                         const AlembicMap& alembic) {
  Reconciliation out;
  const std::map<Version, Match> applied = applied_by_tool(history, revisions, journal, alembic, out);
  const Version newest = applied.empty() ? 0 : applied.rbegin()->first;
  std::map<Version, const AppliedRevision*> recorded;
  for (const AppliedRevision& row : own) recorded[row.version] = &row;

  for (const Revision& revision : revisions) {
    const auto match = applied.find(revision.version);
    const auto mine = recorded.find(revision.version);
    if (match == applied.end()) {
      // dbmate applies out of order, and an Alembic branch no head reaches is not applied.
      if (!applied.empty() && revision.version < newest && history.tool != Tool::dbmate &&
          history.tool != Tool::alembic) {
        out.refused.push_back({revision.label(), std::string(tool_name(history.tool)) +
                                                     " never applied it, yet it applied " + format_version(newest) +
                                                     " after it (skipped, or applied out of order): run it by hand "
                                                     "or remove the file, then adopt again"});
      } else if (mine == recorded.end()) {
        // dbmate applies files below its newest too: such a one is pending, and `up` needs
        // --allow-out-of-order for it.
        out.pending.push_back(revision.version);
      }
      continue;
    }
    if (mine == recorded.end()) {
      out.matched.push_back(match->second);
    } else if (mine->second->checksum == revision.checksum) {
      out.already.push_back(revision.version);
    } else {
      out.refused.push_back({revision.label(), "migrate's history records it with another checksum; see "
                                               "`migrate verify`"});
    }
  }
  for (const AppliedRevision& row : own) {
    // Rows above the tool's newest are migrate's own work since it took over.
    if (row.version < newest && applied.count(row.version) == 0) {
      out.refused.push_back({format_version(row.version) + "_" + row.name,
                             "migrate's history records it as applied, but " +
                                 std::string(tool_name(history.tool)) + "'s does not: the histories disagree"});
    }
  }
  return out;
}

}  // namespace migrate::adopt
