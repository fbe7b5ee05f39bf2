#!/usr/bin/env bash
# Tests deployment/homelab-manager.sh driven on stdin: entry 20 shows status, applies and rolls back for real,
# and starts and stops the dashboard.
#
# Usage: MIGRATE_BIN=build/migrate bash tests/scripts/homelab_manager_test.sh <source dir>
set -euo pipefail
# shellcheck source=tests/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

p=$(make_project main)
manager=$p/deployment/homelab-manager.sh
cd "$work_dir"

# Runs the manager with the answers $1 on stdin; sets out and rc.
drive() {
  rc=0
  out=$(printf '%s' "$1" | "$manager" 2>&1) || rc=$?
}

drive $'20\n1\n0\n0\n'
expect_exit "$rc" 0 "20 -> 1 (status)" "$out"
expect_contains "$out" "20) Database migrations" "the top-level menu"
expect_contains "$out" "overall: pending (18 pending)" "20 -> 1 (status)"
expect_contains "$out" "sqlite:$p/var/discord-bot.db" "20 -> 1 (status)"
expect_current "$p" "$bases" "20 -> 1 (status)"
ok "20 -> 1 shows the status of every service and exits 0"

drive $'20\n2\nn\n0\n0\n'
expect_exit "$rc" 0 "20 -> 2 declined" "$out"
expect_contains "$out" "Proceed? [y/N]" "20 -> 2 declined"
expect_contains "$out" "Cancelled" "20 -> 2 declined"
expect_current "$p" "$bases" "20 -> 2 declined"
[[ $(backup_count "$p") == 0 ]] || fail "20 -> 2 declined: backups were written"
ok "20 -> 2 answered n changes nothing"

drive $'20\n2\n'
expect_exit "$rc" 0 "20 -> 2 with end of input at the prompt" "$out"
expect_current "$p" "$bases" "20 -> 2 with end of input at the prompt"
ok "end of input at the prompt cancels and exits 0"

drive $'20\n2\ny\n0\n0\n'
expect_exit "$rc" 0 "20 -> 2 -> y" "$out"
expect_contains "$out" "applied 18 revision(s)" "20 -> 2 -> y"
expect_current "$p" "$heads" "20 -> 2 -> y"
[[ $(backup_count "$p") -ge 1 ]] || fail "20 -> 2 -> y took no backup"
ok "20 -> 2 -> y applies everything: dashboard 0006, stream-bot 0004, discord-bot 0008"

drive $'20\n2\n0\n0\n'
expect_exit "$rc" 0 "20 -> 2 with nothing pending" "$out"
expect_contains "$out" "Nothing to apply" "20 -> 2 with nothing pending"
expect_not_contains "$out" "Proceed?" "20 -> 2 with nothing pending"
ok "20 -> 2 with nothing pending says so and does not ask"

# The rollback list is numbered in manifest order; pick discord-bot by its number there.
discord_no=$(grep -E '^\[services\.' "$p/migrate.toml" | grep -nF '[services.discord-bot]' | cut -d: -f1)
[[ -n $discord_no ]] || fail "discord-bot is not in the manifest"

drive "20"$'\n'"3"$'\n'"$discord_no"$'\n'"n"$'\n0\n0\n'
expect_exit "$rc" 0 "20 -> 3 -> discord-bot declined" "$out"
expect_contains "$out" "$discord_no) discord-bot" "20 -> 3 lists the services"
expect_contains "$out" "0008_normalise_raw_settings" "20 -> 3 -> discord-bot shows the revision to roll back"
expect_current "$p" "$heads" "20 -> 3 -> discord-bot declined"
ok "20 -> 3 -> discord-bot answered n changes nothing"

drive "20"$'\n'"3"$'\n'"$discord_no"$'\n'"y"$'\n0\n0\n'
expect_exit "$rc" 0 "20 -> 3 -> discord-bot -> y" "$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "20 -> 3 -> discord-bot -> y"
ok "20 -> 3 -> discord-bot -> y rolls discord-bot back one revision to 0003"

