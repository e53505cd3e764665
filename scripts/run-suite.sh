#!/usr/bin/env bash
# run-suite.sh NAME COMMAND...
#
# Runs one test suite, keeps its full output in $BUILD/test-logs/NAME.log and
# records its counts in $BUILD/test-logs/NAME.result.  A suite reports by
# printing a closing line "N passed, N failed[, N skipped]"; a suite that
# exits non-zero, or prints no such line, counts as (at least) one failure and
# the tail of its log is shown.
set -uo pipefail
name=$1
shift
logdir=${BUILD:-build}/test-logs
mkdir -p "$logdir"
log=$logdir/$name.log
echo "== suite $name"
"$@" >"$log" 2>&1
rc=$?
line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
passed=0 failed=0 skipped=0
if [ -n "$line" ]; then
	passed=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
	failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	if grep -q skipped <<<"$line"; then
		skipped=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
	fi
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "suite $name: exited with status $rc" >>"$log"
	failed=1
fi
if [ -z "$line" ] && [ "$failed" -eq 0 ]; then
	echo "suite $name: printed no result line" >>"$log"
	failed=1
fi
grep -E '^(PASS|FAIL|SKIP)[: ]' "$log" | sed 's/^/   /'
if [ "$failed" -ne 0 ]; then
	echo "-- tail of $log:"
	tail -n 40 "$log" | sed 's/^/   | /'
fi
echo "   $name: $passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" >"$logdir/$name.result"
