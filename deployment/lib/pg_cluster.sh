#!/usr/bin/env bash
# Sourceable library: starts and stops a throwaway PostgreSQL 15 cluster for tests and benchmarks.
#
#   source deployment/lib/pg_cluster.sh
#   pg_cluster_start        # exports MIGRATE_TEST_PG_URL, PG_CLUSTER_DIR, PG_CLUSTER_PORT,
#                           #         PG_CLUSTER_PASSWORD, PG_BIN
#   trap pg_cluster_stop EXIT
#
# The cluster lives in a fresh temp dir (data/, server.log, the unix socket), listens on
# 127.0.0.1 only, on a free port, with superuser `postgres` and a random password
# (scram-sha-256 over TCP, trust on the socket). As root, the server runs as `nobody`
# because initdb and postgres refuse root. pg_cluster_stop stops only the cluster this
# shell started (the bookkeeping is kept in unexported variables), and is safe to call
# twice.
#
# Being sourced, this file leaves the caller's shell options alone (`set -euo pipefail`
# here would be imposed on the caller); each function checks its own steps instead, and
# works with or without errexit.

_PG_CLUSTER_BIN=/usr/lib/postgresql/15/bin
_PG_CLUSTER_SYSTEM_USER=migrate-pg

_pg_cluster_log() { printf 'pg_cluster: %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
_pg_cluster_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    _pg_cluster_log "need root to install PostgreSQL 15, and sudo is not installed"
    return 1
  fi
}

