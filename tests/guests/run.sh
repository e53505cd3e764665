#!/usr/bin/env bash
# run.sh [NAME...]: boots Mica in QEMU once per test guest (default: every
# guest), with the guest as dom0 (multiboot module 0), and judges the serial
# log.  Prints "PASS: guest-NAME", "FAIL: guest-NAME: why" (with the log
# tail) or "SKIP: guest-NAME: why" per guest, and last "N passed, N failed,
# N skipped".  Exits non-zero if any failed.
#
# Boot contract (the hypervisor side implements it):
#   scripts/qemu.sh --timeout T --log LOG --append "guest_test loglvl=info" \
#       --initrd "GUEST.elf test=NAME" build/hypervisor/mica.elf
# Mica builds dom0 from module 0, prints its console output prefixed with
# "(d0) ", and with guest_test on its command line ends QEMU once every
# domain has shut down.  The guest prints exactly one "Test result:" line.
#
# Multi-domain tests: a file tests/guests/NAME/domains adds domUs, one line
# per domain (blank lines and '#' comments ignored):
#   DOMAIN-NAME GUEST [mem=SIZE] [vcpus=N] [-- GUEST ARGS]
# Each becomes a module "GUEST.elf domain=DOMAIN-NAME ... -- test=NAME ARGS"
# (docs/boot.md), domain ids 1, 2, ... in file order.  The test passes when
# every domain, d0 and each dN, prints exactly one "(dN) Test result:" line
# and none is FAILURE or ERROR (SKIP if any skips).
#
# A guest may ask for a bigger machine in tests/guests/NAME/run.conf,
# lines "key=value": smp=N (CPUs; default 2), append=ARGS (added to the
# hypervisor command line, e.g. dom0_max_vcpus=2), timeout=SECONDS (a
# longer time limit than QEMU_TIMEOUT for this guest) and icount=SHIFT
# (virtual time counted in instructions, for timing tests; boot-args.sh).
#
# Environment: BUILD (default <top>/build), QEMU_TIMEOUT seconds per run
# (default 60).  Guests are (re)built into $BUILD/guests first; the
# hypervisor must already be built (make hypervisor).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
guests=$build/guests
hypervisor=$build/hypervisor/mica.elf
logs=$build/test-logs/guests
timeout=${QEMU_TIMEOUT:-60}
passed=0 failed=0 skipped=0
modules="" ndom=1 smp=2 append="" icount="" boot_args_error=""
# guest_boot_args: the modules, smp and append of a guest.
. "$top/tests/guests/boot-args.sh"

fail() {
	local name=$1 log=$2
	shift 2
	echo "FAIL: guest-$name: $*"
	if [ -f "$log" ]; then
		echo "---- tail of $log"
		tail -n 30 "$log" | tr -d '\r' | sed 's/^/    /'
	fi
	failed=$((failed + 1))
}

# run_guest NAME: one QEMU run, judged from its exit status and log.
run_guest() {
	local name=$1 elf=$guests/$1.elf log=$logs/$1.log
	local status results count=0 verdict limit=$timeout t
	local conf=$top/tests/guests/$1/run.conf

	if [ ! -f "$elf" ]; then
		fail "$name" "" "no such guest ($elf)"
		return
	fi
	if [ ! -f "$hypervisor" ]; then
		fail "$name" "" "no hypervisor image $hypervisor (make hypervisor)"
		return
	fi
	if ! guest_boot_args "$name"; then
		fail "$name" "" "$boot_args_error"
		return
	fi
	if [ -f "$conf" ]; then
		t=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$conf" | tail -n 1)
		[ -n "$t" ] && [ "$t" -gt "$limit" ] && limit=$t
	fi
	rm -f "$log"
	"$top/scripts/qemu.sh" --timeout "$limit" --log "$log" \
		${icount:+--icount "$icount"} \
		--smp "$smp" --append "guest_test loglvl=info $append" \
		--initrd "$modules" "$hypervisor" >"$log.qemu" 2>&1
	status=$?

	# QEMU status: (code << 1) | 1 when the hypervisor ends the run
	# (mica/shutdown.h): 1 clean, 3 tests failed, 5 panic; 124 timeout.
	case $status in
	1 | 3) ;;
	5)
		fail "$name" "$log" "the hypervisor panicked"
		return ;;
	124)
		fail "$name" "$log" "timed out after ${limit}s" \
			"($count result lines; the run must end when dom0 shuts down)"
		return ;;
	*)
		fail "$name" "$log" "QEMU exit status $status" \
			"$(head -c 300 "$log.qemu" 2>/dev/null)"
		return ;;
	esac

	# Every domain's one result line; the worst verdict counts.
	verdict=SUCCESS
	for ((id = 0; id < ndom; id++)); do
		results=$(tr -d '\r' <"$log" 2>/dev/null |
			grep -a "(d$id) Test result: " |
			sed "s/.*(d$id) Test result: //")
		count=$(grep -c . <<<"$results")
		if [ "$count" -ne 1 ]; then
			fail "$name" "$log" "$count '(d$id) Test result:' lines," \
				"expected 1" "$([ "$count" -eq 0 ] &&
					echo '(the guest crashed or never ran)')"
			return
		fi
		[ $ndom -gt 1 ] && results="d$id: $results"
		case $results in
		*"FAILURE: "* | *"ERROR: "*) verdict=$results; break ;;
		*"SKIP: "*) verdict="SKIP: ${results#*SKIP: }" ;;
		*SUCCESS) ;;
		*) verdict="malformed result '$results'"; break ;;
		esac
	done
	case $verdict in
	SUCCESS)
		echo "PASS: guest-$name"
		passed=$((passed + 1)) ;;
	"SKIP: "*)
		echo "SKIP: guest-$name: ${verdict#SKIP: }"
		skipped=$((skipped + 1)) ;;
	*"FAILURE: "* | *"ERROR: "*)
		fail "$name" "$log" "$verdict" ;;
	*)
		fail "$name" "$log" "$verdict" ;;
	esac
}

mkdir -p "$logs"
if ! make -s -C "$top/tests/guests" O="$guests" all; then
	echo "FAIL: guest-build: the guests do not build"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

if [ $# -eq 0 ]; then
	set -- $(cd "$top/tests/guests" && ls -d */main.c | sed 's,/main.c,,')
fi
for name in "$@"; do
	run_guest "$name"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
