#!/usr/bin/env bash
# bench.sh: runs the benchmarks in QEMU and prints their results as
# "metric value unit" lines (a stable format for comparisons).
#
#   pv.*, smp.*, ...   PV micro-benchmarks (the bench_* guests on Mica)
#   linux.X.native     the Linux micro-benchmarks (tests/linux/bench), the
#                      Mica guest kernel booted natively in the same QEMU
#   linux.X.mica       the same kernel and initramfs as Mica's dom0
#   linux.X.ratio      mica / native (> 1: slower on Mica)
# A Linux run that does not reach its benchmarks (the port is still being
# written) is reported on stderr, and its lines and ratios are left out.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
logs=$build/bench-logs
linux=$build/linux
mkdir -p "$logs"
status=0

# guest and extra hypervisor arguments (bench_smp: two vcpus on one CPU).
for spec in "bench_pv:" "bench_smp:dom0_max_vcpus=2" "bench_grant:"; do
	guest=${spec%%:*}
	log=$logs/$guest.log
	"$top/scripts/qemu.sh" --timeout 120 --smp 1 --log "$log" \
		--append "guest_test ${spec#*:}" \
		--initrd "$build/guests/$guest.elf" "$build/hypervisor/mica.elf"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "bench: $guest failed (QEMU status $rc); see $log" >&2
		status=1
	fi
	tr -d '\r' <"$log" | sed -n 's/^.*(d0) bench: //p'
done

# linux_results LOG: "metric value unit" lines the init's programs printed.
linux_results() {
	tr -d '\r' <"$1" | sed -n 's/^\(.*) \)\{0,1\}bench: //p'
}

# The same kernel, natively: bzImage on the test machine, one CPU.
native_log=$logs/linux-native.log
"$top/scripts/qemu.sh" --timeout 600 --smp 1 --mem 256 --log "$native_log" \
	--append "console=ttyS0 quiet mica.run=bench mica.exit=qemu" \
	--initrd "$linux/initramfs.cpio" "$linux/bzImage"
rc=$?
native=$(linux_results "$native_log")
if [ $rc -ne 1 ] || [ -z "$native" ]; then
	echo "bench: native Linux run failed (QEMU status $rc); see $native_log" >&2
	status=1
fi
awk '{ print "linux." $1 ".native", $2, $3 }' <<<"$native"

# On Mica: the kernel as dom0 (module 0), the initramfs as module 1.
mica_log=$logs/linux-mica.log
"$top/scripts/qemu.sh" --timeout 600 --smp 1 --log "$mica_log" \
	--append "guest_test dom0_mem=256M" \
	--initrd "$linux/vmlinux mica.run=bench,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf"
mica=$(linux_results "$mica_log")
if [ -z "$mica" ]; then
	echo "bench: Linux on Mica did not reach its benchmarks yet; see $mica_log" >&2
else
	awk '{ print "linux." $1 ".mica", $2, $3 }' <<<"$mica"
	# Ratios for the metrics both runs produced.
	awk 'NR == FNR { native[$1] = $2; next }
	     ($1 in native) && native[$1] > 0 {
		printf "linux.%s.ratio %.3f x\n", $1, $2 / native[$1] }' \
		<(echo "$native") <(echo "$mica")
fi
exit $status
