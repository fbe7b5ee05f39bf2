// The SQLite connection's shared helpers, internal to db/: the transactions revisions and
// bookkeeping run in, foreign keys off around revisions, and interrupt translation.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace migrate::db {

// The least a statement waits for SQLite's write lock, whatever the lock wait: other
// runners polling try_lock hold it for moments.
constexpr std::chrono::milliseconds k_busy_timeout{5000};

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless committed.
// (SQLiteCpp 3.2.1's Transaction only issues a deferred BEGIN, which can deadlock two
// writers that both upgrade from a read; IMMEDIATE takes the write lock up front.)
class ImmediateTransaction {
 public:
  explicit ImmediateTransaction(SQLite::Database& db) : m_db(db) { m_db.exec("BEGIN IMMEDIATE"); }
  ~ImmediateTransaction() {
    if (m_open) {
      try {
        m_db.exec("ROLLBACK");
      } catch (const SQLite::Exception& e) {
        spdlog::debug("sqlite rollback: {}", e.what());
      }
    }
  }
  ImmediateTransaction(const ImmediateTransaction&) = delete;
  ImmediateTransaction& operator=(const ImmediateTransaction&) = delete;
  void commit() {
    m_db.exec("COMMIT");
    m_open = false;
  }

 private:
  SQLite::Database& m_db;
  bool m_open = true;
};

/// A statement stopped by our own interrupt handler: throws Interrupted.
void throw_if_interrupted(int error_code);

// PRAGMA foreign_keys is a no-op inside a transaction, and with it on, a revision that
// rebuilds a table (SQLite's 12-step procedure: create, copy, DROP TABLE, rename) deletes
// every referencing row through ON DELETE CASCADE. So revisions run with foreign keys off,
// set before BEGIN, and are checked with PRAGMA foreign_key_check before COMMIT. Off for
// this scope unless an enclosing one (a batch) turned them off already; on again after,
// on the failure path too (the transaction is rolled back first: it is the inner scope).
class ForeignKeysOff {
 public:
  ForeignKeysOff(SQLite::Database& db, bool& off) : m_db(db), m_off(off) {
    if (m_off) return;
    m_db.exec("PRAGMA foreign_keys = OFF");
    m_off = true;
    m_owner = true;
  }
  ~ForeignKeysOff() {
    if (!m_owner) return;
    m_off = false;
    try {
      m_db.exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      spdlog::warn("could not turn SQLite foreign keys back on: {}", e.what());
    }
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  SQLite::Database& m_db;
  bool& m_off;
  bool m_owner = false;
};

}  // namespace migrate::db
