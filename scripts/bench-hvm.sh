#!/usr/bin/env bash
# bench-hvm.sh: the HVM benchmarks of `make bench` (after scripts/bench.sh),
# printed as "metric value unit" lines like the others:
#   hvm_exit_cpuid, hvm_exit_pio, hvm_exit_mmio, hvm_ioreq_pio,
#   hvm_ioreq_mmio, hvm_ioreq_buffered_write
#                       cycles per exit, device-model round trip or posted
#                       write, under
#                       AMD SVM in QEMU (tests/hvm/bench_exits, with the PV
#                       device model ioreq_dm as dom0; 2 CPUs)
#   hvm_linux.boot_to_init.native / .mica   seconds from the kernel's clock
#                       start to its init (/proc/uptime read by init), for
#                       the hvm-linux suite's Debian kernel booted natively
#                       in the same QEMU (2 CPUs, 256 MiB) and as an HVM
#                       domain on Mica (2 vcpus, 256 MiB)
#   hvm_linux.boot_to_init.ratio            mica / native (> 1: slower)
#   hvm_linux.X.native / .mica / .ratio     the Linux micro-benchmarks of
#                       tests/linux/bench (null_syscall, fork_exit,
#                       fork_exec, page_fault, mmap_munmap, pipe_ctxsw),
#                       static programs run by the same init in both boots:
#                       what an unmodified kernel costs on Mica's HVM path,
#                       to set beside the PV kernel's linux.X.ratio lines
# The kernel is the one tests/hvm/linux.sh fetched (apt-get download of
# linux-image-cloud-amd64 into $BUILD/hvm-linux), fetched here otherwise;
# without it (or busybox) the Linux lines are left out with a note on
# stderr.  Logs go to $BUILD/bench-logs/hvm-*.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
logs=$build/bench-logs
work=$build/hvm-linux
mica=$build/hypervisor/mica.elf
mkdir -p "$logs" "$work"
status=0

# --- Exit costs ---------------------------------------------------------
log=$logs/hvm-bench_exits.log
"$top/scripts/qemu.sh" --timeout 120 --smp 2 --log "$log" \
	--append "guest_test" \
	--initrd "$build/guests/ioreq_dm.elf test=ioreq_dm,$build/hvm/bench_exits.elf domain=bench_exits type=hvm mem=16M vcpus=1 -- test=bench_exits" \
	"$mica" >/dev/null 2>&1
rc=$?
if [ $rc -ne 1 ] || ! tr -d '\r' <"$log" | grep -a "(d1) Test result: SUCCESS" >/dev/null; then
	echo "bench: hvm bench_exits failed (QEMU status $rc); see $log" >&2
	status=1
fi
tr -d '\r' <"$log" | sed -n 's/^.*(d[0-9]*) bench: //p'

# --- Linux boot to init, native and HVM --------------------------------
kernel=${HVM_LINUX_KERNEL:-$(ls "$work"/x/boot/vmlinuz-*-cloud-amd64 2>/dev/null | head -n 1)}
if [ -z "$kernel" ]; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-.*-cloud-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] && (cd "$work" && rm -rf x ./*.deb &&
		apt-get download "$pkg" >/dev/null 2>&1 && dpkg-deb -x ./*.deb x)
	kernel=$(ls "$work"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
fi
busybox=$(command -v busybox)
if [ -z "$kernel" ] || [ -z "$busybox" ]; then
	echo "bench: no Debian cloud kernel or busybox: no hvm_linux lines" >&2
	exit $status
fi

progs="null_syscall fork_exit fork_exec page_fault mmap_munmap pipe_ctxsw"
initrd=$work/bench-initrd
rm -rf "$initrd" && mkdir -p "$initrd/bin" "$initrd/proc"
cp "$busybox" "$initrd/bin/busybox"
if make -s -C "$top/tests/linux/bench" O="$work/bench-progs" >/dev/null 2>&1; then
	for p in $progs; do cp "$work/bench-progs/$p" "$initrd/bin/"; done
else
	echo "bench: tests/linux/bench does not build: no hvm_linux micro-benchmarks" >&2
	progs="" status=1
fi
cat >"$initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "MICA-HVM-BENCH: uptime \$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
for p in $progs; do /bin/\$p; done
/bin/busybox poweroff -f
INIT
chmod +x "$initrd/init"
(cd "$initrd" && find . | cpio -o -H newc 2>/dev/null | gzip >"$work/bench-initrd.gz")

# uptime LOG: the seconds init printed.
uptime() {
	tr -d '\r' <"$1" | sed -n 's/^.*MICA-HVM-BENCH: uptime \([0-9.]*\).*$/\1/p' |
		head -n 1
}

native_log=$logs/hvm-linux-native.log
"$top/scripts/qemu.sh" --timeout 300 --smp 2 --mem 256 --log "$native_log" \
	--append "console=ttyS0 quiet panic=-1" \
	--initrd "$work/bench-initrd.gz" "$kernel" >/dev/null 2>&1
native=$(uptime "$native_log")

hvm_log=$logs/hvm-linux-mica.log
"$top/scripts/qemu.sh" --timeout 400 --smp 2 --log "$hvm_log" \
	--append "guest_test" \
	--initrd "$build/guests/version.elf test=version,$kernel domain=linux type=hvm mem=256M vcpus=2 -- console=ttyS0 quiet panic=-1,$work/bench-initrd.gz" \
	"$mica" >/dev/null 2>&1
hvm=$(uptime "$hvm_log")

if [ -z "$native" ] || [ -z "$hvm" ]; then
	echo "bench: Linux did not reach init (native '${native}', HVM '${hvm}');" \
		"see $native_log and $hvm_log" >&2
	exit 1
fi
echo "hvm_linux.boot_to_init.native $native s"
echo "hvm_linux.boot_to_init.mica $hvm s"
awk -v n="$native" -v h="$hvm" 'BEGIN {
	if (n > 0) printf "hvm_linux.boot_to_init.ratio %.3f x\n", h / n }'

# micro LOG: "metric value unit" lines of the init's programs.
micro() {
	tr -d '\r' <"$1" | sed -n 's/^.*bench: \([a-z_]*\) \([0-9.]*\) \([a-z]*\)$/\1 \2 \3/p'
}
native=$(micro "$native_log")
hvm=$(micro "$hvm_log")
for p in $progs; do
	grep -q "^$p " <<<"$native" && grep -q "^$p " <<<"$hvm" && continue
	echo "bench: hvm_linux $p missing (native or HVM); see $native_log and $hvm_log" >&2
	status=1
done
awk '{ print "hvm_linux." $1 ".native", $2, $3 }' <<<"$native"
awk '{ print "hvm_linux." $1 ".mica", $2, $3 }' <<<"$hvm"
awk 'NR == FNR { native[$1] = $2; next }
	($1 in native) && native[$1] > 0 {
		printf "hvm_linux.%s.ratio %.3f x\n", $1, $2 / native[$1] }' \
	<(echo "$native") <(echo "$hvm")
exit $status
