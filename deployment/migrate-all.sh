#!/usr/bin/env bash
# Unified migration script: status, apply all pending, or roll back one service, through migrate.
#
# Usage:
#   deployment/migrate-all.sh [OPTIONS]                     apply every pending revision
#   deployment/migrate-all.sh status [service] [OPTIONS]    show each service's state
#   deployment/migrate-all.sh rollback <service> [OPTIONS]  roll back one revision of <service>
#   deployment/migrate-all.sh --help
#
# OPTIONS are passed to migrate unchanged: --yes, --json, -q, --config PATH,
# --database-url URL, --lock-wait 0s, --dry-run, --no-backup, --step N, ...
# migrate takes a backup before it changes anything and, on a terminal, asks
# "Proceed? [y/N]"; with no terminal and no --yes it refuses (exit 2).
#
# Environment:
#   MIGRATE_BIN     the migrate binary (default: <repo>/build/migrate, then migrate on PATH)
#   MIGRATE_CONFIG  the manifest (default: <repo>/migrate.toml), unless --config is given
#
# Exit status: migrate's own (0 ok, 1 failed, 2 usage/refused, 3 lock held,
# 4 drift/dirty, 5 unreachable); 2 when migrate is not built or the usage is wrong.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
prog=$(basename "${BASH_SOURCE[0]}")
readonly not_built_hint="migrate is not built: run deployment/setup.sh"

usage() {
  cat <<EOF
Usage: $prog [OPTIONS]                     apply all pending revisions (backups first)
       $prog status [service] [OPTIONS]    show each service's applied and pending revisions
       $prog rollback <service> [OPTIONS]  roll back the newest revision of <service>
       $prog --help

OPTIONS are passed to migrate unchanged, e.g. --yes (no prompt), --json, -q,
--config PATH, --database-url URL, --dry-run, --no-backup, --step N.
Without a terminal, apply and rollback need --yes.

Environment: MIGRATE_BIN (the binary; default $repo_dir/build/migrate, then
migrate on PATH), MIGRATE_CONFIG (the manifest; default $repo_dir/migrate.toml).
Exits with migrate's exit code.
EOF
}

# Prints the path of the migrate binary, or the not-built hint on stderr and returns 1.
find_migrate() {
  if [[ -n ${MIGRATE_BIN:-} ]]; then
    if [[ -f $MIGRATE_BIN && -x $MIGRATE_BIN ]]; then
      printf '%s\n' "$MIGRATE_BIN"
      return 0
    fi
    echo "$not_built_hint (MIGRATE_BIN=$MIGRATE_BIN is not an executable file)" >&2
    return 1
  fi
  if [[ -f $repo_dir/build/migrate && -x $repo_dir/build/migrate ]]; then
    printf '%s\n' "$repo_dir/build/migrate"
    return 0
  fi
  if command -v migrate >/dev/null 2>&1; then
    command -v migrate
    return 0
  fi
  echo "$not_built_hint" >&2
  return 1
}

# migrate's options that take a value as the next argument; everything else is a flag.
takes_value() {
  case $1 in
    --config | --database-url | --lock-wait | --to | --step | --backup-format | --timeout) return 0 ;;
    *) return 1 ;;
  esac
}

command_word=""
have_config=false
positionals=()
passthrough=()
while [[ $# -gt 0 ]]; do
  arg=$1
  shift
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --config | --config=*) have_config=true ;;
  esac
  if [[ $arg == -* ]]; then
    passthrough+=("$arg")
    if takes_value "$arg"; then
      if [[ $# -eq 0 ]]; then
        echo "$prog: $arg needs a value" >&2
        exit 2
      fi
      passthrough+=("$1")
      shift
    fi
  elif [[ -z $command_word ]]; then
    command_word=$arg
  else
    positionals+=("$arg")
  fi
done

case $command_word in
  "" | apply | up)
    subcommand=up
    if [[ ${#positionals[@]} -gt 0 ]]; then
      echo "$prog: apply takes no service (it applies all services in dependency order)" >&2
      usage >&2
      exit 2
    fi
    ;;
  status)
    subcommand=status
    ;;
  rollback | down)
    subcommand=down
    if [[ ${#positionals[@]} -ne 1 ]]; then
      echo "$prog: rollback needs exactly one service, e.g. $prog rollback discord-bot" >&2
      exit 2
    fi
    ;;
  *)
    echo "$prog: unknown command '$command_word'" >&2
    usage >&2
    exit 2
    ;;
esac

migrate_bin=$(find_migrate) || exit 2

config_args=()
if ! $have_config; then
  config_args=(--config "${MIGRATE_CONFIG:-$repo_dir/migrate.toml}")
fi

exec "$migrate_bin" ${config_args[@]+"${config_args[@]}"} "$subcommand" ${positionals[@]+"${positionals[@]}"} \
  ${passthrough[@]+"${passthrough[@]}"}
