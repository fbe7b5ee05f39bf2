#!/usr/bin/env bash
# Homelab manager: interactive menu; entry 20 runs database migrations through migrate-all.sh.
#
# Usage: deployment/homelab-manager.sh
#   Reads choices from stdin, so it also runs from a script, e.g.
#     printf '20\n1\n0\n0\n' | deployment/homelab-manager.sh     (show status, then exit)
#     printf '20\n2\ny\n0\n0\n' | deployment/homelab-manager.sh  (apply all pending)
#   End of input exits cleanly (status 0).
# Environment: MIGRATE_BIN and MIGRATE_CONFIG, as for deployment/migrate-all.sh;
#   for the dashboard (20 -> 4): MIGRATE_SERVE_LISTEN (default 127.0.0.1:8080),
#   MIGRATE_SERVE_TOKEN_ENV (the name of a variable holding its bearer token; needed to
#   listen beyond loopback) and MIGRATE_SERVE_STATE_DIR (its pid and log files; default
#   $XDG_RUNTIME_DIR, else /tmp).
#
# Only "20) Database migrations" belongs to this repository; the other entries stand
# for the rest of the homelab manager and only say so.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
migrate_all="$script_dir/migrate-all.sh"
manifest="${MIGRATE_CONFIG:-$repo_dir/migrate.toml}"
serve_listen="${MIGRATE_SERVE_LISTEN:-127.0.0.1:8080}"
serve_state_dir="${MIGRATE_SERVE_STATE_DIR:-${XDG_RUNTIME_DIR:-/tmp}}"
serve_pid_file="$serve_state_dir/migrate-serve.$(id -u).pid"
serve_log="$serve_state_dir/migrate-serve.$(id -u).log"

# Reads one line of input into the variable named $2 after showing prompt $1.
# Returns 1 at end of input. When stdin is not a terminal the answer is echoed,
# so a scripted session's transcript reads like an interactive one.
ask() {
  local prompt=$1 __answer
  printf '%s' "$prompt"
  if ! IFS= read -r __answer; then
    # A last line without a newline still counts as an answer.
    if [[ -z $__answer ]]; then
      echo
      return 1
    fi
  fi
  [[ -t 0 ]] || printf '%s\n' "$__answer"
  __answer=${__answer//$'\r'/}
  # Trim surrounding blanks.
  __answer=${__answer#"${__answer%%[![:space:]]*}"}
  __answer=${__answer%"${__answer##*[![:space:]]}"}
  printf -v "$2" '%s' "$__answer"
}

bye() {
  echo "Bye."
  exit 0
}

# Runs migrate-all.sh with the given arguments and reports a non-zero exit without leaving the menu.
run_migrate_all() {
  local rc=0
  "$migrate_all" "$@" </dev/null || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "migrate-all.sh $* exited with code $rc$(describe_exit "$rc")"
  fi
  return 0
}

describe_exit() {
  case $1 in
    1) echo " (a revision or backup failed and was rolled back)" ;;
    2) echo " (usage or manifest error, or refused)" ;;
    3) echo " (another runner holds the lock)" ;;
    4) echo " (drift or a dirty revision blocks the run)" ;;
    5) echo " (database unreachable)" ;;
    *) echo "" ;;
  esac
}

# Asks "Proceed? [y/N]"; succeeds only on y/yes. End of input means no, and exits.
confirm() {
  local answer
  if ! ask "Proceed? [y/N] " answer; then
    echo "Cancelled."
    bye
  fi
  case $answer in
    [yY] | [yY][eE][sS]) return 0 ;;
    *)
      echo "Cancelled: nothing was changed."
      return 1
      ;;
  esac
}

# Prints the service names of the manifest, one a line, in manifest order.
manifest_services() {
  sed -nE 's/^[[:space:]]*\[services\."?([A-Za-z0-9_.-]+)"?\][[:space:]]*(#.*)?$/\1/p' "$manifest"
}

migrations_status() {
  echo
  run_migrate_all status
}

migrations_apply() {
  local json rc=0 pending
  echo
  json=$("$migrate_all" status --json </dev/null 2>/dev/null) || rc=$?
  pending=$(printf '%s\n' "$json" |
    sed -nE '/"total_pending"/{s/.*"total_pending"[[:space:]]*:[[:space:]]*([0-9]+).*/\1/p;q;}')
  run_migrate_all status
  if [[ $rc -eq 0 && $pending == 0 ]]; then
    echo "Nothing to apply: every service is at its latest revision."
    return 0
  fi
  echo
  echo "This will apply ${pending:-all} pending revision(s) to every service, in dependency"
  echo "order, backing up each database before it is changed (manifest: $manifest)."
  confirm || return 0
  run_migrate_all --yes
}

