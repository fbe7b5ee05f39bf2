// Up/down planning and drift detection over plain values.
#include "migrate/plan/plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::plan {

namespace {

std::map<Version, const Revision*> index_by_version(const std::vector<Revision>& revisions) {
  std::map<Version, const Revision*> index;
  for (const Revision& revision : revisions) index.emplace(revision.version, &revision);
  return index;
}

std::string quoted(std::string_view service) { return "'" + std::string(service) + "'"; }

}  // namespace

std::string_view to_string(Drift::Kind kind) noexcept {
  return kind == Drift::Kind::checksum_mismatch ? "checksum_mismatch" : "missing_file";
}

std::string Drift::describe() const {
  const std::string label = format_version(version) + "_" + name;
  if (kind == Kind::missing_file) return "revision " + label + " is applied but its files are gone";
  return "revision " + label + " was edited after it was applied: " + file + " (recorded " +
         recorded.substr(0, 12) + ", now " + actual.substr(0, 12) + ")";
}

std::vector<Drift> check_drift(const std::vector<Revision>& revisions,
                               const std::vector<AppliedRevision>& history) {
  const auto index = index_by_version(revisions);
  std::vector<Drift> drift;
  for (const AppliedRevision& applied : history) {
    const auto it = index.find(applied.version);
    if (it == index.end()) {
      drift.push_back({Drift::Kind::missing_file, applied.version, applied.name, "", applied.checksum, ""});
    } else if (it->second->checksum != applied.checksum) {
      drift.push_back({Drift::Kind::checksum_mismatch, applied.version, applied.name,
                       it->second->up.path.string(), applied.checksum, it->second->checksum});
    }
  }
  return drift;
}

std::optional<AppliedRevision> find_dirty(const std::vector<AppliedRevision>& history) {
  for (const AppliedRevision& applied : history) {
    if (applied.dirty) return applied;
  }
  return std::nullopt;
}

std::vector<Revision> pending_revisions(const std::vector<Revision>& revisions,
                                        const std::vector<AppliedRevision>& history) {
  std::set<Version> applied;
  for (const AppliedRevision& row : history) applied.insert(row.version);
  std::vector<Revision> pending;
  for (const Revision& revision : revisions) {
    if (applied.count(revision.version) == 0) pending.push_back(revision);
  }
  return pending;
}

std::vector<Revision> make_up_plan(std::string_view service, const std::vector<Revision>& revisions,
                                   const std::vector<AppliedRevision>& history, const UpTarget& target) {
  if (target.to && index_by_version(revisions).count(*target.to) == 0) {
    throw UsageError("service " + quoted(service) + " has no revision " + format_version(*target.to));
  }
  const Version head = history.empty() ? 0 : history.back().version;
  std::vector<Revision> plan;
  for (Revision& revision : pending_revisions(revisions, history)) {
    if (revision.version < head && !target.allow_out_of_order) {
      throw BlockedError("service " + quoted(service) + ": revision " + revision.label() +
                         " is out of order: it is pending but " + format_version(head) +
                         " is already applied (apply it with --allow-out-of-order, or renumber it)");
    }
    if (target.to && revision.version > *target.to) break;
    if (target.step && static_cast<int>(plan.size()) >= *target.step) break;
    plan.push_back(std::move(revision));
  }
  return plan;
}

std::vector<Revision> make_down_plan(std::string_view service, const std::vector<Revision>& revisions,
                                     const std::vector<AppliedRevision>& history,
                                     const DownTarget& target) {
  const auto index = index_by_version(revisions);
  std::vector<const AppliedRevision*> newest_first;
  for (auto it = history.rbegin(); it != history.rend(); ++it) newest_first.push_back(&*it);

  std::size_t count = newest_first.size();
  if (target.mode == DownTarget::Mode::step) {
    if (target.step > static_cast<int>(newest_first.size())) {
      throw UsageError("service " + quoted(service) + " has " + std::to_string(newest_first.size()) +
                       " applied revision(s); cannot roll back " + std::to_string(target.step));
    }
    count = static_cast<std::size_t>(target.step);
  } else if (target.mode == DownTarget::Mode::to) {
    const bool known = target.to == 0 || index.count(target.to) > 0 ||
                       std::any_of(history.begin(), history.end(),
                                   [&](const AppliedRevision& row) { return row.version == target.to; });
    if (!known) {
      throw UsageError("service " + quoted(service) + " has no revision " + format_version(target.to));
    }
    count = static_cast<std::size_t>(
        std::count_if(history.begin(), history.end(),
                      [&](const AppliedRevision& row) { return row.version > target.to; }));
  }

  std::vector<Revision> plan;
  for (std::size_t i = 0; i < count; ++i) {
    const AppliedRevision& applied = *newest_first[i];
    const auto it = index.find(applied.version);
    const std::string label = format_version(applied.version) + "_" + applied.name;
    if (it == index.end()) {
      throw UsageError("service " + quoted(service) + ": cannot roll back " + label +
                       ": its files are gone from the migrations folder");
    }
    if (!it->second->down) {
      throw UsageError("service " + quoted(service) + ": revision " + label +
                       " is irreversible (it has no .down.sql); nothing was rolled back");
    }
    plan.push_back(*it->second);
  }
  return plan;
}

}  // namespace migrate::plan
