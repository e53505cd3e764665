#!/usr/bin/env bash
# linux.sh: boots Debian's unmodified cloud kernel (linux-image-cloud-amd64,
# fetched with apt-get download into $BUILD/hvm-linux, never rebuilt) as an
# HVM domain with 2 vcpus beside the PV guest "version" as dom0, through the
# Linux boot protocol with a busybox initramfs (docs/hvm.md "Linux").
# Passes when its init runs a short workload on 2 CPUs and the kernel powers
# the domain off through ACPI S5.  Prints PASS/FAIL/SKIP: hvm-linux and
# "N passed, N failed, N skipped".  Environment: BUILD, QEMU_TIMEOUT
# (default 400), HVM_LINUX_KERNEL (a vmlinuz to use instead of the package).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
work=$build/hvm-linux
log=$build/test-logs/hvm/linux.log
timeout=${QEMU_TIMEOUT:-400}
mkdir -p "$work" "$(dirname "$log")"

result() {
	echo "$1: hvm-linux${2:+: $2}"
	case $1 in
	PASS) echo "1 passed, 0 failed, 0 skipped" ;;
	SKIP) echo "0 passed, 0 failed, 1 skipped" ;;
	*) [ -f "$log" ] && tail -n 40 "$log" | tr -d '\r' | sed 's/^/    /'
	   echo "0 passed, 1 failed, 0 skipped"; exit 1 ;;
	esac
	exit 0
}

kernel=${HVM_LINUX_KERNEL:-}
if [ -z "$kernel" ]; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-.*-cloud-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || result SKIP "no linux-image-cloud-amd64 in the package lists (apt-get update)"
	kernel=$(ls "$work"/x/boot/vmlinuz-*-cloud-amd64 2>/dev/null | grep -F "${pkg#linux-image-}" | head -n 1)
	if [ -z "$kernel" ]; then
		(cd "$work" && rm -rf x ./*.deb && apt-get download "$pkg" >/dev/null 2>&1 &&
			dpkg-deb -x ./*.deb x) || result SKIP "cannot download $pkg"
		kernel=$(ls "$work"/x/boot/vmlinuz-* | head -n 1)
	fi
fi
[ -f "$kernel" ] || result FAIL "no kernel image"
busybox=$(command -v busybox) || result SKIP "no busybox (busybox-static)"

# The initramfs: busybox and an init that reports and powers off.
rm -rf "$work/initrd" && mkdir -p "$work/initrd/bin" "$work/initrd/proc" \
	"$work/initrd/sys" "$work/initrd/dev"
cp "$busybox" "$work/initrd/bin/busybox"
cat >"$work/initrd/init" <<'INIT'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t sysfs sys /sys
echo "MICA-HVM-LINUX: init running"
echo "MICA-HVM-LINUX: cpus $($b grep -c ^processor /proc/cpuinfo)"
$b seq 1 20000 | $b gzip | $b wc -c >/dev/null && echo "MICA-HVM-LINUX: gzip ok"
$b grep -E "IO-APIC|LOC" /proc/interrupts | $b head -n 4
echo "MICA-HVM-LINUX: clocksource $($b cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "MICA-HVM-LINUX: done"
$b poweroff -f
INIT
chmod +x "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip >"$work/initrd.gz") ||
	result FAIL "cannot build the initramfs"

make -s -C "$top/tests/guests" O="$build/guests" all >/dev/null ||
	result FAIL "the PV guests do not build"
"$top/scripts/qemu.sh" --timeout "$timeout" --log "$log" --smp 2 \
	--append "guest_test loglvl=info" \
	--initrd "$build/guests/version.elf test=version,$kernel domain=linux type=hvm mem=256M vcpus=2 -- console=ttyS0,$work/initrd.gz" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
[ $status -eq 124 ] && result FAIL "timed out after ${timeout}s"
for want in "(d1) MICA-HVM-LINUX: cpus 2" "(d1) MICA-HVM-LINUX: gzip ok" \
	"(d1) MICA-HVM-LINUX: done" "domain 1 (linux): ACPI S5 (power off)" \
	"(d0) Test result: SUCCESS"; do
	# (no grep -q: with pipefail, tr's SIGPIPE would fail the match)
	tr -d '\r' <"$log" | grep -aF -- "$want" >/dev/null ||
		result FAIL "no '$want' in the log"
done
tr -d '\r' <"$log" | grep -a "crashed\|Kernel panic" >/dev/null &&
	result FAIL "a crash or a panic"
result PASS
