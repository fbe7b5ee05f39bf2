// stamp and repair: the history rewritten under the lock, each change audited.
#include "migrate/orchestrate/history_edit.hpp"

#include <optional>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::orchestrate {

Version parse_version(const std::string& text, const std::string& option) {
  const std::string_view digits = util::trim(text);
  bool valid = !digits.empty() && digits.size() <= 18;
  Version version = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') valid = false;
    else version = version * 10 + (c - '0');
  }
  if (!valid) throw UsageError(option + " expects a revision number such as 0006, not '" + text + "'");
  return version;
}

int parse_step(int step) {
  if (step < 1) throw UsageError("--step must be a positive number of revisions, not " + std::to_string(step));
  return step;
}

namespace {

// "+3" or "-3" with the given sign: the count; nullopt otherwise.
std::optional<int> signed_count(const std::string& text, char sign) {
  if (text.size() < 2 || text.size() > 10 || text[0] != sign) return std::nullopt;
  if (text.find_first_not_of("0123456789", 1) != std::string::npos) return std::nullopt;
  return std::stoi(text.substr(1));
}

}  // namespace

RelativeTarget parse_target(const std::string& text, bool upward) {
  const std::string forms = upward ? "head, +N or a version" : "base, -N or a version";
  RelativeTarget target;
  if (upward && text == "head") return target;
  if (!upward && text == "base") {
    target.kind = RelativeTarget::Kind::base;
    return target;
  }
  if (const std::optional<int> count = signed_count(text, upward ? '+' : '-')) {
    if (*count < 1) throw UsageError("'" + text + "' moves no revision: use " + forms);
    target.kind = RelativeTarget::Kind::steps;
    target.steps = *count;
    return target;
  }
  if (text == "head" || text == "base" || signed_count(text, upward ? '-' : '+')) {
    throw UsageError(std::string(upward ? "up" : "down") + " cannot go to '" + text + "'" +
                     (upward ? ": use `migrate down` to roll back" : ": use `migrate up` to apply") + " (" +
                     (upward ? "up" : "down") + " takes " + forms + ")");
  }
  target.kind = RelativeTarget::Kind::version;
  target.version = parse_version(text, std::string(upward ? "up" : "down") + "'s target (" + forms + ")");
  return target;
}

bool looks_like_target(const std::string& text) {
  return text == "head" || text == "base" || signed_count(text, '+') || signed_count(text, '-') ||
         (!text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos);
}

std::string sole_service(const config::Manifest& manifest, const std::string& given, const std::string& what) {
  if (!given.empty()) return given;
  if (manifest.services.size() == 1) return manifest.services.front().name;
  std::string names;
  for (const config::ServiceConfig& service : manifest.services) names += (names.empty() ? "" : ", ") + service.name;
  throw UsageError(what + " needs a service when the manifest has several: one of " + names);
}

StampReport stamp(Operation& operation, const StampRequest& request) {
  const config::ServiceConfig& service = *operation.select(request.service).front();
  return operation.audited([&] {
    const ServiceRevisions& revisions = operation.project().revisions(service);
    StampReport report{service.name, std::nullopt, {}};
    if (request.target == "head") {
      if (!revisions.revisions.empty()) report.target = revisions.revisions.back().version;
    } else if (request.target != "base") {
      report.target = parse_version(request.target, "version");
    }
    // nullopt is base: nothing applied (a revision numbered 0 is a version like any other).
    report.changes = run::run_stamp(operation.project().driver(service), revisions, report.target,
                                    operation.settings(), operation.observer());
    audit::AuditEvent event;
    event.event = "stamp";
    event.service = service.name;
    event.version = report.target;
    event.detail = std::to_string(report.changes.recorded.size()) + " marked applied, " +
                   std::to_string(report.changes.removed.size()) + " marked unapplied";
    operation.record(event);
    return report;
  });
}

std::string describe(const run::RepairResult::Change& change) {
  if (change.was_dirty && change.rerecorded) return "dirty flag cleared, checksum re-recorded";
  return change.was_dirty ? "dirty flag cleared" : "checksum re-recorded";
}

RepairReport repair(Operation& operation, const std::string& name) {
  const config::ServiceConfig& service = *operation.select(name).front();
  return operation.audited([&] {
    RepairReport report{service.name,
                        run::run_repair(operation.project().driver(service), operation.project().revisions(service),
                                        operation.settings(), operation.observer())};
    for (const run::RepairResult::Change& change : report.result.changes) {
      audit::AuditEvent event;
      event.event = "repair";
      event.service = service.name;
      event.version = change.version;
      event.detail = describe(change);
      operation.record(event);
    }
    return report;
  });
}

}  // namespace migrate::orchestrate
