#!/usr/bin/env bash
# Sourceable library: a PgBouncer in transaction pooling mode in front of the throwaway
# cluster of pg_cluster.sh, for the tests of running behind a pooler.
#
#   source deployment/lib/pg_cluster.sh
#   source deployment/lib/pgbouncer.sh
#   pg_cluster_start && pgbouncer_start   # exports MIGRATE_TEST_PGBOUNCER_URL
#   trap 'pgbouncer_stop; pg_cluster_stop' EXIT
#
# PgBouncer (Debian's package, installed when missing) listens on 127.0.0.1 on a free port,
# pools every database of the cluster in `pool_mode = transaction` with up to 4 server
# connections per pool (fewer than the clients the tests start, so that clients share
# server sessions as they do in production), and authenticates the cluster's superuser
# with SCRAM. Its files live in $PG_CLUSTER_DIR/pgbouncer, and it runs as the cluster's
# owner. Like pg_cluster.sh, it leaves the caller's shell options alone.

_PGBOUNCER_BIN=/usr/sbin/pgbouncer

_pgbouncer_log() { printf 'pgbouncer: %s\n' "$*" >&2; }

_pgbouncer_install() {
  [[ -x $_PGBOUNCER_BIN ]] && return 0
  _pgbouncer_log "installing pgbouncer"
  local log apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  log=$(mktemp "${TMPDIR:-/tmp}/migrate-apt.XXXXXX.log") || return 1
  if ! { _pg_cluster_as_root "${apt[@]}" update &&
         _pg_cluster_as_root "${apt[@]}" install -y --no-install-recommends pgbouncer; } >"$log" 2>&1; then
    _pgbouncer_log "apt-get failed; its output:"
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  # The package's own service is not ours: the tests start their own instance.
  _pg_cluster_as_root systemctl disable --now pgbouncer >/dev/null 2>&1 || true
}

pgbouncer_start() {
  if [[ -z ${PG_CLUSTER_DIR:-} || -z ${PG_CLUSTER_PORT:-} || -z ${PG_CLUSTER_PASSWORD:-} ]]; then
    _pgbouncer_log "start the cluster first (pg_cluster_start)"
    return 1
  fi
  if [[ -n ${_PGBOUNCER_DIR:-} ]]; then
    _pgbouncer_log "already running from $_PGBOUNCER_DIR"
    return 1
  fi
  _pgbouncer_install || return 1
  local dir=$PG_CLUSTER_DIR/pgbouncer port attempt tries
  mkdir -p "$dir" || return 1
  (umask 077 && printf '"postgres" "%s"\n' "$PG_CLUSTER_PASSWORD" >"$dir/users.txt") || return 1
  if [[ -n ${_PG_CLUSTER_USER:-} ]]; then
    chown -R "$_PG_CLUSTER_USER:" "$dir" || return 1
  fi
  for ((attempt = 1; attempt <= 5; attempt++)); do
    port=$(_pg_cluster_free_port) || return 1
    cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_CLUSTER_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
server_lifetime = 3600
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
    rm -f "$dir/pgbouncer.log"
    if _pg_cluster_as_owner "$_PGBOUNCER_BIN" -d "$dir/pgbouncer.ini" >"$dir/start.log" 2>&1; then
      tries=0
      until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres; do
        if ((++tries >= 40)); then break; fi
        sleep 0.25
      done
      if ((tries < 40)); then
        _PGBOUNCER_DIR=$dir
        export PGBOUNCER_PORT=$port
        export MIGRATE_TEST_PGBOUNCER_URL="postgresql://postgres:$PG_CLUSTER_PASSWORD@127.0.0.1:$port/postgres"
        _pgbouncer_log "transaction pooling on 127.0.0.1:$port in front of port $PG_CLUSTER_PORT"
        return 0
      fi
    fi
    [[ -f $dir/pgbouncer.pid ]] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null
    grep -q 'Address already in use' "$dir/pgbouncer.log" "$dir/start.log" 2>/dev/null || break
    _pgbouncer_log "port $port was taken meanwhile, retrying"
  done
  _pgbouncer_log "failed to start; its log:"
  tail -n 20 "$dir/pgbouncer.log" "$dir/start.log" >&2 2>/dev/null
  return 1
}

pgbouncer_stop() {
  [[ -n ${_PGBOUNCER_DIR:-} ]] || return 0
  local pid
  pid=$(cat "$_PGBOUNCER_DIR/pgbouncer.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
  unset _PGBOUNCER_DIR PGBOUNCER_PORT MIGRATE_TEST_PGBOUNCER_URL
}
