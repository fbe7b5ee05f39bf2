// import-kv: a raw_<name> table filled from an export in one pass. Duplicate keys are found
// per batch (within it, then against the rows already inserted) rather than with a set of
// every key, so that memory does not grow with the file.
#include "migrate/orchestrate/kv_import.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <regex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::orchestrate {

namespace {

constexpr std::size_t k_batch_rows = 500;

std::string rows_text(std::int64_t rows) { return std::to_string(rows) + (rows == 1 ? " row" : " rows"); }

// The key as a JSON string, so that quotes and control characters cannot garble a message.
std::string quoted_key(const std::string& key) { return nlohmann::json(key).dump(); }

// Creates the table, or empties it for --replace; refuses to add to rows already there.
void prepare_table(step::Session& session, const std::string& table, bool replace) {
  const std::string quoted = step::quote_identifier(table);
  if (!session.table_exists(table)) {
    const char* value_type = session.dialect() == Dialect::postgres ? "JSONB" : "TEXT";
    session.execute("CREATE TABLE " + quoted + " (key TEXT PRIMARY KEY, value " + value_type + " NOT NULL)");
    return;
  }
  const std::int64_t rows = session.query_one("SELECT count(*) FROM " + quoted)->integer(0);
  if (rows == 0) return;
  if (!replace) throw UsageError(table + " already holds " + rows_text(rows) + "; pass --replace");
  session.execute("DELETE FROM " + quoted);
}

// Collects pairs into batches, checks each batch for keys seen before, then inserts it.
class StagedInsert {
 public:
  StagedInsert(step::Session& session, std::string table, std::string file)
      : m_session(session),
        m_table(std::move(table)),
        m_file(std::move(file)),
        m_inserter(session, m_table, {"key", "value"}, k_batch_rows) {
    m_batch.reserve(k_batch_rows);
  }

  void add(const source::KvPair& pair) {
    const auto [first, inserted] = m_places.emplace(pair.key, pair.where);
    if (!inserted) duplicate(pair, " (first at " + first->second + ")");
    m_batch.push_back(pair);
    if (m_batch.size() == k_batch_rows) flush();
  }

  std::int64_t finish() {
    flush();
    return m_inserter.finish();
  }

 private:
  [[noreturn]] void duplicate(const source::KvPair& pair, const std::string& first) const {
    throw UsageError(m_file + ": " + pair.where + ": duplicate key " + quoted_key(pair.key) + first);
  }

  void flush() {
    if (m_batch.empty()) return;
    // Keys of earlier batches are in the table by now; one indexed look-up per batch.
    std::string sql = "SELECT key FROM " + step::quote_identifier(m_table) + " WHERE key IN (";
    std::vector<step::Value> keys;
    keys.reserve(m_batch.size());
    for (const source::KvPair& pair : m_batch) {
      sql += (keys.empty() ? "$" : ", $") + std::to_string(keys.size() + 1);
      keys.emplace_back(pair.key);
    }
    const std::vector<step::Row> seen = m_session.query(sql + ")", keys);
    if (!seen.empty()) {
      const std::string& key = seen.front().text(0);
      for (const source::KvPair& pair : m_batch) {
        if (pair.key == key) duplicate(pair, " (it appears earlier in the file)");
      }
    }
    for (source::KvPair& pair : m_batch) m_inserter.add({std::move(pair.key), std::move(pair.value)});
    m_batch.clear();
    m_places.clear();
  }

  step::Session& m_session;
  std::string m_table;
  std::string m_file;
  step::BatchInserter m_inserter;
  std::vector<source::KvPair> m_batch;
  std::unordered_map<std::string, std::string> m_places;  ///< key → where, this batch only
};

}  // namespace

std::string raw_table_name(const std::string& name) {
  static const std::regex valid("[a-z][a-z0-9_]{0,50}");
  if (!std::regex_match(name, valid)) {
    throw UsageError("table name '" + name +
                     "' is not valid: use a lowercase letter then up to 50 lowercase letters, digits or '_'");
  }
  return "raw_" + name;
}

KvImportResult import_kv(step::Session& session, source::KvExportReader& reader, const std::string& name,
                         bool replace) {
  KvImportResult result;
  result.table = raw_table_name(name);
  prepare_table(session, result.table, replace);
  StagedInsert staged(session, result.table, reader.file().string());
  util::Sha256 digest;
  reader.for_each([&](const source::KvPair& pair) {
    digest.update(pair.key);
    digest.update("\t");
    digest.update(pair.value);
    digest.update("\n");
    staged.add(pair);
  });
  result.rows = staged.finish();
  result.sha256 = digest.hex_digest();
  return result;
}

KvImportResult import_kv(db::Driver& driver, source::KvExportReader& reader, const std::string& name,
                         bool replace) {
  raw_table_name(name);  // a bad name is refused before the database is touched
  KvImportResult result;
  driver.transact([&](step::Session& session) { result = import_kv(session, reader, name, replace); });
  return result;
}

}  // namespace migrate::orchestrate

namespace migrate::orchestrate {

KvImportResult import_kv_file(Operation& operation, const std::string& name, const std::string& table,
                              const std::string& file, bool replace) {
  const std::string raw = raw_table_name(table);
  const config::ServiceConfig& service = *operation.select(name).front();
  return operation.audited([&] {
    // An unreadable file stops the command before the database is touched.
    source::KvExportReader reader(file);
    spdlog::debug("reading {} as {}", file, source::to_string(reader.format()));
    db::Driver& driver = operation.project().driver(service);
    run::LockGuard lock(driver, operation.settings().lock, service.name, operation.observer());
    audit::AuditEvent event;
    event.event = "import";
    event.service = service.name;
    const auto started = std::chrono::steady_clock::now();
    KvImportResult result;
    try {
      result = import_kv(driver, reader, table, replace);
    } catch (const Error& e) {
      event.ok = false;
      event.detail = raw + " from " + file;
      event.error = e.what();
      operation.record(event);
      throw;
    }
    event.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    event.detail = result.table + ": " + std::to_string(result.rows) + " rows, sha256 " + result.sha256;
    operation.record(event);
    return result;
  });
}

}  // namespace migrate::orchestrate
