// Where a command's results go: with --json exactly one JSON document on stdout, in the
// envelope every command shares; otherwise text for people. Prompts and plans go to
// stderr under --json, so stdout stays one parsable document.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "migrate/model/run_report.hpp"

namespace migrate::cli {

using Json = nlohmann::ordered_json;

class Output {
 public:
  /// `asks`: a confirmation may be asked (a terminal and no --yes).
  Output(bool json, bool quiet, bool asks, std::ostream& out, std::ostream& err);

  bool json() const { return m_json; }

  /// Results for people: stdout, unless --json or --quiet (then nowhere).
  std::ostream& text();
  /// What must reach a person even with --quiet: stdout, or nowhere under --json.
  std::ostream& always();
  /// The question of a confirmation: stdout, or stderr under --json.
  std::ostream& prompt();
  /// The plan shown before a confirmation: stdout; under --json stderr, and only when a
  /// question follows; nowhere under --quiet.
  std::ostream& plan();

  /// {"success": true, …data}. Returns 0.
  int success(const Json& data = Json::object());
  /// {"success": false, "error": …, "exit_code": …, …data}; logs the error on stderr
  /// too. Returns the exit code.
  int failure(const Failure& failure, const Json& data = Json::object());
  /// A document whose "success" the command decides (status, verify); returns code.
  int document(bool success, int code, const std::string& error, const Json& data);

  /// Whether this command's document was printed.
  bool emitted() const { return m_emitted; }

 private:
  void print(const Json& document);

  bool m_json;
  bool m_quiet;
  bool m_asks;
  std::ostream& m_out;
  std::ostream& m_err;
  std::ostream m_null;
  bool m_emitted = false;
};

/// "0006", or null.
Json version_json(const std::optional<Version>& version);

/// ["0001", "0002"]: versions as a JSON list.
Json versions_json(const std::vector<Version>& versions);

/// A run report under "services": per service `committed` (version, name, duration_ms),
/// `failed` and `not_attempted`, plus `key` (e.g. "applied") listing the committed versions.
Json run_report_json(const RunReport& report, const std::string& key);

}  // namespace migrate::cli
