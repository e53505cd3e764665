#!/usr/bin/env bash
# System tests of the bare hypervisor in QEMU: boots with the self-tests on
# several machine shapes and both boot protocols, the crash paths, and a
# plain boot to idle.  Each QEMU run has a time limit; a failing run shows
# the tail of its serial log.  Prints "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
elf=$build/hypervisor/mica.elf
logs=$build/test-logs/boot
mkdir -p "$logs"
passed=0 failed=0
QEMU_TIMEOUT=${QEMU_TIMEOUT:-120}

fail() {
	local name=$1 log=$2
	shift 2
	echo "FAIL: $name: $*"
	echo "---- tail of $log"
	tail -n 30 "$log" | tr -d '\r' | sed 's/^/    /'
	failed=$((failed + 1))
}

# run NAME EXPECTED_STATUS QEMU_ARGS... -- PATTERN...
# Boots, checks QEMU's exit status and that each pattern (an extended regex)
# appears in the serial log.
run() {
	local name=$1 want=$2
	shift 2
	local args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	shift
	local log=$logs/$name.log
	"$top/scripts/qemu.sh" --timeout "$QEMU_TIMEOUT" --log "$log" "${args[@]}"
	local status=$?
	if [ "$status" != "$want" ]; then
		fail "$name" "$log" "QEMU exit status $status, expected $want" \
			"$([ $status = 124 ] && echo '(timed out)')"
		return
	fi
	local pattern
	for pattern in "$@"; do
		if ! tr -d '\r' <"$log" | grep -E -- "$pattern" >/dev/null; then
			fail "$name" "$log" "log lacks /$pattern/"
			return
		fi
	done
	if tr -d '\r' <"$log" | grep '^\[.*\] FAIL: ' >/dev/null; then
		fail "$name" "$log" "a self-test failed"
		return
	fi
	echo "PASS: $name"
	passed=$((passed + 1))
}

# Status 1 = clean exit (code 0), 5 = panic (code 2); see mica/shutdown.h.
selftests=(-- 'Mica [0-9.]+ hypervisor' 'Memory map' 'Time: TSC [0-9.]+ MHz'
	'PASS: alloc_exhaustion' 'PASS: smp_all_cpus'
	'PASS: time_lapic_timer_vs_hpet' 'selftest: [1-9][0-9]* passed, 0 failed')

# Two boot modules: a small one with known contents, a larger random one.
printf 'MICAMOD1-payload' >"$logs/module1"
head -c 300000 /dev/urandom >"$logs/module2"
run selftest-multiboot1-2cpu 1 --smp 2 --mem 1024 --append "selftest=all" \
	--initrd "$logs/module1 magic=MICAMOD1 role=test,$logs/module2" \
	"$elf" "${selftests[@]}" 'SMP: 2 of 2 CPUs online' \
	"Module 0: .*magic=MICAMOD1 role=test'" 'Module 1: ' \
	'PASS: boot_modules_reserved'

run selftest-multiboot1-4cpu-2g 1 --smp 4 --mem 2048 --append "selftest=all" \
	"$elf" "${selftests[@]}" 'SMP: 4 of 4 CPUs online' 'Memory: 20[0-9][0-9] MiB RAM'

iso=$build/hypervisor/selftest.iso
if "$top/scripts/mkiso.sh" "$elf" "$iso" "selftest=all"; then
	run selftest-grub-multiboot2 1 --smp 2 --mem 1024 --iso "$iso" \
		"${selftests[@]}" 'booted by GRUB.*\(multiboot2\)' \
		'SMP: 2 of 2 CPUs online'
else
	echo "FAIL: selftest-grub-multiboot2: could not build the ISO"
	failed=$((failed + 1))
fi

run crash-page-fault 5 --smp 2 --append "selftest=fault" "$elf" -- \
	'FATAL on CPU0: #PF page fault at ffff8000dead0000' 'RIP is .*<selftest_run' \
	'CR2: ffff8000dead0000' 'Backtrace:' '<boot_continue\+' \
	'All CPUs stopped'

run crash-stack-overflow 5 --smp 2 --append "selftest=stack-overflow" "$elf" -- \
	'FATAL on CPU0: #DF double fault' '<recurse' 'more times' \
	'All CPUs stopped'

# A plain boot (what `make run` shows) reaches idle and stays there; bad
# command-line words are reported and ignored.
run boot-to-idle 124 --timeout 20 --smp 2 --append "bogus=1 maxcpus=x loglvl=info dom0_mem=512M" \
	"$elf" -- "cmdline: 'bogus=1' ignored: unknown parameter" \
	"cmdline: 'maxcpus=x' ignored: invalid value" 'SMP: 2 of 2 CPUs online' \
	'Mica: boot complete, [0-9]+ MiB free; idle'

run maxcpus-limit 124 --timeout 20 --smp 3 --append "maxcpus=2" "$elf" -- \
	'SMP: 2 of 3 CPUs online' 'not started \(maxcpus=2\)'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
