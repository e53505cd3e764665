#!/usr/bin/env bash
# Sums the per-suite results written by run-suite.sh and prints the closing
# line of `make test`.  Exits non-zero if anything failed.
set -euo pipefail
logdir=${BUILD:-build}/test-logs
passed=0 failed=0 skipped=0
for result in "$logdir"/*.result; do
	[ -e "$result" ] || continue
	read -r p f s <"$result"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
