// The JSON envelope and the text streams of every command.
#include "cli/output.hpp"

#include <spdlog/spdlog.h>

namespace migrate::cli {

Output::Output(bool json, bool quiet, bool asks, std::ostream& out, std::ostream& err)
    : m_json(json), m_quiet(quiet), m_asks(asks), m_out(out), m_err(err), m_null(nullptr) {}

std::ostream& Output::text() { return m_json || m_quiet ? m_null : m_out; }

std::ostream& Output::always() { return m_json ? m_null : m_out; }

std::ostream& Output::prompt() { return m_json ? m_err : m_out; }

std::ostream& Output::plan() {
  if (m_quiet || (m_json && !m_asks)) return m_null;
  return prompt();
}

void Output::print(const Json& document) {
  if (!m_json || m_emitted) return;
  m_emitted = true;
  // A message may quote a file name or a database error in another encoding: replace
  // invalid UTF-8 rather than throw from here.
  m_out << document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n" << std::flush;
}

int Output::success(const Json& data) {
  Json document{{"success", true}};
  for (const auto& [key, value] : data.items()) document[key] = value;
  print(document);
  return 0;
}

int Output::failure(const Failure& failure, const Json& data) {
  spdlog::error("{}", failure.message);
  Json extended = data;
  if (failure.interrupted()) {
    extended["interrupted"] = true;
    extended["signal"] = failure.signal;
  }
  return document(false, static_cast<int>(failure.code), failure.message, extended);
}

int Output::document(bool success, int code, const std::string& error, const Json& data) {
  Json document{{"success", success}};
  if (!success) {
    document["error"] = error;
    document["exit_code"] = code;
  }
  for (const auto& [key, value] : data.items()) document[key] = value;
  print(document);
  return code;
}

Json version_json(const std::optional<Version>& version) {
  return version ? Json(format_version(*version)) : Json(nullptr);
}

Json versions_json(const std::vector<Version>& versions) {
  Json list = Json::array();
  for (Version version : versions) list.push_back(format_version(version));
  return list;
}

namespace {

Json revision_ref(Version version, const std::string& name) {
  return {{"version", format_version(version)}, {"name", name}};
}

}  // namespace

Json run_report_json(const RunReport& report, const std::string& key) {
  Json services = Json::object();
  for (const ServiceReport& service : report.services) {
    Json versions = Json::array();
    Json committed = Json::array();
    for (const CommittedRevision& revision : service.committed) {
      versions.push_back(format_version(revision.version));
      Json entry = revision_ref(revision.version, revision.name);
      entry["duration_ms"] = revision.duration.count();
      committed.push_back(std::move(entry));
    }
    Json entry{{key, versions}, {"committed", committed}};
    if (service.failed) {
      Json failed = revision_ref(service.failed->version, service.failed->name);
      failed["error"] = service.error;
      entry["failed"] = failed;
    }
    Json not_attempted = Json::array();
    for (const RevisionRef& revision : service.not_attempted) {
      not_attempted.push_back(revision_ref(revision.version, revision.name));
    }
    entry["not_attempted"] = not_attempted;
    entry["database"] = service.database;
    services[service.service] = std::move(entry);
  }
  return services;
}

}  // namespace migrate::cli
