// stamp's and repair's history changes, and batch sizing: plain decisions over values.
#include "migrate/plan/history_changes.hpp"

#include <algorithm>
#include <string>

#include "migrate/util/error.hpp"

namespace migrate::plan {

namespace {

const AppliedRevision* find_row(const std::vector<AppliedRevision>& history, Version version) {
  const auto row = std::find_if(history.begin(), history.end(),
                                [&](const AppliedRevision& r) { return r.version == version; });
  return row == history.end() ? nullptr : &*row;
}

}  // namespace

void check_stamp_target(std::string_view service, const std::vector<Revision>& revisions,
                        std::optional<Version> target) {
  if (!target || *target == 0) return;
  const bool exists = std::any_of(revisions.begin(), revisions.end(),
                                  [&](const Revision& r) { return r.version == *target; });
  if (!exists) throw UsageError("service '" + std::string(service) + "' has no revision " + format_version(*target));
}

StampChanges make_stamp_changes(const std::vector<Revision>& revisions, const std::vector<AppliedRevision>& history,
                                std::optional<Version> target) {
  const Version ceiling = target ? *target : -1;  // below every version: nothing at or under it
  StampChanges changes;
  for (const AppliedRevision& row : history) {
    if (row.version > ceiling || row.dirty) changes.remove.push_back(row.version);
    if (row.version > ceiling) changes.unapplied.push_back(row.version);
  }
  for (const Revision& revision : revisions) {
    if (revision.version > ceiling) break;
    const AppliedRevision* row = find_row(history, revision.version);
    if (row == nullptr || row->dirty) changes.record.push_back(&revision);
  }
  return changes;
}

RepairChanges make_repair_changes(const std::vector<Revision>& revisions, const std::vector<AppliedRevision>& history) {
  RepairChanges result;
  for (const AppliedRevision& row : history) {
    const auto on_disk = std::find_if(revisions.begin(), revisions.end(),
                                      [&](const Revision& r) { return r.version == row.version; });
    if (on_disk == revisions.end()) {
      result.missing.push_back(row.version);
      continue;
    }
    const bool differs =
        row.checksum != on_disk->checksum || row.name != on_disk->name || row.kind != to_string(on_disk->kind);
    if (!row.dirty && !differs) continue;
    result.changes.push_back({&*on_disk, row.dirty, differs});
  }
  return result;
}

bool BatchSizer::may_add(std::size_t count, std::size_t bytes, std::size_t next_bytes) const {
  if (count >= m_limit) return false;
  return count == 0 || bytes + next_bytes <= k_max_bytes;
}

void BatchSizer::finished(std::chrono::milliseconds took) {
  if (took < k_target_time / 2) {
    m_limit = std::min(m_limit * 2, k_max_revisions);
  } else if (took > k_target_time) {
    m_limit = std::max<std::size_t>(m_limit / 2, 1);
  }
}

}  // namespace migrate::plan
