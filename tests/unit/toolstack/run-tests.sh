#!/usr/bin/env bash
# run-tests.sh BUILD_DIR
#
# Runs the toolstack's test programs (built by `make -C toolstack test`) and
# its fuzzers, and ends with the line "N passed, N failed".  A test program
# prints one PASS:/FAIL: line per test; one that crashes or exits non-zero
# without saying why counts as one more failure.
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
fuzz_dir=$(cd "$here/../../fuzz" && pwd)
fuzz_seconds=${MICA_FUZZ_SECONDS:-12}

export MICA_STORED="$build/san/mica-stored"
export MICA_CONSOLED="$build/san/mica-consoled"
export MICA_WATCHD="$build/san/mica-watchd"
export MICA_CLI="$build/san/mica"
export MICA_TEST_GOLDEN="$here/golden"
export TMPDIR="$build/tmp"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

passed=0 failed=0
for test in "$build"/san/tests/test_*; do
	[ -x "$test" ] || continue
	name=$(basename "$test")
	out=$("$test" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(grep -c '^PASS: ' <<<"$out")
	f=$(grep -c '^FAIL: ' <<<"$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited with status $rc"
		failed=$((failed + 1))
	fi
done

# Shell tests drive the programs end to end (the CLI against the simulated
# hypervisor and a real mica-stored).
for script in "$here"/test-*.sh; do
	out=$("$script" "$build" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(grep -c '^PASS: ' <<<"$out")
	f=$(grep -c '^FAIL: ' <<<"$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $(basename "$script"): exited with status $rc"
		failed=$((failed + 1))
	fi
done

# Each fuzzer runs for a bounded time from the checked-in seeds; new inputs
# go to a scratch corpus in the build directory, never into the tree.
for fuzzer in "$build"/fuzz/fuzz_*; do
	name=$(basename "$fuzzer")
	case $name in *.*) continue ;; esac
	[ -x "$fuzzer" ] && [ -f "$fuzzer" ] || continue
	seeds="$fuzz_dir/corpus/${name#fuzz_}"
	work="$build/fuzz/work-$name"
	mkdir -p "$work"
	if "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/$name-" "$work" "$seeds" \
		>"$build/fuzz/$name.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
			"$build/fuzz/$name.log" | grep -o '[0-9]*$')
		echo "PASS: $name (${runs:-?} inputs in ${fuzz_seconds}s)"
		passed=$((passed + 1))
	else
		echo "FAIL: $name: crash; see $build/fuzz/$name.log"
		tail -n 30 "$build/fuzz/$name.log"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
