#!/usr/bin/env bash
# dom0.sh: the dom0 suite (issue 4 item 3, issue 6 in dom0).  Boots Mica
# with the patched Linux as dom0 and the test initramfs, whose /init runs
# tests/linux/dom0/system.sh (mica.run=dom0): the device tests of
# /dev/mica/privcmd, /dev/mica/evtchn and the grant devices (privcmd_test,
# evtchn_test, gntdev_test), then
# the toolstack on the real devices (mica-stored, mica-consoled, `mica
# create` of a PV domU, `mica list`, `mica console`, `mica destroy`, free
# memory back to what it was; then the store guest, which uses the store
# over its ring and event channel and reports its own store-* checks, and
# console input echoed back).  Every "(d0) PASS:"/"(d0) FAIL:" line of
# the log is reported as this suite's own; the steps below must all be
# there, and the run must end with dom0's poweroff.  Prints PASS/FAIL lines
# and last "N passed, N failed".
#
# Environment: BUILD (default <top>/build), QEMU_TIMEOUT (default 300 s).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
export BUILD=$build
linux=$build/linux
logs=$build/test-logs/linux-dom0
timeout=${QEMU_TIMEOUT:-300}
passed=0 failed=0
mkdir -p "$logs"

pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $1: $3"
	if [ -f "$2" ]; then
		echo "---- tail of $2"
		tail -n 30 "$2" | tr -d '\r' | sed 's/^/    /'
	fi
	failed=$((failed + 1))
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if ! "$top/scripts/build-linux.sh" >"$logs/build.log" 2>&1 ||
	! "$top/tests/linux/build-initramfs.sh" >>"$logs/build.log" 2>&1; then
	fail dom0-build "$logs/build.log" "the kernel or the initramfs does not build"
	finish
fi

log=$logs/dom0.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=dom0,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
lines=$(tr -d '\r' <"$log" | grep -aoE '\(d0\) (PASS|FAIL): .*' | sed 's/^(d0) //')
while IFS= read -r l; do
	case "$l" in
	PASS:*) pass "${l#PASS: }" ;;
	FAIL:*) fail "${l#FAIL: }" "" "(in dom0)" ;;
	esac
done <<<"$lines"

# Each step must have reported (a test that died says nothing).
for step in privcmd-open privcmd-map-foreign-per-frame-errors \
	privcmd-map-foreign-reads-back privcmd-gone-after-munmap \
	privcmd-memory-free-again evtchn-open evtchn-read-fired \
	evtchn-pending-fires-after-rearm evtchn-close-with-bound-ports \
	gntdev-open gntdev-writes-reach-granter gntdev-copy-to-grant \
	gntalloc-dealloc-after-munmap gntdev-map-revoked-grant-refused \
	gntdev-bad-ref gntdev-bad-domid gntdev-double-unmap \
	gntdev-dontneed-refused gntdev-mremap-unmapped-grants \
	gntdev-fork-child-has-no-mapping \
	gntdev-exit-unmaps-grants gntdev-sigkill-unmaps-grants \
	gntdev-maptrack-limit-reached gntdev-no-maptrack-leak \
	dom0-physinfo dom0-daemons dom0-mica-create dom0-mica-list \
	dom0-mica-console dom0-console-log dom0-mica-destroy dom0-mica-list-gone \
	dom0-memory-free-again \
	dom0-storeguest-create dom0-storeguest-ready dom0-store-write-watched \
	store-read-own-domid store-write-own store-read-back-own \
	store-directory-own store-tx-start store-tx-write store-tx-commit \
	store-eacces-read-vm store-eacces-read-names store-eacces-write-dom0 \
	store-eacces-read-other store-eacces-write-other store-eacces-list-domains store-eperm-introduce \
	store-watch-set store-watch-fires-at-once store-watch-fires-on-write \
	dom0-store-guest-read-trigger dom0-store-guest-keys dom0-store-guest-tx \
	dom0-store-guest-refused dom0-console-input-echo \
	dom0-stored-restart-reconnects-guest dom0-storeguest-destroy \
	dom0-storeguest-memory-free dom0-daemons-event-driven; do
	grep -qxE "(PASS|FAIL): $step(:.*)?" <<<"$lines" ||
		fail "$step" "$log" "no result in dom0's log"
done
for prog in privcmd_test evtchn_test gntdev_test; do
	tr -d '\r' <"$log" | grep -aE "\(d0\) $prog: [0-9]+ passed, 0 failed" >/dev/null ||
		fail "dom0-$prog" "$log" "$prog did not finish cleanly"
done
if [ $status -eq 1 ] && tr -d '\r' <"$log" | grep -a '(d0) dom0-system: done' >/dev/null &&
	tr -d '\r' <"$log" | grep -a 'domain 0 (dom0): shut down (poweroff)' >/dev/null; then
	pass dom0-poweroff
else
	fail dom0-poweroff "$log" "dom0 did not finish the system test and power off (QEMU status $status)"
fi
finish
