#!/usr/bin/env bash
# bench.sh: runs the benchmark guests on Mica in QEMU and prints their
# results as "metric value unit" lines (stable format, for comparisons with
# native Linux and Xen as those benchmarks arrive).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
logs=$build/bench-logs
mkdir -p "$logs"
status=0
# guest and extra hypervisor arguments (bench_smp: two vcpus on one CPU).
for spec in "bench_pv:" "bench_smp:dom0_max_vcpus=2"; do
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
exit $status
