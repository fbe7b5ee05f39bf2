// What stamp and repair change in the history, decided from values alone (STYLE rule 4):
// the run layer takes the lock, reads the history, asks these, and writes the answer.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::plan {

/// What stamp writes so that the history says "every revision up to the target is
/// applied" (nullopt: base, nothing applied).
struct StampChanges {
  std::vector<const Revision*> record;  ///< revisions to record as applied: missing, or dirty, at or below the target
  std::vector<Version> remove;          ///< rows to delete first: above the target, and dirty rows
  std::vector<Version> unapplied;       ///< of `remove`, those above the target (a dirty row at or below it is re-recorded)
};

/// Throws UsageError when target names no revision of the service (0 with no revision 0
/// is base, as it always was).
void check_stamp_target(std::string_view service, const std::vector<Revision>& revisions,
                        std::optional<Version> target);

/// The changes stamp makes; revisions ascending, history as read under the lock.
StampChanges make_stamp_changes(const std::vector<Revision>& revisions, const std::vector<AppliedRevision>& history,
                                std::optional<Version> target);

/// One row repair rewrites from its file.
struct RepairChange {
  const Revision* revision = nullptr;  ///< the file it is re-recorded from
  bool was_dirty = false;              ///< its dirty flag is cleared
  bool rerecorded = false;             ///< its checksum, name or kind differ from the file's
};

/// What repair rewrites: every recorded revision whose file exists and whose row is dirty
/// or differs from the file (name, kind, checksum); recorded revisions with no file are
/// listed in `missing` and left alone.
struct RepairChanges {
  std::vector<RepairChange> changes;
  std::vector<Version> missing;
};
RepairChanges make_repair_changes(const std::vector<Revision>& revisions, const std::vector<AppliedRevision>& history);

/// How many quick revisions go to the driver together. A batch starts at one revision and
/// doubles while batches finish within half the target time, halves when one takes longer
/// than it, so a slow revision mostly runs alone and progress stays close to live, while
/// a run of quick ones shares round trips, the audit log's fsync and the lock's heartbeat.
class BatchSizer {
 public:
  static constexpr std::size_t k_max_revisions = 256;
  static constexpr std::size_t k_max_bytes = std::size_t{1} << 20;
  static constexpr std::chrono::milliseconds k_target_time{100};

  /// How many revisions the next batch may hold.
  std::size_t limit() const { return m_limit; }
  /// Whether a batch that holds `count` revisions and `bytes` bytes of SQL may take one
  /// more of `next_bytes`: within limit(), and within k_max_bytes unless it is the first.
  bool may_add(std::size_t count, std::size_t bytes, std::size_t next_bytes) const;
  /// A batch finished in `took`.
  void finished(std::chrono::milliseconds took);
  /// The server refused a whole batch for the syntax of its revision at `runnable`
  /// (0-based): the next batch ends before it.
  void refused_at(std::size_t runnable) { m_limit = runnable > 0 ? runnable : 1; }

 private:
  std::size_t m_limit = 1;
};

}  // namespace migrate::plan