_pg_cluster_install() {
  [[ -x $_PG_CLUSTER_BIN/initdb && -x $_PG_CLUSTER_BIN/pg_isready ]] && return 0
  _pg_cluster_log "installing postgresql-15 postgresql-client-15"
  local log apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  log=$(mktemp "${TMPDIR:-/tmp}/migrate-apt.XXXXXX.log") || return 1
  if ! { _pg_cluster_as_root "${apt[@]}" update &&
         _pg_cluster_as_root "${apt[@]}" install -y --no-install-recommends \
           postgresql-15 postgresql-client-15; } >"$log" 2>&1; then
    _pg_cluster_log "apt-get failed; its output:"
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Prints the user the server runs as when we are root: nobody, or a dedicated system user
# where nobody cannot run commands.
_pg_cluster_pick_user() {
  if runuser -u nobody -- true 2>/dev/null; then
    echo nobody
    return 0
  fi
  if ! id -u "$_PG_CLUSTER_SYSTEM_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$_PG_CLUSTER_SYSTEM_USER" || return 1
  fi
  echo "$_PG_CLUSTER_SYSTEM_USER"
}

# Runs a command as the cluster's owner, from / so that no unreadable cwd gets in the way.
_pg_cluster_as_owner() {
  if [[ -n ${_PG_CLUSTER_USER:-} ]]; then
    (cd / && runuser -u "$_PG_CLUSTER_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

_pg_cluster_port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Htln "sport = :$1") ]]
  else
    (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Prints a port in 15000..31999 (below Linux's ephemeral range) that nothing listens on.
_pg_cluster_free_port() {
  local port tries
  for ((tries = 0; tries < 50; tries++)); do
    port=$((15000 + RANDOM % 17000))
    _pg_cluster_port_in_use "$port" || { echo "$port"; return 0; }
  done
  _pg_cluster_log "found no free TCP port"
  return 1
}

# Undoes a half-done start: stops the server if it runs, removes the temp dir.
_pg_cluster_abort() {
  local dir=$1
  _pg_cluster_log "failed to start PostgreSQL; cluster dir was $dir"
  local log
  for log in initdb.log pg_ctl.log server.log; do
    if [[ -s $dir/$log ]]; then
      _pg_cluster_log "last lines of $log:"
      tail -n 30 "$dir/$log" >&2
    fi
  done
  if [[ -f $dir/data/postmaster.pid ]]; then
    _pg_cluster_as_owner "$_PG_CLUSTER_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir" || true
  unset _PG_CLUSTER_USER
}

# Creates the data dir with a random superuser password; prints the password.
_pg_cluster_initdb() {
  local dir=$1 password rc=0
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') || return 1
  [[ ${#password} -eq 32 ]] || return 1
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile") || return 1
  if [[ -n ${_PG_CLUSTER_USER:-} ]]; then
    chown "$_PG_CLUSTER_USER" "$dir/pwfile" || return 1
  fi
  _pg_cluster_as_owner "$_PG_CLUSTER_BIN/initdb" -D "$dir/data" -U postgres \
    --pwfile="$dir/pwfile" --auth-host=scram-sha-256 --auth-local=trust \
    --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || rc=$?
  rm -f "$dir/pwfile"
  [[ $rc -eq 0 ]] || return 1
  rm -f "$dir/initdb.log"
  # The server writes nothing outside $dir and listens on loopback only; the port comes
  # on the command line so that a retry can pick another.
  cat >>"$dir/data/postgresql.conf" <<EOF

# --- throwaway test cluster (deployment/lib/pg_cluster.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  echo "$password"
}

# Starts the server on a free port, retrying when another process took the port first;
# prints the port.
_pg_cluster_run_server() {
  local dir=$1 port attempt
  for ((attempt = 1; attempt <= 5; attempt++)); do
    port=$(_pg_cluster_free_port) || return 1
    rm -f "$dir/server.log"
    if _pg_cluster_as_owner "$_PG_CLUSTER_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
         -o "-p $port" -w -t 60 start >"$dir/pg_ctl.log" 2>&1; then
      echo "$port"
      return 0
    fi
    grep -q 'Address already in use' "$dir/server.log" 2>/dev/null || return 1
    _pg_cluster_log "port $port was taken meanwhile, retrying"
  done
  return 1
}

pg_cluster_start() {
  if [[ -n ${_PG_CLUSTER_OWNED_DIR:-} ]]; then
    _pg_cluster_log "a cluster is already running in $_PG_CLUSTER_OWNED_DIR"
    return 1
  fi
  _pg_cluster_install || return 1

  unset _PG_CLUSTER_USER
  if [[ $EUID -eq 0 ]]; then
    _PG_CLUSTER_USER=$(_pg_cluster_pick_user) || return 1
  fi

  local dir password port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/migrate-pg.XXXXXX") || return 1
  if [[ -n ${_PG_CLUSTER_USER:-} ]]; then
    # The owner must also reach $dir through its parents; fall back to /tmp if not.
    if ! chown "$_PG_CLUSTER_USER:" "$dir" || ! _pg_cluster_as_owner test -w "$dir"; then
      rm -rf -- "$dir"
      dir=$(mktemp -d /tmp/migrate-pg.XXXXXX) || return 1
      chown "$_PG_CLUSTER_USER:" "$dir" || { _pg_cluster_abort "$dir"; return 1; }
    fi
  fi

  password=$(_pg_cluster_initdb "$dir") || { _pg_cluster_abort "$dir"; return 1; }
  port=$(_pg_cluster_run_server "$dir") || { _pg_cluster_abort "$dir"; return 1; }

  local tries=0
  until "$_PG_CLUSTER_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres; do
    if ((++tries >= 60)); then
      _pg_cluster_log "server does not accept connections on 127.0.0.1:$port"
      _pg_cluster_abort "$dir"
      return 1
    fi
    sleep 0.5
  done

  _PG_CLUSTER_OWNED_DIR=$dir
  export PG_BIN=$_PG_CLUSTER_BIN
  export PG_CLUSTER_DIR=$dir
  export PG_CLUSTER_PORT=$port
  export PG_CLUSTER_PASSWORD=$password
  export MIGRATE_TEST_PG_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
  _pg_cluster_log "PostgreSQL 15 is up on 127.0.0.1:$port (dir $dir)"
}

pg_cluster_stop() {
  local dir=${_PG_CLUSTER_OWNED_DIR:-}
  [[ -n $dir ]] || return 0
  local rc=0
  if [[ -f $dir/data/postmaster.pid ]]; then
    if ! _pg_cluster_as_owner "$_PG_CLUSTER_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 \
           stop >/dev/null; then
      _pg_cluster_log "fast shutdown failed, trying immediate"
      _pg_cluster_as_owner "$_PG_CLUSTER_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 \
        stop >/dev/null || rc=1
    fi
  fi
  if [[ $rc -eq 0 ]]; then
    rm -rf -- "$dir" || rc=1
  else
    _pg_cluster_log "could not stop the server; leaving $dir in place"
  fi
  unset _PG_CLUSTER_OWNED_DIR _PG_CLUSTER_USER
  unset MIGRATE_TEST_PG_URL PG_CLUSTER_DIR PG_CLUSTER_PORT PG_CLUSTER_PASSWORD
  return "$rc"
}