drive $'20\n3\n0\n1\n0\n0\n'
expect_exit "$rc" 0 "20 -> 3 -> back -> 1" "$out"
expect_contains "$out" "overall: pending (1 pending)" "20 -> 3 -> back -> 1"
ok "0 in the service list goes back to the submenu, which works after an action"

drive $'42\nabc\n20\n9\n3\n99\n0\n0\n0\n'
expect_exit "$rc" 0 "invalid choices" "$out"
[[ $(grep -c "Invalid choice" <<<"$out") == 4 ]] || fail "invalid choices: expected 4 'Invalid choice' messages; output:
$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "invalid choices"
ok "invalid choices print a message and show the menu again"

drive $'1\n0\n'
expect_exit "$rc" 0 "an entry the menu does not have" "$out"
expect_contains "$out" "Invalid choice '1'" "an entry the menu does not have"
ok "top-level entries other than 20 and 0 are refused"

# 20 -> 4: the dashboard starts in the background on a free port, prints its URL and
# answers; asked again, the entry offers to stop it (n keeps it), and y stops it cleanly.
export MIGRATE_SERVE_LISTEN=127.0.0.1:0 MIGRATE_SERVE_STATE_DIR=$work_dir/serve
trap 'pid=$(cat "$MIGRATE_SERVE_STATE_DIR"/*.pid 2>/dev/null) && kill "$pid" 2>/dev/null; rm -rf "$work_dir"' EXIT
drive $'20\n4\n0\n0\n'
expect_exit "$rc" 0 "20 -> 4 (start the dashboard)" "$out"
expect_contains "$out" "4) Dashboard" "the migrations menu"
expect_contains "$out" "Dashboard started (pid " "20 -> 4 (start the dashboard)"
url=$(sed -nE 's/^Dashboard started \(pid [0-9]+\): (http:[^ ]+)$/\1/p' <<<"$out")
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] || fail "20 -> 4 printed no URL; output:
$out"
health=$(curl -fsS --max-time 10 "${url}healthz") || fail "the dashboard at $url does not answer"
expect_contains "$health" '"status": "ok"' "the dashboard's /healthz"
expect_contains "$(curl -fsS --max-time 10 "${url}api/migrations/status")" '"overall_status": "pending"' \
  "the dashboard's status"
ok "20 -> 4 starts the dashboard in the background and prints its URL, which answers"

drive $'20\n4\nn\n0\n0\n'
expect_exit "$rc" 0 "20 -> 4 while it runs, declined" "$out"
expect_contains "$out" "The dashboard runs (pid " "20 -> 4 while it runs"
expect_contains "$out" "$url" "20 -> 4 while it runs"
curl -fsS --max-time 10 "${url}healthz" >/dev/null || fail "declining to stop stopped the dashboard"
pid=$(cat "$MIGRATE_SERVE_STATE_DIR"/*.pid)
drive $'20\n4\ny\n0\n0\n'
expect_exit "$rc" 0 "20 -> 4 -> y (stop the dashboard)" "$out"
expect_contains "$out" "Dashboard stopped." "20 -> 4 -> y"
! kill -0 "$pid" 2>/dev/null || fail "the dashboard (pid $pid) still runs after 20 -> 4 -> y"
expect_contains "$(cat "$MIGRATE_SERVE_STATE_DIR"/*.log)" "SIGTERM: stopped after finishing the requests in flight" \
  "the dashboard's log"
ok "20 -> 4 while it runs offers to stop it; y stops it cleanly"

drive ''
expect_exit "$rc" 0 "empty input" "$out"
drive $'20\n'
expect_exit "$rc" 0 "end of input in the submenu" "$out"
drive $'20\n3\n'
expect_exit "$rc" 0 "end of input in the service list" "$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "end of input"
ok "end of input at any menu exits 0"

echo "$test_name: all passed"
