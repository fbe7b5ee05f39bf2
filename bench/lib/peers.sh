# The tools bench/run.sh compares migrate with, installed when missing:
#   dbmate   npm package `dbmate` (its binary ships inside the package), under ~/.cache
#   alembic  Debian python3-alembic + python3-psycopg2, run with Debian's /usr/bin/python3
#   sqlite3  Debian sqlite3
# A peer that cannot be installed is recorded in the `missing` array as "tool: reason" so
# that the table reports it rather than silently dropping it.

_peers_as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

_peers_apt() {
  local pkg need=()
  for pkg in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || need+=("$pkg")
  done
  [[ ${#need[@]} -eq 0 ]] && return 0
  echo "bench: installing ${need[*]}" >&2
  _peers_as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1 &&
    _peers_as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
      --no-install-recommends "${need[@]}" >/dev/null 2>&1
}

peers_install() {
  dbmate_bin='' dbmate_launcher='' alembic_python='' sqlite3_bin=''
  local dbmate_version=2.36.0 cache=${XDG_CACHE_HOME:-$HOME/.cache}/migrate-bench

  if _peers_apt sqlite3; then sqlite3_bin=$(command -v sqlite3); else missing+=("sqlite3: apt-get install sqlite3 failed"); fi

  if _peers_apt python3 python3-alembic python3-psycopg2 && /usr/bin/python3 -c 'import alembic, psycopg2' 2>/dev/null; then
    alembic_python=/usr/bin/python3
  else
    missing+=("alembic: apt-get install python3-alembic python3-psycopg2 failed")
  fi

  if [[ ! -x $cache/node_modules/.bin/dbmate ]]; then
    if command -v npm >/dev/null || _peers_apt npm; then
      mkdir -p "$cache"
      (cd "$cache" && npm install --no-audit --no-fund --silent "dbmate@$dbmate_version" >/dev/null 2>&1) || true
    fi
  fi
  # The package's bin/dbmate is a node launcher that starts the Go binary shipped in the
  # platform package; run that binary itself, as a user on PATH would, without node's start-up.
  local binary
  binary=$(find "$cache/node_modules/@dbmate" -path '*/bin/dbmate' -type f 2>/dev/null | head -n 1)
  if [[ -n $binary && -x $binary ]] && "$binary" --version >/dev/null 2>&1; then
    dbmate_bin=$binary
    [[ -x $cache/node_modules/.bin/dbmate ]] && dbmate_launcher=$cache/node_modules/.bin/dbmate
  else
    missing+=("dbmate: npm install dbmate@$dbmate_version failed (no npm registry?)")
  fi
}
