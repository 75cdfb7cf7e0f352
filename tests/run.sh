#!/bin/sh
# Runs every test and ends with one line: "N passed, N failed".
#
# Each test program speaks TAP ("ok N - name" / "not ok N - name"): the
# cmocka unit tests (CMOCKA_MESSAGE_OUTPUT=TAP), the Python integration
# tests, and a line per fuzz target. A program that exits non-zero without
# reporting a failure (a crash, a sanitizer report) counts as one failure.
#
# Environment: BUILD (build dir), PYTHON, FUZZ_SECONDS (0 skips fuzzing),
# SANITIZED=1 (binaries built with ASan/UBSan), ONLY=unit|integration|fuzz|crash.
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-python3}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
ONLY=${ONLY:-}
export BUILD SANITIZED="${SANITIZED:-0}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

results=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-tests.XXXXXX")
trap 'rm -rf "$results"' EXIT
passed=0
failed=0

# run_tap NAME COMMAND...: runs a TAP-speaking program and counts its cases.
run_tap() {
	name=$1
	shift
	out="$results/out"
	start=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	sed "s/^/[$name] /" "$out"
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "[$name] not ok - $name exited with status $rc"
		bad=1
	fi
	echo "[$name] $ok passed, $bad failed ($(($(date +%s) - start))s)"
	passed=$((passed + ok))
	failed=$((failed + bad))
}

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

if want unit; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		run_tap "$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
	done
fi

if want integration; then
	for t in tests/integration/test_*.py; do
		[ "$(basename "$t")" = test_crash.py ] && continue
		run_tap "$(basename "$t" .py)" "$PYTHON" "$t"
	done
fi

if want integration || want crash; then
	run_tap crash "$PYTHON" tests/integration/test_crash.py
fi

# Each fuzz target replays its corpus, then explores for FUZZ_SECONDS.
fuzz_one() {
	target=$1
	name=$(basename "$target")
	corpus=tests/fuzz/corpus/$name
	work="$results/corpus-$name"
	mkdir -p "$work"
	if "$target" -runs=0 "$corpus" >"$results/fuzz.log" 2>&1 &&
	   "$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 "$work" "$corpus" >>"$results/fuzz.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$results/fuzz.log" | tail -1 | grep -o '[0-9]*$')
		echo "ok 1 - $name: corpus replayed, ${runs:-?} runs in ${FUZZ_SECONDS}s, no crash"
	else
		echo "not ok 1 - $name"
		sed 's/^/#   /' "$results/fuzz.log" | tail -40
	fi
}
if want fuzz && [ "$FUZZ_SECONDS" != 0 ]; then
	for t in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		run_tap "$(basename "$t")" fuzz_one "$t"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
