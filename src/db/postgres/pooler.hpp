// Whether a transaction pooler (PgBouncer in transaction mode, Neon's `-pooler`
// endpoints, pgcat, Supavisor) stands between the runner and the server, internal to db/.
#pragma once

#include "migrate/config/database_url.hpp"

namespace migrate::db {

/// The service's `pooled` setting when it has one. Otherwise detected: a pooler hands each
/// client its own cancel key, so the backend pid libpq was told at connection start
/// (`client_pid`) is not the pid of the server session that answers (`server_pid`); a
/// host whose first label ends in `-pooler` is one too. A detected pooler is logged once,
/// with a hint to run migrations over the direct URL.
bool detect_pooler(const config::DatabaseUrl& url, int client_pid, int server_pid);

}  // namespace migrate::db
