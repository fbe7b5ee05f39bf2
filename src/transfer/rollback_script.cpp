// The rollback journal in the target and the script written from it; see rollback_script.hpp.
#include "migrate/transfer/rollback_script.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "migrate/util/error.hpp"

namespace migrate::transfer {

namespace fs = std::filesystem;

namespace {

std::string key_match(db::DataConnection& target, const TableMapping& table, const std::string& left,
                      const std::string& right) {
  std::string out;
  for (const std::string& key : table.target_key) {
    const std::string name = target.quote_name(key);
    out += (out.empty() ? "" : " AND ") + left + "." + name + " = " + right + "." + name;
  }
  return out;
}

// A file written through a descriptor, flushed before it is renamed into place.
class ScriptFile {
 public:
  explicit ScriptFile(fs::path path) : m_path(std::move(path)), m_temp(m_path.string() + ".partial") {
    fs::create_directories(m_path.parent_path());
    m_fd = ::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (m_fd < 0) fail("create");
  }
  ~ScriptFile() {
    if (m_fd >= 0) {
      ::close(m_fd);
      ::unlink(m_temp.c_str());
    }
  }
  ScriptFile(const ScriptFile&) = delete;
  ScriptFile& operator=(const ScriptFile&) = delete;

  void write(const std::string& text) {
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
      const ssize_t written = ::write(m_fd, data, left);
      if (written < 0) {
        if (errno == EINTR) continue;
        fail("write");
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }

  void commit() {
    if (::fsync(m_fd) != 0) fail("flush");
    ::close(m_fd);
    m_fd = -1;
    fs::rename(m_temp, m_path);
  }

 private:
  [[noreturn]] void fail(const char* doing) {
    throw Error(ExitCode::failed, std::string("cannot ") + doing + " the rollback script " + m_temp.string() + ": " +
                                      std::strerror(errno));
  }

  fs::path m_path;
  fs::path m_temp;
  int m_fd = -1;
};

}  // namespace

std::string RollbackJournal::record(db::DataConnection& target, const std::string& statement) const {
  return "INSERT INTO migrate_transfer_undo (run_id, statement) VALUES (" + std::to_string(m_run) + ", " +
         target.quote(statement) + ");";
}

std::string RollbackJournal::inserted(db::DataConnection& target, const TableMapping& table,
                                      const std::string& keys_json) const {
  const std::string name = target.quote_name(table.target);
  return record(target, "DELETE FROM " + name + " t USING pg_catalog.json_populate_recordset(NULL::" + name + ", " +
                            target.quote(keys_json) + ") r WHERE " + key_match(target, table, "t", "r") + ";");
}

std::string RollbackJournal::emptied(db::DataConnection& target, const TableMapping& table) const {
  return record(target, "DELETE FROM " + target.quote_name(table.target) + ";  -- empty before the run, and without a key");
}

std::string RollbackJournal::updated(db::DataConnection& target, const TableMapping& table,
                                     const std::string& rows_json) const {
  const std::string name = target.quote_name(table.target);
  std::string columns;
  std::string values;
  for (const ColumnMapping& column : table.columns) {
    if (std::find(table.target_key.begin(), table.target_key.end(), column.target) != table.target_key.end()) continue;
    columns += (columns.empty() ? "" : ", ") + target.quote_name(column.target);
    values += (values.empty() ? "" : ", ") + std::string("r.") + target.quote_name(column.target);
  }
  if (columns.empty()) return {};
  return record(target, "UPDATE " + name + " t SET (" + columns + ") = ROW(" + values +
                            ") FROM pg_catalog.json_populate_recordset(NULL::" + name + ", " + target.quote(rows_json) +
                            ") r WHERE " + key_match(target, table, "t", "r") + ";");
}

std::string RollbackJournal::note(db::DataConnection& target, const std::string& text) const {
  std::string line = "-- ";
  for (char c : text) line += c == '\n' ? ' ' : c;
  return record(target, line);
}

bool write_rollback_script(db::DataConnection& target, std::int64_t run_id, const fs::path& script) {
  const std::string run = std::to_string(run_id);
  if (target.query("SELECT 1 FROM migrate_transfer_undo WHERE run_id = " + run + " LIMIT 1").empty()) return false;
  ScriptFile file(script);
  file.write("-- Undoes migrate transfer run " + run +
             ": deletes the rows it inserted and restores the rows it updated,\n"
             "-- newest chunk first. Run it with psql -v ON_ERROR_STOP=1 -f <this file>.\nBEGIN;\n");
  auto cursor = target.scan({"migrate_transfer_undo", {"statement"}, "seq DESC", "run_id = " + run, 0});
  db::Row row;
  std::string buffer;
  while (cursor->next(row)) {
    buffer += row[0].text;
    buffer += '\n';
    if (buffer.size() >= (1 << 20)) {
      file.write(buffer);
      buffer.clear();
    }
  }
  cursor.reset();
  file.write(buffer + "COMMIT;\n");
  file.commit();
  target.execute("DELETE FROM migrate_transfer_undo WHERE run_id = " + run);
  return true;
}

fs::path rollback_script_path(const fs::path& folder, const std::string& name, const std::string& started_at,
                              std::int64_t run_id) {
  std::string stamp;
  for (char c : started_at) {
    if (c != '-' && c != ':') stamp += c;
  }
  char id[24];
  std::snprintf(id, sizeof id, "%06lld", static_cast<long long>(run_id));  // names sort in run order
  return folder / ("transfer-" + name + "-" + stamp + "-run" + id + "-rollback.sql");
}

}  // namespace migrate::transfer
