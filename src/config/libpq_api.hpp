// libpq's connection-string parser, loaded the first time a PostgreSQL URL is read: a
// process that only sees SQLite never loads libpq and the libraries it pulls in.
#pragma once

#include <libpq-fe.h>

namespace migrate::config {

/// The few libpq functions config/ calls.
struct LibpqApi {
  decltype(&PQconninfoParse) conninfo_parse;
  decltype(&PQconndefaults) conndefaults;
  decltype(&PQconninfoFree) conninfo_free;
  decltype(&PQfreemem) freemem;
};

/// libpq (libpq.so.5), loaded once; throws UsageError naming the library when it cannot be.
const LibpqApi& libpq();

}  // namespace migrate::config
