#!/usr/bin/env bash
# Peak memory of `migrate import-kv` for exports of 10,000 and 100,000 keys, as an Enmap
# document and as JSON Lines, each into a fresh SQLite database: streaming means the peak
# RSS stays nearly flat while the file grows tenfold.
#
# Usage: bench/import_kv_rss.sh [SIZES="10000 100000"]   (after deployment/setup.sh has built build/)
# Prints a markdown table; exits 1 if an import fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=${1:-"10000 100000"}
migrate=$PWD/build/migrate
[ -x "$migrate" ] || { echo "bench: build first: deployment/setup.sh" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/migrations"
printf '[services.bench]\nmigrations = "migrations"\n' > "$work/migrate.toml"

# generate N FORMAT: per-guild settings objects like the discord-bot fixture, keyed by
# 18-digit ids.
generate() {
  awk -v n="$1" -v format="$2" 'BEGIN {
    if (format == "json") printf "{\"name\": \"settings\", \"version\": \"5.9.8\", \"keys\": [\n"
    for (i = 1; i <= n; i++) {
      # ids as text: awk numbers are doubles, too coarse for 18 digits
      pair = sprintf("{\"key\": \"28370893%010d\", \"value\": {\"prefix\": \"!\", \"modLogChannel\": \"39104571%010d\", " \
                     "\"modRoles\": [\"52716038%010d\", \"69062573%010d\"]}}", i, i, i, i)
      if (format == "json") printf "  %s%s\n", pair, (i < n ? "," : "")
      else print pair
    }
    if (format == "json") print "]}"
  }'
}

# peak_kb OUTFILE CMD...: runs CMD, writes its stdout to OUTFILE and prints its peak RSS in kB.
peak_kb() {
  local out=$1
  shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/time" "$@" > "$out"
    tail -n 1 "$work/time"
  else
    "$@" > "$out" &
    local pid=$! peak=0 hwm
    while kill -0 "$pid" 2>/dev/null; do
      hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
      sleep 0.01
    done
    wait "$pid"
    echo "$peak"
  fi
}

echo "| keys | format | file size | rows | peak RSS | seconds |"
echo "|---:|---|---:|---:|---:|---:|"
declare -A peaks
read -ra size_list <<< "$sizes"
for n in "${size_list[@]}"; do
  for format in json jsonl; do
    file="$work/export_$n.$format"
    generate "$n" "$format" > "$file"
    db="sqlite:$work/import_${n}_$format.db"
    started=$(date +%s%N)
    kb=$(peak_kb "$work/out" "$migrate" --config "$work/migrate.toml" --database-url "$db" --json \
      import-kv bench settings "$file")
    ms=$(( ($(date +%s%N) - started) / 1000000 ))
    rows=$(sed -n 's/.*"rows": \([0-9]*\).*/\1/p' "$work/out")
    [ "$rows" = "$n" ] || { echo "bench: import of $file reported '$rows' rows" >&2; cat "$work/out" >&2; exit 1; }
    peaks[$n.$format]=$kb
    printf '| %s | %s | %s MB | %s | %s MB | %d.%02d |\n' "$n" "$format" \
      "$(awk -v b="$(stat -c %s "$file")" 'BEGIN {printf "%.1f", b / 1048576}')" "$rows" \
      "$(awk -v k="$kb" 'BEGIN {printf "%.1f", k / 1024}')" $((ms / 1000)) $(((ms % 1000) / 10))
  done
done

if [ "${#size_list[@]}" -ge 2 ]; then
  small=${size_list[0]}
  large=${size_list[-1]}
  for format in json jsonl; do
    awk -v a="${peaks[$small.$format]}" -v b="${peaks[$large.$format]}" -v f="$format" -v s="$small" -v l="$large" \
      'BEGIN {printf "%s: peak RSS grows %.2fx from %s to %s keys (the file grows %.0fx)\n", f, b / a, s, l, l / s}'
  done
fi
