// The statement lexer on a no-transaction script of realistic statements: throughput in
// bytes per second, and statements per second.
#include <benchmark/benchmark.h>

#include <string>

#include "migrate/source/statement_lexer.hpp"

namespace {

// One block of what no-transaction revisions hold: DDL, strings of every kind, comments,
// a dollar-quoted function body, a BEGIN ATOMIC body.
std::string script_block(int i) {
  const std::string n = std::to_string(i);
  return "-- add the index without blocking writes\n"
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_" + n + "_name ON t_" + n + " (name);\n"
         "/* backfill /* nested */ in one go */\n"
         "UPDATE t_" + n + " SET payload = '{\"note\": \"it''s; fine\"}', label = E'tab\\t;\\n' WHERE \"odd;name\" IS NULL;\n"
         "CREATE FUNCTION f_" + n + "() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
         "BEGIN\n  NEW.updated_at := now(); -- keep it fresh; always\n  RETURN NEW;\nEND;\n$body$;\n"
         "CREATE FUNCTION g_" + n + "(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;\n"
         "ALTER TABLE t_" + n + " ADD COLUMN IF NOT EXISTS c_" + n + " integer;\n";
}

void BM_split_statements(benchmark::State& state) {
  std::string sql;
  for (int i = 0; sql.size() < static_cast<std::size_t>(state.range(0)); ++i) sql += script_block(i);
  std::size_t statements = 0;
  for (auto _ : state) {
    const auto pieces = migrate::source::split_statements(sql);
    statements += pieces.size();
    benchmark::DoNotOptimize(pieces.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sql.size()));
  state.counters["statements"] =
      benchmark::Counter(static_cast<double>(statements), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_split_statements)->Arg(4 << 10)->Arg(1 << 20);

}  // namespace