migrations_rollback() {
  local services=() choice service plan rc=0 i
  if [[ ! -r $manifest ]]; then
    echo "Cannot read the manifest $manifest"
    return 0
  fi
  mapfile -t services < <(manifest_services)
  if [[ ${#services[@]} -eq 0 ]]; then
    echo "The manifest $manifest lists no services."
    return 0
  fi
  while true; do
    echo
    echo "Roll back which service?"
    for i in "${!services[@]}"; do
      printf '%3d) %s\n' $((i + 1)) "${services[$i]}"
    done
    printf '%3d) %s\n' 0 "Back"
    ask "Service: " choice || bye
    if [[ $choice == 0 ]]; then
      return 0
    fi
    if [[ $choice =~ ^[0-9]+$ ]] && ((10#$choice >= 1 && 10#$choice <= ${#services[@]})); then
      service=${services[$((10#$choice - 1))]}
      break
    fi
    echo "Invalid choice '$choice': pick a number from the list."
  done

  echo
  plan=$("$migrate_all" rollback "$service" --dry-run </dev/null) || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "Cannot roll back $service: migrate-all.sh exited with code $rc$(describe_exit "$rc")"
    return 0
  fi
  plan=$(printf '%s\n' "$plan" | sed -nE 's/^-- [A-Za-z0-9_.-]+ ([0-9]+_[A-Za-z0-9_]+) \(down\) on (.*)$/  \1 on \2/p')
  echo "This will back up the database of $service, then roll back its newest revision:"
  if [[ -n $plan ]]; then
    printf '%s\n' "$plan"
  else
    echo "  (the newest applied revision; see status)"
  fi
  confirm || return 0
  run_migrate_all rollback "$service" --yes
}

# Prints the migrate binary, as migrate-all.sh finds it; returns 1 when there is none.
migrate_binary() {
  if [[ -n ${MIGRATE_BIN:-} ]]; then
    [[ -x $MIGRATE_BIN ]] && printf '%s\n' "$MIGRATE_BIN" && return 0
  elif [[ -x $repo_dir/build/migrate ]]; then
    printf '%s\n' "$repo_dir/build/migrate" && return 0
  elif command -v migrate >/dev/null 2>&1; then
    command -v migrate && return 0
  fi
  echo "migrate is not built: run deployment/setup.sh"
  return 1
}

# The pid of the dashboard this menu started, if it still runs as `migrate serve`.
dashboard_pid() {
  local pid
  [[ -r $serve_pid_file ]] || return 1
  pid=$(<"$serve_pid_file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ' serve ' && printf '%s\n' "$pid"
}

dashboard_url() {
  sed -nE 's/^listening on (http[^ ]*)$/\1/p' "$serve_log" 2>/dev/null | tail -n 1
}

dashboard_start() {
  local bin pid i url token_args=()
  bin=$(migrate_binary) || { echo "$bin"; return 0; }
  [[ -n ${MIGRATE_SERVE_TOKEN_ENV:-} ]] && token_args=(--token-env "$MIGRATE_SERVE_TOKEN_ENV")
  mkdir -p "$serve_state_dir"
  : >"$serve_log"
  nohup "$bin" --config "$manifest" serve --listen "$serve_listen" ${token_args[@]+"${token_args[@]}"} \
    </dev/null >>"$serve_log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$serve_pid_file"
  for ((i = 0; i < 100; i++)); do
    url=$(dashboard_url)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $url ]]; then
    echo "The dashboard did not start; its log ($serve_log) says:"
    sed 's/^/  /' "$serve_log"
    kill "$pid" 2>/dev/null || true
    rm -f "$serve_pid_file"
    return 0
  fi
  echo "Dashboard started (pid $pid): $url"
  echo "  JSON: ${url}api/migrations/status   log: $serve_log"
}

dashboard_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "The dashboard (pid $pid) did not stop within 10 s; it is still running."
    return 0
  fi
  rm -f "$serve_pid_file"
  echo "Dashboard stopped."
}

# Starts the status dashboard (`migrate serve`) in the background, or, when it runs, shows
# its URL and offers to stop it.
migrations_dashboard() {
  local pid
  echo
  if pid=$(dashboard_pid); then
    echo "The dashboard runs (pid $pid): $(dashboard_url)"
    echo "Stop it?"
    confirm || return 0
    dashboard_stop "$pid"
  else
    dashboard_start
  fi
}

migrations_menu() {
  local choice
  while true; do
    cat <<'EOF'

=== Database migrations ===
  1) Status
  2) Apply all pending
  3) Rollback a service
  4) Dashboard: start/stop the status page
  0) Back
EOF
    ask "Choice: " choice || bye
    case $choice in
      1) migrations_status ;;
      2) migrations_apply ;;
      3) migrations_rollback ;;
      4) migrations_dashboard ;;
      0) return 0 ;;
      *) echo "Invalid choice '$choice': pick 0-4." ;;
    esac
  done
}

main_menu() {
  local choice
  while true; do
    cat <<'EOF'

===== Homelab manager =====
 20) Database migrations
  0) Exit
EOF
    ask "Choice: " choice || bye
    case $choice in
      20) migrations_menu ;;
      0) bye ;;
      *) echo "Invalid choice '$choice': pick one of the numbers shown." ;;
    esac
  done
}

main_menu
