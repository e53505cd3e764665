#!/usr/bin/env bash
# run.sh [--bochs] [NAME...]: boots Mica in QEMU (AMD SVM) or, with
# --bochs, in Bochs (Intel VMX, from a GRUB ISO: scripts/bochs.sh) once per
# HVM test guest (default: every directory with a main.c; under Bochs,
# those listed in tests/hvm/vmx-tests), as domain 1
# (type=hvm, 16 MiB) next to the PV guest "version" as dom0, and judges
# the serial log.  Prints "PASS: hvm-NAME", "FAIL: hvm-NAME: why" (with
# the log tail) or "SKIP: hvm-NAME: why" (vmx-NAME under Bochs), and last
# "N passed, N failed, N skipped".
#
# A test passes when dom0 prints "(d0) Test result: SUCCESS", QEMU ends by
# itself (Mica ends the run when every domain has shut down), and
#   - without NAME/expect-crash: d1 prints exactly one "(d1) Test result:"
#     line, SUCCESS or SKIP;
#   - with NAME/expect-crash (a hostile guest Mica must stop): d1 prints
#     no result line, and the log has "domain 1 (NAME) crashed: " followed
#     by the text on the file's first line.
# Every line of an optional NAME/expect must appear in the log as well.
# NAME/dom0 names another PV guest of tests/guests to run as dom0 (it must
# pass too); NAME/smp sets the number of CPUs (default 2); NAME/vcpus the
# HVM domain's vcpus (default 1).
#
# Environment: BUILD (default <top>/build), QEMU_TIMEOUT seconds per run
# (default 60), BOCHS_TIMEOUT (default 240).  The HVM guests and the PV guests are (re)built first; the
# hypervisor must be built already (make hypervisor).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
hvm=$build/hvm
hypervisor=$build/hypervisor/mica.elf
dom0=$build/guests/version.elf
logs=$build/test-logs/hvm
timeout=${QEMU_TIMEOUT:-60}
emulator=qemu prefix=hvm
if [ "${1:-}" = --bochs ]; then
	shift
	emulator=bochs prefix=vmx
	timeout=${BOCHS_TIMEOUT:-240}
	logs=$build/test-logs/vmx
fi
passed=0 failed=0 skipped=0

fail() {
	local name=$1 log=$2
	shift 2
	echo "FAIL: $prefix-$name: $*"
	if [ -f "$log" ]; then
		echo "---- tail of $log"
		tail -n 30 "$log" | tr -d '\r' | sed 's/^/    /'
	fi
	failed=$((failed + 1))
}

# result_lines LOG ID: the text after "(dID) Test result: ", one per line.
result_lines() {
	tr -d '\r' <"$1" | grep -a "(d$2) Test result: " |
		sed "s/.*(d$2) Test result: //"
}

# boot_bochs LOG CPUS DOM0 DOMU: the same run in Bochs, with QEMU's exit
# statuses: 1 ended by itself, 5 panicked, 124 timed out (Bochs' own
# status says nothing: the serial log does).
boot_bochs() {
	"$top/scripts/bochs.sh" --timeout "$timeout" --log "$1" --cpus "$2" \
		--append "guest_test loglvl=info" --module "$3" --module "$4" \
		"$hypervisor" >/dev/null 2>&1
	[ $? -eq 124 ] && return 124
	tr -d '\r' <"$1" | grep -a '^\[[ 0-9.]*\] FATAL on CPU' >/dev/null && return 5
	tr -d '\r' <"$1" | grep -a 'guest_test: every domain has shut down' >/dev/null ||
		return 2
	return 1
}

run_guest() {
	local name=$1 elf=$hvm/$1.elf log=$logs/$1.log dir=$top/tests/hvm/$1
	local status d0 d1 count want line pv=$dom0 pvname=version smp=2
	local vcpus=1

	if [ -f "$dir/dom0" ]; then
		pvname=$(cat "$dir/dom0")
		pv=$build/guests/$pvname.elf
	fi
	[ -f "$dir/smp" ] && smp=$(cat "$dir/smp")
	[ -f "$dir/vcpus" ] && vcpus=$(cat "$dir/vcpus")

	[ -f "$elf" ] || { fail "$name" "" "no such guest ($elf)"; return; }
	[ -f "$hypervisor" ] ||
		{ fail "$name" "" "no hypervisor image (make hypervisor)"; return; }
	rm -f "$log"
	if [ $emulator = bochs ]; then
		boot_bochs "$log" "$smp" "$pv test=$pvname" \
			"$elf domain=$name type=hvm mem=16M vcpus=$vcpus -- test=$name"
		status=$?
	else
		"$top/scripts/qemu.sh" --timeout "$timeout" --log "$log" \
			--smp "$smp" --append "guest_test loglvl=info" \
			--initrd "$pv test=$pvname,$elf domain=$name type=hvm mem=16M vcpus=$vcpus -- test=$name" \
			"$hypervisor" >"$log.qemu" 2>&1
		status=$?
	fi
	case $status in
	1 | 3) ;;
	5) fail "$name" "$log" "the hypervisor panicked"; return ;;
	124) fail "$name" "$log" "timed out after ${timeout}s"; return ;;
	*) fail "$name" "$log" "$emulator exit status $status"; return ;;
	esac
	d0=$(result_lines "$log" 0)
	if [ "$d0" != SUCCESS ]; then
		fail "$name" "$log" "dom0 result '$d0', expected SUCCESS"
		return
	fi
	d1=$(result_lines "$log" 1)
	count=$(grep -c . <<<"$d1")
	if [ -f "$dir/expect-crash" ]; then
		want="domain 1 ($name) crashed: $(head -n 1 "$dir/expect-crash")"
		if [ "$count" -ne 0 ]; then
			fail "$name" "$log" "the guest printed '$d1'; Mica" \
				"should have crashed it"
			return
		fi
		if ! tr -d '\r' <"$log" | grep -aF -- "$want" >/dev/null; then
			fail "$name" "$log" "no '$want' in the log"
			return
		fi
	elif [ "$count" -ne 1 ]; then
		fail "$name" "$log" "$count '(d1) Test result:' lines, expected 1"
		return
	else
		case $d1 in
		SUCCESS) ;;
		"SKIP: "*)
			echo "SKIP: $prefix-$name: ${d1#SKIP: }"
			skipped=$((skipped + 1))
			return ;;
		*) fail "$name" "$log" "$d1"; return ;;
		esac
	fi
	if [ -f "$dir/expect" ]; then
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			if ! tr -d '\r' <"$log" | grep -aF -- "$line" >/dev/null; then
				fail "$name" "$log" "no '$line' in the log"
				return
			fi
		done <"$dir/expect"
	fi
	echo "PASS: $prefix-$name"
	passed=$((passed + 1))
}

mkdir -p "$logs"
if ! make -s -C "$top/tests/hvm" O="$hvm" all ||
	! make -s -C "$top/tests/guests" O="$build/guests" all; then
	echo "FAIL: hvm-build: the guests do not build"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
if [ $# -eq 0 ] && [ $emulator = bochs ]; then
	set -- $(sed 's/#.*//' "$top/tests/hvm/vmx-tests")
elif [ $# -eq 0 ]; then
	set -- $(cd "$top/tests/hvm" && ls -d */main.c | sed 's,/main.c,,')
fi
for name in "$@"; do
	run_guest "$name"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
