// The rollback journal and script of a transfer run; see rollback_script.hpp.
#include "migrate/transfer/rollback_script.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::transfer {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_block = 1 << 20;
constexpr const char* k_journal_suffix = ".journal";

[[noreturn]] void fail(const std::string& doing, const fs::path& path) {
  throw Error(ExitCode::failed, "cannot " + doing + " the rollback journal " + path.string() + ": " + std::strerror(errno));
}

std::string key_match(db::DataConnection& target, const TableMapping& table, const std::string& left,
                      const std::string& right) {
  std::string out;
  for (const std::string& key : table.target_key) {
    const std::string name = target.quote_name(key);
    out += (out.empty() ? "" : " AND ") + left + "." + name + " = " + right + "." + name;
  }
  return out;
}

// Writes the journal's lines in reverse order between BEGIN and COMMIT, reading it from
// the end a block at a time so that memory stays flat whatever its size.
void write_reversed(const fs::path& journal, const fs::path& script) {
  std::ifstream in(journal, std::ios::binary);
  if (!in) fail("read", journal);
  in.seekg(0, std::ios::end);
  std::int64_t position = static_cast<std::int64_t>(in.tellg());
  const fs::path temp = script.string() + ".partial";
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  out << "-- Undoes a migrate transfer run: deletes the rows it inserted and restores the rows it updated,\n"
         "-- newest chunk first. Run it with psql -v ON_ERROR_STOP=1 -f <this file>.\n"
         "BEGIN;\n";
  std::string carry;  // the start of a line whose end was in the block read before
  std::string block;
  while (position > 0) {
    const std::int64_t size = std::min<std::int64_t>(position, k_block);
    position -= size;
    block.resize(static_cast<std::size_t>(size));
    in.seekg(position);
    in.read(block.data(), size);
    block += carry;
    std::size_t end = block.size();
    if (end > 0 && block[end - 1] == '\n') --end;
    while (true) {
      const std::size_t start = block.rfind('\n', end == 0 ? 0 : end - 1);
      if (start == std::string::npos || end == 0) break;
      out.write(block.data() + start + 1, static_cast<std::streamsize>(end - start - 1));
      out << '\n';
      end = start;
    }
    carry = block.substr(0, end);
  }
  if (!carry.empty()) out << carry << '\n';
  out << "COMMIT;\n";
  out.close();
  if (!out) fail("write", temp);
  fs::rename(temp, script);
}

}  // namespace

RollbackJournal::RollbackJournal(fs::path script) : m_script(std::move(script)) {
  m_journal = m_script.string() + k_journal_suffix;
  fs::create_directories(m_script.parent_path());
  m_fd = ::open(m_journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (m_fd < 0) fail("create", m_journal);
}

RollbackJournal::~RollbackJournal() {
  if (m_fd >= 0) ::close(m_fd);
}

void RollbackJournal::append(const std::string& line) {
  std::lock_guard<std::mutex> guard(m_mutex);
  std::string text = line + "\n";
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t written = ::write(m_fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("write", m_journal);
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  m_dirty = true;
}

void RollbackJournal::inserted(db::DataConnection& target, const TableMapping& table, const std::string& keys_json) {
  const std::string name = target.quote_name(table.target);
  append("DELETE FROM " + name + " t USING pg_catalog.json_populate_recordset(NULL::" + name + ", " +
         target.quote(keys_json) + ") r WHERE " + key_match(target, table, "t", "r") + ";");
}

void RollbackJournal::emptied(db::DataConnection& target, const TableMapping& table) {
  append("DELETE FROM " + target.quote_name(table.target) + ";  -- empty before the run, and without a key");
}

void RollbackJournal::updated(db::DataConnection& target, const TableMapping& table, const std::string& rows_json) {
  const std::string name = target.quote_name(table.target);
  std::string columns;
  std::string values;
  for (const ColumnMapping& column : table.columns) {
    if (std::find(table.target_key.begin(), table.target_key.end(), column.target) != table.target_key.end()) continue;
    columns += (columns.empty() ? "" : ", ") + target.quote_name(column.target);
    values += (values.empty() ? "" : ", ") + std::string("r.") + target.quote_name(column.target);
  }
  if (columns.empty()) return;
  append("UPDATE " + name + " t SET (" + columns + ") = ROW(" + values + ") FROM pg_catalog.json_populate_recordset(NULL::" +
         name + ", " + target.quote(rows_json) + ") r WHERE " + key_match(target, table, "t", "r") + ";");
}

void RollbackJournal::note(const std::string& text) { append("-- " + text); }

void RollbackJournal::sync() {
  std::lock_guard<std::mutex> guard(m_mutex);
  if (!m_dirty) return;
  if (::fdatasync(m_fd) != 0) fail("flush", m_journal);
  m_dirty = false;
}

fs::path RollbackJournal::finish() {
  sync();
  std::lock_guard<std::mutex> guard(m_mutex);
  ::close(m_fd);
  m_fd = -1;
  write_reversed(m_journal, m_script);
  fs::remove(m_journal);
  return m_script;
}

std::vector<fs::path> finish_left_journals(const fs::path& folder, const std::string& name) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return out;
  const std::string prefix = "transfer-" + name + "-";
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) != 0 || file.size() < std::strlen(k_journal_suffix) ||
        file.compare(file.size() - std::strlen(k_journal_suffix), std::string::npos, k_journal_suffix) != 0) {
      continue;
    }
    const fs::path script = entry.path().string().substr(0, entry.path().string().size() - std::strlen(k_journal_suffix));
    write_reversed(entry.path(), script);
    fs::remove(entry.path());
    out.push_back(script);
  }
  return out;
}

}  // namespace migrate::transfer
