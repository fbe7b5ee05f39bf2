// The SQL around a transfer's loads into the target, shared by copied and derived tables:
// where rows are copied (the table or an upsert's staging table), the merge of staged
// rows, their undo for the rollback script, sequences moved past the rows, and foreign
// keys set aside on an empty table. Internal to the transfer layer.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"
#include "migrate/transfer/rollback_script.hpp"

namespace migrate::transfer {

// COPY data is sent in pieces of this size: small enough that the server parses the first
// rows of a chunk while the next are read, large enough to cost few system calls.
constexpr std::size_t k_send_bytes = 32 * 1024;
constexpr const char* k_stage = "migrate_stage";

/// The target columns of table, quoted and comma-separated.
std::string column_list(db::DataConnection& target, const TableMapping& table);

/// Where rows are copied: the target itself, or (for upserts) a staging table, made once
/// per table and connection (staging_ready remembers).
std::string copy_destination(db::DataConnection& target, const TableMapping& table, bool& staging_ready);

/// Moves the staged rows into the target, INSERT … ON CONFLICT; returns the rows written.
std::int64_t merge_stage(db::DataConnection& target, const TableMapping& table);

/// The undo of staged rows, read before the merge: the keys it will insert, and the
/// present values of the rows it will update.
std::string journal_upsert(db::DataConnection& target, const TableMapping& table, const RollbackJournal& journal);

/// Whether plain inserts into table record the keys they insert, for the rollback script
/// (a journal is kept, the table inserts without upsert, and the key is fed in full).
bool records_inserted_keys(const TableMapping& table, const RollbackJournal* journal);

/// The undo of a keyless table, recorded before its first rows: empty it again when it was
/// empty, else a note that the rows cannot be told apart. Empty without a journal or a key.
std::string journal_keyless(db::DataConnection& target, const TableMapping& table, const RollbackJournal* journal);

/// Appends row's key as the target has it (target column -> converted text) to keys.
void append_key(nlohmann::json& keys, const db::Row& row, const TableMapping& table);

/// Sets the target's sequences past the rows copied.
void advance_sequences(db::DataConnection& target, const TableMapping& table);

/// On an empty table, drops its foreign keys and returns the statements adding them back.
std::string set_aside_foreign_keys(db::DataConnection& target, const TableMapping& table);

}  // namespace migrate::transfer
