#!/usr/bin/env bash
# Sourceable library: installs the peer tools the tests run beside migrate (drizzle-kit,
# drizzle-orm, pg, sql.js and dbmate from npm; Alembic and psycopg2 from Debian).
#
#   source deployment/lib/peers.sh
#   peers_install build       # exports MIGRATE_PEERS_DIR=<build>/peers (absolute)
#
# The npm packages are pinned by tests/peers/package.json and package-lock.json and
# installed with `npm ci --ignore-scripts` into <build>/peers/node_modules, once: a stamp
# file holds the SHA-256 of the lock it was installed from, and a later call with the same
# lock does nothing. node and npm come from Debian (nodejs 18 in Debian 12 is enough) when
# they are missing, as do python3-alembic and python3-psycopg2. npm's cache and HOME are
# kept inside <build>/peers, so the install leaves the user's home alone.
#
# Being sourced, this file leaves the caller's shell options alone; each function checks
# its own steps and returns non-zero, with the reason on stderr, when one fails.

_PEERS_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/peers" && pwd)

_peers_log() { printf 'peers: %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
_peers_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    _peers_log "need root to install $*, and sudo is not installed"
    return 1
  fi
}

# apt-get installs the packages named, showing apt's output only when it fails.
_peers_apt_install() {
  local log apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  _peers_log "installing $*"
  log=$(mktemp "${TMPDIR:-/tmp}/migrate-peers-apt.XXXXXX.log") || return 1
  if ! { _peers_as_root "${apt[@]}" update &&
         _peers_as_root "${apt[@]}" install -y --no-install-recommends "$@"; } >"$log" 2>&1; then
    _peers_log "apt-get failed; its output:"
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

_peers_system_packages() {
  local missing=()
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  # Debian's python3, which the python3-* packages serve (a pyenv or venv python3 earlier
  # on PATH would not see them).
  /usr/bin/python3 -c 'import alembic' 2>/dev/null || missing+=(python3-alembic)
  /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || missing+=(python3-psycopg2)
  [[ ${#missing[@]} -eq 0 ]] || _peers_apt_install "${missing[@]}"
}

_peers_npm_packages() {
  local dir=$1 stamp lock_hash
  stamp=$dir/.installed-lock.sha256
  lock_hash=$(sha256sum "$_PEERS_SOURCE_DIR/package-lock.json" | cut -d' ' -f1) || return 1
  if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" && -d $dir/node_modules ]]; then
    return 0
  fi
  _peers_log "npm ci into $dir (drizzle-kit, drizzle-orm, pg, sql.js, dbmate; pinned by tests/peers/package-lock.json)"
  mkdir -p -- "$dir" || return 1
  rm -f -- "$stamp"
  cp -- "$_PEERS_SOURCE_DIR/package.json" "$_PEERS_SOURCE_DIR/package-lock.json" "$dir/" || return 1
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/migrate-peers-npm.XXXXXX.log") || return 1
  # --ignore-scripts: the packages ship their binaries as platform packages; no install
  # script needs to run, and none should.
  if ! (cd "$dir" && HOME=$dir/.home npm_config_cache=$dir/.npm-cache \
          npm ci --ignore-scripts --no-audit --no-fund) >"$log" 2>&1; then
    _peers_log "npm ci failed; its output:"
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  if ! "$dir/node_modules/.bin/drizzle-kit" --version >/dev/null 2>&1 ||
     ! "$dir/node_modules/.bin/dbmate" --version >/dev/null 2>&1; then
    _peers_log "the installed drizzle-kit or dbmate does not run (node $(node --version 2>&1))"
    return 1
  fi
  printf '%s\n' "$lock_hash" >"$stamp"
}

# Installs the peers for the build in $1 and exports MIGRATE_PEERS_DIR.
peers_install() {
  local build_dir=${1:?peers_install needs the build directory}
  mkdir -p -- "$build_dir" || return 1
  local dir
  dir=$(cd "$build_dir" && pwd)/peers || return 1
  _peers_system_packages || return 1
  _peers_npm_packages "$dir" || return 1
  export MIGRATE_PEERS_DIR=$dir
}
