// The SQL around a transfer's loads into the target; see load_sql.hpp.
#include "transfer/load_sql.hpp"

#include <algorithm>

#include "migrate/transfer/convert.hpp"

namespace migrate::transfer {

std::string column_list(db::DataConnection& target, const TableMapping& table) {
  std::string out;
  for (const ColumnMapping& column : table.columns) out += (out.empty() ? "" : ", ") + target.quote_name(column.target);
  return out;
}

// Where a chunk's rows are copied: the target itself, or (for upserts) a staging table,
// made once per table and connection.
std::string copy_destination(db::DataConnection& target, const TableMapping& table, bool& staging_ready) {
  if (table.on_conflict == config::OnConflict::error) return target.quote_name(table.target);
  if (!staging_ready) {
    target.execute("DROP TABLE IF EXISTS pg_temp." + std::string(k_stage) + "; CREATE TEMP TABLE " + k_stage +
                   " (LIKE " + target.quote_name(table.target) + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    staging_ready = true;
  }
  return k_stage;
}

// Moves the staged rows into the target, INSERT … ON CONFLICT; returns the rows written.
std::int64_t merge_stage(db::DataConnection& target, const TableMapping& table) {
  const std::string columns = column_list(target, table);
  std::string keys;
  for (const std::string& key : table.target_key) keys += (keys.empty() ? "" : ", ") + target.quote_name(key);
  std::string updates;
  for (const ColumnMapping& column : table.columns) {
    if (std::find(table.target_key.begin(), table.target_key.end(), column.target) != table.target_key.end()) continue;
    const std::string name = target.quote_name(column.target);
    updates += (updates.empty() ? "" : ", ") + name + " = EXCLUDED." + name;
  }
  const std::string action = table.on_conflict == config::OnConflict::update && !updates.empty()
                                 ? "DO UPDATE SET " + updates
                                 : std::string("DO NOTHING");
  const auto result = target.query("WITH written AS (INSERT INTO " + target.quote_name(table.target) + " (" + columns +
                                   ") SELECT " + columns + " FROM " + k_stage + " ON CONFLICT (" + keys + ") " + action +
                                   " RETURNING 1) SELECT count(*) FROM written");
  target.execute("TRUNCATE " + std::string(k_stage));  // a dry run keeps one transaction: empty it by hand
  return std::stoll(result[0][0].text);
}

// The undo of an upsert chunk, read before the merge: the keys it will insert, and the
// present values of the rows it will update.
std::string journal_upsert(db::DataConnection& target, const TableMapping& table, const RollbackJournal& journal) {
  const std::string name = target.quote_name(table.target);
  std::string match;
  std::string key_object;
  for (const std::string& key : table.target_key) {
    const std::string quoted = target.quote_name(key);
    match += (match.empty() ? "" : " AND ") + std::string("t.") + quoted + " = s." + quoted;
    key_object += (key_object.empty() ? "" : ", ") + target.quote(key) + ", s." + quoted;
  }
  const auto inserted = target.query("SELECT json_agg(json_build_object(" + key_object + ")) FROM " + k_stage +
                                     " s WHERE NOT EXISTS (SELECT 1 FROM " + name + " t WHERE " + match + ")");
  std::string undo;
  if (inserted[0][0].kind != db::CellKind::null) undo += journal.inserted(target, table, inserted[0][0].text);
  if (table.on_conflict != config::OnConflict::update) return undo;
  const auto updated = target.query("SELECT json_agg(row_to_json(t)) FROM " + name + " t JOIN " + k_stage + " s ON " + match);
  if (updated[0][0].kind != db::CellKind::null) undo += journal.updated(target, table, updated[0][0].text);
  return undo;
}

bool records_inserted_keys(const TableMapping& table, const RollbackJournal* journal) {
  return journal != nullptr && table.on_conflict == config::OnConflict::error && !table.target_key.empty() &&
         table.key_columns.size() == table.target_key.size();
}

std::string journal_keyless(db::DataConnection& target, const TableMapping& table, const RollbackJournal* journal) {
  if (journal == nullptr || !table.target_key.empty()) return {};
  if (target.query("SELECT 1 FROM " + target.quote_name(table.target) + " LIMIT 1").empty()) {
    return journal->emptied(target, table);
  }
  return journal->note(target, table.target + " held rows before the run and has no key: the rows the run added cannot "
                                              "be told apart from them; restore the backup taken before the run instead");
}

void append_key(nlohmann::json& keys, const db::Row& row, const TableMapping& table) {
  nlohmann::json key = nlohmann::json::object();
  for (int index : table.key_columns) {
    const ColumnMapping& column = table.columns[static_cast<std::size_t>(index)];
    const auto value = converted_text(row[static_cast<std::size_t>(column.source)], column);
    key[column.target] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  keys.push_back(std::move(key));
}

// Sets the target's sequences past the rows copied, so the application's next insert does
// not collide with them.
void advance_sequences(db::DataConnection& target, const TableMapping& table) {
  for (const ColumnMapping& column : table.columns) {
    if (!column.identity || column.source < 0) continue;
    const std::string name = target.quote_name(column.target);
    target.query("SELECT pg_catalog.setval(s, coalesce(m, 1), m IS NOT NULL) FROM (SELECT "
                 "pg_catalog.pg_get_serial_sequence(" + target.quote(target.quote_name(table.target)) + ", " +
                 target.quote(column.target) + ") AS s, (SELECT max(" + name + ") FROM " +
                 target.quote_name(table.target) + ") AS m) x WHERE s IS NOT NULL");
  }
}

// On an empty table, the table's foreign keys are set aside for the load and added back,
// validated in one pass, once every table of the run is copied: a row may come before its
// parent (a self reference, or a parent table copied by another job), and one check of
// the whole table is cheaper than one per row. The statements that add them back are kept
// in the checkpoint, so a run killed meanwhile adds them on its rerun.
std::string set_aside_foreign_keys(db::DataConnection& target, const TableMapping& table) {
  const std::string name = target.quote_name(table.target);
  if (!target.query("SELECT 1 FROM " + name + " LIMIT 1").empty()) return {};
  std::string restore;
  for (const db::Row& row : target.query(
           "SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint "
           "WHERE contype = 'f' AND conrelid = pg_catalog.to_regclass(" + target.quote(name) + ") ORDER BY conname")) {
    target.execute("ALTER TABLE " + name + " DROP CONSTRAINT " + target.quote_name(row[0].text));
    restore += "ALTER TABLE " + name + " ADD CONSTRAINT " + target.quote_name(row[0].text) + " " + row[1].text + ";";
  }
  return restore;
}

}  // namespace migrate::transfer
