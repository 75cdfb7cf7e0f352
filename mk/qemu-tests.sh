#!/bin/sh
# mk/qemu-tests.sh QEMU SYSROOT BUILD: runs every cmocka unit test of a
# cross build under qemu-user (QEMU, e.g. qemu-aarch64) with the sysroot's
# libraries, and ends like tests/run.sh: "N passed, N failed".
#
# qemu runs each binary directly (no binfmt_misc needed); -L makes the
# sysroot the target's / for the dynamic loader and its libraries, and
# other paths (fonts, test data) fall through to the host's.
set -u
qemu=$1
sysroot=$2
build=$3
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	start=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP "$qemu" -L "$sysroot" "$t" >"$out" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "[$name] not ok - exited with status $rc under $qemu"
	fi
	grep '^not ok ' "$out" | sed "s/^/[$name] /"
	[ "$bad" -eq 0 ] || tail -20 "$out" | sed "s/^/[$name] #   /"
	echo "[$name] $ok passed, $bad failed under $qemu ($(($(date +%s) - start))s)"
	passed=$((passed + ok))
	failed=$((failed + bad))
done
echo "$qemu: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
