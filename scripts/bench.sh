#!/usr/bin/env bash
# bench.sh: runs the benchmark guests on Mica in QEMU and prints their
# results as "metric value unit" lines (stable format, for comparisons with
# native Linux and Xen as those benchmarks arrive).  A guest reports a
# result by printing "bench: metric value unit" from any of its domains.
#
# Single-domain guests run on one CPU.  Multi-domain guests (a
# tests/guests/NAME/domains file) boot exactly as tests/guests/run.sh boots
# them (tests/guests/boot-args.sh: modules, CPUs, hypervisor arguments):
#   evtchn2  event_channel_interdomain_round_trip
#   ring     ring_round_trip, ring_throughput
#   many     domain_create_start_{1st,100th,200th} (dom0 builds 256 tiny
#            domains), hypervisor_bytes_per_domain (an empty domain)
#   lateness stress_hv_timer_lateness_max, stress_domu_timer_lateness_max
#            (worst timer lateness while dom0 runs long operations, in
#            instruction-counted virtual time: run.conf icount)
#
# Then the Linux micro-benchmarks (tests/linux/bench) with the Mica guest
# kernel and its initramfs (make linux):
#   linux.X.native     booted natively in the same QEMU (no hypervisor)
#   linux.X.mica       booted as Mica's dom0
#   linux.X.ratio      mica / native (> 1: slower on Mica)
# A Linux run that does not reach its benchmarks (the port is still being
# written) is reported on stderr, and its lines and ratios are left out.
#
# Then the toolstack in a Linux dom0 (tests/linux/dom0/bench-create.sh,
# mica.run=bench-create): `mica create` of $BENCH_DOMAINS (default 50)
# 16 MiB domUs kept alive (idle after their first line), all on one CPU,
# in instruction-counted virtual time (icount shift 0: 1 ns per
# instruction, so the shared build machine's load does not show):
#   dom0_mica_create_{1st,Nth}      `mica create` until it returns
#   dom0_create_to_init_{1st,Nth}   until the guest's first console line
#                                   is in mica-consoled's log
# (the Nth: median of the last five).  The goal is flat.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
guests=$build/guests
logs=$build/bench-logs
linux=$build/linux
modules="" ndom=1 smp=2 append="" icount="" boot_args_error=""
. "$top/tests/guests/boot-args.sh"
mkdir -p "$logs"
status=0

# bench GUEST SMP APPEND MODULES [ICOUNT]: one QEMU run, its "bench:"
# lines printed.
bench() {
	local guest=$1 log=$logs/$1.log rc

	"$top/scripts/qemu.sh" --timeout 120 --smp "$2" --log "$log" \
		${5:+--icount "$5"} \
		--append "guest_test $3" --initrd "$4" \
		"$build/hypervisor/mica.elf"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "bench: $guest failed (QEMU status $rc); see $log" >&2
		status=1
	fi
	tr -d '\r' <"$log" | sed -n 's/^.*(d[0-9]*) bench: //p'
}

# guest and extra hypervisor arguments (bench_smp: two vcpus on one CPU).
for spec in "bench_pv:" "bench_smp:dom0_max_vcpus=2" "bench_grant:" "usermode:"; do
	guest=${spec%%:*}
	bench "$guest" 1 "${spec#*:}" "$guests/$guest.elf"
done
for guest in evtchn2 ring many lateness; do
	if ! guest_boot_args "$guest"; then
		echo "bench: $guest: $boot_args_error" >&2
		status=1
		continue
	fi
	bench "$guest" "$smp" "$append" "$modules" "$icount"
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

# The toolstack in dom0: domain creation, 1st against Nth.
ndomains=${BENCH_DOMAINS:-50}
create_log=$logs/dom0-create.log
"$top/scripts/qemu.sh" --timeout 900 --smp 1 --icount 0 --mem $((512 + 17 * ndomains)) \
	--log "$create_log" --append "guest_test dom0_mem=256M" \
	--initrd "$linux/vmlinux mica.run=bench-create mica.bench_domains=$ndomains,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf"
created=$(linux_results "$create_log")
if [ -z "$created" ]; then
	echo "bench: the dom0 creation benchmark did not finish; see $create_log" >&2
	status=1
else
	echo "$created"
fi
exit $status
