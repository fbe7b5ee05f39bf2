// Up/down planning and drift detection over plain values.
#include "migrate/plan/plan.hpp"

#include <algorithm>
#include <utility>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::plan {

namespace {

// The revisions by version: a sorted vector, not a map, so that looking thousands of
// revisions up costs one allocation.
class VersionIndex {
 public:
  explicit VersionIndex(const std::vector<Revision>& revisions) {
    m_entries.reserve(revisions.size());
    for (const Revision& revision : revisions) m_entries.emplace_back(revision.version, &revision);
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const Entry& a, const Entry& b) { return a.first < b.first; });
  }
  /// The first revision numbered version, or nullptr.
  const Revision* find(Version version) const {
    const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), version,
                                     [](const Entry& entry, Version v) { return entry.first < v; });
    return it != m_entries.end() && it->first == version ? it->second : nullptr;
  }

 private:
  using Entry = std::pair<Version, const Revision*>;
  std::vector<Entry> m_entries;
};

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
  const VersionIndex index(revisions);
  std::vector<Drift> drift;
  for (const AppliedRevision& applied : history) {
    const Revision* revision = index.find(applied.version);
    if (revision == nullptr) {
      drift.push_back({Drift::Kind::missing_file, applied.version, applied.name, "", applied.checksum, ""});
    } else if (revision->checksum != applied.checksum) {
      drift.push_back({Drift::Kind::checksum_mismatch, applied.version, applied.name,
                       revision->up.path.string(), applied.checksum, revision->checksum});
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

std::vector<const Revision*> pending_revisions(const std::vector<Revision>& revisions,
                                              const std::vector<AppliedRevision>& history) {
  std::vector<Version> applied;
  applied.reserve(history.size());
  for (const AppliedRevision& row : history) applied.push_back(row.version);
  std::sort(applied.begin(), applied.end());
  std::vector<const Revision*> pending;
  for (const Revision& revision : revisions) {
    if (!std::binary_search(applied.begin(), applied.end(), revision.version)) pending.push_back(&revision);
  }
  return pending;
}

std::vector<const Revision*> make_up_plan(std::string_view service, const std::vector<Revision>& revisions,
                                         const std::vector<AppliedRevision>& history, const UpTarget& target) {
  if (target.to && VersionIndex(revisions).find(*target.to) == nullptr) {
    throw UsageError("service " + quoted(service) + " has no revision " + format_version(*target.to));
  }
  const Version head = history.empty() ? 0 : history.back().version;
  std::vector<const Revision*> plan = pending_revisions(revisions, history);
  std::size_t kept = 0;
  for (const Revision* revision : plan) {
    if (revision->version < head && !target.allow_out_of_order) {
      throw BlockedError("service " + quoted(service) + ": revision " + revision->label() +
                         " is out of order: it is pending but " + format_version(head) +
                         " is already applied (apply it with --allow-out-of-order, or renumber it)");
    }
    if (target.to && revision->version > *target.to) break;
    if (target.step && static_cast<int>(kept) >= *target.step) break;
    ++kept;
  }
  plan.resize(kept);
  return plan;
}

std::vector<const Revision*> make_down_plan(std::string_view service, const std::vector<Revision>& revisions,
                                           const std::vector<AppliedRevision>& history,
                                           const DownTarget& target) {
  const VersionIndex index(revisions);
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
    const bool known = target.to == 0 || index.find(target.to) != nullptr ||
                       std::any_of(history.begin(), history.end(),
                                   [&](const AppliedRevision& row) { return row.version == target.to; });
    if (!known) {
      throw UsageError("service " + quoted(service) + " has no revision " + format_version(target.to));
    }
    count = static_cast<std::size_t>(
        std::count_if(history.begin(), history.end(),
                      [&](const AppliedRevision& row) { return row.version > target.to; }));
  }

  std::vector<const Revision*> plan;
  for (std::size_t i = 0; i < count; ++i) {
    const AppliedRevision& applied = *newest_first[i];
    const Revision* revision = index.find(applied.version);
    const std::string label = format_version(applied.version) + "_" + applied.name;
    if (revision == nullptr) {
      throw UsageError("service " + quoted(service) + ": cannot roll back " + label +
                       ": its files are gone from the migrations folder");
    }
    if (!revision->down) {
      throw UsageError("service " + quoted(service) + ": revision " + label +
                       " is irreversible (it has no .down.sql); nothing was rolled back");
    }
    plan.push_back(revision);
  }
  return plan;
}

}  // namespace migrate::plan
