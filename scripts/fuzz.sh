#!/usr/bin/env bash
# Runs every Fuzz* target of the given packages (default: all) for FUZZTIME
# each, JOBS at a time, and prints one line per target: package, target,
# result, executions. A crasher is written by go test under the package's
# testdata/fuzz/ — commit it with the fix so it stays in the seed corpus.
#   FUZZTIME=10m JOBS=2 scripts/fuzz.sh ./device/shtrih/...
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
JOBS=${JOBS:-1}
LOG=${LOG:-fuzz-logs}
mkdir -p "$LOG"
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

targets=()
for p in $(go list "${pkgs[@]}"); do
	for t in $(go test -list '^Fuzz' "$p" 2>/dev/null | grep '^Fuzz'); do
		targets+=("$p $t")
	done
done

run() {
	local p=$1 t=$2 log="$LOG/$(echo "$p" | tr / _)_$2.log" start end
	start=$(date +%s)
	if go test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" -parallel 1 "$p" >"$log" 2>&1; then res=ok; else res=FAIL; fi
	end=$(date +%s)
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | awk '{print $2}')
	printf '%-50s %-28s %-4s %6ss %s execs\n' "${p#github.com/tillpos/till/}" "$t" "$res" $((end - start)) "${execs:-?}"
}
export -f run
export FUZZTIME LOG
printf '%s\n' "${targets[@]}" | xargs -P "$JOBS" -L 1 bash -c 'run $0 $1'
