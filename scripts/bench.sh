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
# Worst timer lateness under a stress of long operations (the lateness
# test guest with its domU), in instruction-counted virtual time.
log=$logs/lateness.log
"$top/scripts/qemu.sh" --timeout 300 --smp 1 --icount 0 --log "$log" \
	--append "guest_test dom0_mem=320M dom0_max_vcpus=2" \
	--initrd "$build/guests/lateness.elf test=lateness,$build/guests/lateness.elf domain=ticker mem=8M -- test=lateness role=ticker" \
	"$build/hypervisor/mica.elf"
rc=$?
if [ $rc -ne 1 ]; then
	echo "bench: lateness failed (QEMU status $rc); see $log" >&2
	status=1
fi
tr -d '\r' <"$log" | sed -n 's/^.*(d0) bench: //p'
exit $status
