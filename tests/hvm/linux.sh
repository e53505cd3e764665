#!/usr/bin/env bash
# linux.sh [--bochs]: boots Debian's unmodified cloud kernel
# (linux-image-cloud-amd64, fetched with apt-get download into
# $BUILD/hvm-linux, never rebuilt) as an HVM domain beside the PV guest
# "version" as dom0, through the Linux boot protocol with a busybox
# initramfs (docs/hvm.md "Linux").
#   default: AMD SVM in QEMU, 2 CPUs, 2 vcpus (suite hvm-linux);
#   --bochs: Intel VMX in Bochs (scripts/bochs.sh), 1 CPU, 1 vcpu and a
#            short command line (quiet, a given TSC rate and delay loop, no
#            timer check), as Bochs runs about 50 M instructions a second
#            (suite vmx-linux).
# Passes when its init runs a short workload on every vcpu and the kernel
# powers the domain off through ACPI S5.  Prints PASS/FAIL/SKIP: hvm-linux
# (or vmx-linux) and "N passed, N failed, N skipped".  Environment: BUILD,
# QEMU_TIMEOUT (default 400), BOCHS_TIMEOUT (default 900),
# HVM_LINUX_KERNEL (a vmlinuz to use instead of the package),
# HVM_LINUX_ARGS (extra kernel arguments).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
work=$build/hvm-linux
name=hvm-linux log=$build/test-logs/hvm/linux.log
timeout=${QEMU_TIMEOUT:-400} vcpus=2 args="console=ttyS0"
bochs=false
if [ "${1:-}" = --bochs ]; then
	bochs=true name=vmx-linux log=$build/test-logs/vmx/linux.log
	timeout=${BOCHS_TIMEOUT:-900} vcpus=${HVM_LINUX_VCPUS:-2}
	# Bochs' TSC counts its emulated instructions: 50 MHz (bochs.sh's
	# ips); lpj matches it at HZ=250.  no_timer_check skips waiting for
	# PIT ticks through the I/O APIC.
	args="console=ttyS0 quiet tsc_early_khz=50000 lpj=200000 no_timer_check"
fi
args="$args${HVM_LINUX_ARGS:+ $HVM_LINUX_ARGS}"
mkdir -p "$work" "$(dirname "$log")"

result() {
	echo "$1: $name${2:+: $2}"
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
start=$(date +%s)
if $bochs; then
	"$top/scripts/bochs.sh" --timeout "$timeout" --log "$log" --cpus "$vcpus" \
		--mem 384 --append "guest_test loglvl=info" \
		--module "$build/guests/version.elf test=version" \
		--module "$kernel domain=linux type=hvm mem=128M vcpus=$vcpus -- $args" \
		--module "$work/initrd.gz" \
		"$build/hypervisor/mica.elf" >"$log.run" 2>&1
else
	"$top/scripts/qemu.sh" --timeout "$timeout" --log "$log" --smp 2 \
		--append "guest_test loglvl=info" \
		--initrd "$build/guests/version.elf test=version,$kernel domain=linux type=hvm mem=256M vcpus=$vcpus -- $args,$work/initrd.gz" \
		"$build/hypervisor/mica.elf" >"$log.run" 2>&1
fi
status=$?
echo "$name: $(($(date +%s) - start)) s" >>"$log.run"
[ $status -eq 124 ] && result FAIL "timed out after ${timeout}s"
for want in "(d1) MICA-HVM-LINUX: cpus $vcpus" "(d1) MICA-HVM-LINUX: gzip ok" \
	"(d1) MICA-HVM-LINUX: done" "domain 1 (linux): ACPI S5 (power off)" \
	"(d0) Test result: SUCCESS"; do
	# (no grep -q: with pipefail, tr's SIGPIPE would fail the match)
	tr -d '\r' <"$log" | grep -aF -- "$want" >/dev/null ||
		result FAIL "no '$want' in the log"
done
tr -d '\r' <"$log" | grep -a "crashed\|Kernel panic" >/dev/null &&
	result FAIL "a crash or a panic"
result PASS
