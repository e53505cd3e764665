#!/usr/bin/env bash
# bench-density.sh: density benchmarks of `make bench` (after bench.sh and
# bench-hvm.sh), "metric value unit" lines:
#   linux.smallest_domu        the smallest memory (MiB, in steps of 4 from
#                              16) with which a domU of the Mica guest kernel
#                              (make linux) reaches its init, beside a tiny
#                              PV dom0; the init is busybox only (a 1 MiB
#                              initramfs), so this is the kernel's floor
#   linux.smallest_domu_memtotal  MemTotal that domU's kernel reports
# Goal: 16 MiB (Xen 4.17 needs about 80 MiB for a Debian domU); 32 MiB
# today, 24 MiB with CONFIG_PHYSICAL_START=0x200000 (reverted: ldt_gdt_64
# then died in its exec test natively and on Mica, cause open). Logs go to
# $BUILD/bench-logs/density-*.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
logs=$build/bench-logs
work=$build/density
mkdir -p "$logs" "$work"
busybox=$(command -v busybox) || {
	echo "bench: no busybox (busybox-static): no density lines" >&2
	exit 1
}
rm -rf "$work/initrd" && mkdir -p "$work/initrd/bin" "$work/initrd/proc"
cp "$busybox" "$work/initrd/bin/busybox"
cat >"$work/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "MICA-DENSITY: $(/bin/busybox grep MemTotal /proc/meminfo)"
/bin/busybox poweroff -f
INIT
chmod +x "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip >"$work/initrd.gz")

for mib in 16 20 24 28 32 40 48 64; do
	log=$logs/density-${mib}M.log
	"$top/scripts/qemu.sh" --timeout 120 --smp 2 --log "$log" \
		--append "guest_test" \
		--initrd "$build/guests/version.elf test=version,$build/linux/vmlinux domain=small mem=${mib}M -- console=hvc0 quiet,$work/initrd.gz" \
		"$build/hypervisor/mica.elf" >/dev/null 2>&1
	total=$(tr -d '\r' <"$log" |
		sed -n 's/^.*(d1) MICA-DENSITY: MemTotal: *\([0-9]*\) kB.*$/\1/p' | head -n 1)
	if [ -n "$total" ]; then
		echo "linux.smallest_domu $mib MiB"
		echo "linux.smallest_domu_memtotal $total kB"
		exit 0
	fi
done
echo "bench: no Linux domU up to 64 MiB reached init; see $logs/density-*.log" >&2
exit 1
