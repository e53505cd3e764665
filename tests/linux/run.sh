#!/usr/bin/env bash
# run.sh: the Linux guest suite.  Builds the Mica guest kernel and its
# initramfs (scripts/build-linux.sh, tests/linux/build-initramfs.sh), boots
# the kernel natively and on Mica in QEMU, and checks the milestones each
# boot reaches in its serial log.  Prints PASS/FAIL lines and last
# "N passed, N failed".
#
# Milestones on Mica (the port grows patch by patch; add a check here when
# a patch makes the kernel get further):
#   linux-mica-entry     the PV entry point ran C code and printed the banner
#   linux-mica-layout    start_info's memory layout was read and reported
#   linux-mica-p2m       the p2m list was checked against Mica's m2p
#   linux-mica-shared-info  the shared-info page is mapped (events masked)
#   linux-mica-traps     the early trap table was accepted
#   linux-mica-mmu       the kernel built its own page tables (kernel map,
#                        fixmap, start of the direct map; machine frames in
#                        the entries, tables read-only), had Mica pin and
#                        load them, and let Mica's boot tables go
#   linux-mica-generic   the generic kernel (start_kernel) was entered
#   linux-mica-printk    printk reaches the hypervisor console (boot console):
#                        the kernel's own "Linux version" banner
#   linux-mica-idt       setup_arch() loaded its IDT through pv_ops (it
#                        got past the virtual IF ops and early CPU probing,
#                        whose MSR probes are fixed up by the early traps)
#   linux-mica-e820      setup_arch printed the memory map read from
#                        Mica (MICA_MEMOP_memory_map)
#   linux-mica-tsc       the TSC frequency was taken from Mica's time info
#                        (not calibrated against the PIT)
#   linux-mica-direct-map  init_mem_mapping() extended the direct map over
#                        all our memory through the MMU pv_ops (new tables
#                        read-only, entries written with mmu_update) and
#                        the zones were set up
#   linux-mica-mm-init   mm_init() set up the page allocator and allocated
#                        the dentry hash from it
#   linux-mica-cpu, linux-mica-cpu-mm  the CPU pv_ops: the GDT was installed with set_gdt
#                        (no TSS) in trap_init() and the boot got through
#                        mm_init() (the page allocator's "Memory:" line)
#   linux-mica-stop      the first operation not yet ported was reported
#                        with its
#                        registers and the domain shut itself down as
#                        crashed: a clean end through MICA_SCHEDOP_shutdown,
#                        not a hang (an INFO line names the stopping point)
# Native (the same kernel, bzImage, no hypervisor):
#   linux-native-init    the kernel reached /init and the init ended QEMU
#
# Environment: BUILD (default <top>/build), QEMU_TIMEOUT (default 300 s).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
export BUILD=$build
linux=$build/linux
logs=$build/test-logs/linux
timeout=${QEMU_TIMEOUT:-300}
passed=0 failed=0
mkdir -p "$logs"

pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}

# fail NAME LOG WHY: reports a failure with the tail of the log.
fail() {
	echo "FAIL: $1: $3"
	if [ -f "$2" ]; then
		echo "---- tail of $2"
		tail -n 30 "$2" | tr -d '\r' | sed 's/^/    /'
	fi
	failed=$((failed + 1))
}

# expect NAME LOG REGEX WHY: PASS if the log has a line matching REGEX.
# grep reads all of tr's output (no -q): with pipefail, a grep that quit at
# the first match would fail the pipeline by SIGPIPE on tr's next write.
expect() {
	if tr -d '\r' <"$2" | grep -aE "$3" >/dev/null; then
		pass "$1"
	else
		fail "$1" "$2" "$4"
	fi
}

finish() {
	echo "linux: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if ! "$top/scripts/build-linux.sh" >"$logs/build.log" 2>&1; then
	fail linux-build "$logs/build.log" "the kernel does not build"
	finish
fi
if ! "$top/tests/linux/build-initramfs.sh" >>"$logs/build.log" 2>&1; then
	fail linux-build "$logs/build.log" "the initramfs does not build"
	finish
fi
pass linux-build

# On Mica: the kernel is module 0 (with its command line), the initramfs
# module 1; guest_test ends QEMU once dom0 has shut down, with status 1
# when every domain powered off.
log=$logs/mica.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=none,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
expect linux-mica-entry "$log" \
	'\(d0\) Linux [0-9.]+ on Mica 1\.[0-9]+ \(mica-1\.[0-9]+-x86_64\): PV entry reached' \
	"no banner from the PV entry point"
expect linux-mica-layout "$log" \
	'\(d0\) mica: memory: 32768 pages \(128 MiB\)' \
	"start_info's memory size not reported (dom0_mem=128M)"
expect linux-mica-p2m "$log" '\(d0\) mica: p2m: 32768 entries, the inverse of the m2p' \
	"p2m list not checked"
expect linux-mica-shared-info "$log" '\(d0\) mica: shared info \(mfn 0x[0-9a-f]+\) at [0-9a-f]+, events masked' \
	"shared-info page not mapped"
expect linux-mica-traps "$log" '\(d0\) mica: early trap table installed' \
	"early trap table not installed"
expect linux-mica-mmu "$log" \
	'\(d0\) mica: switched to the kernel page tables: direct map of pfns 0-0x[0-9a-f]+' \
	"the kernel's page tables were not loaded"
expect linux-mica-generic "$log" '\(d0\) (\[ *[0-9.]+\] )?mica: entering the generic kernel' \
	"start_kernel not reached"
expect linux-mica-printk "$log" '\(d0\) \[ *[0-9.]+\] Linux version 6\.1\.' \
	"no printk output on the hypervisor console"
expect linux-mica-idt "$log" '\(d0\) \[ *[0-9.]+\] mica: IDT at 0x[0-9a-f]+ kept aside' \
	"setup_arch's IDT load not reached"
expect linux-mica-e820 "$log" '\(d0\) \[ *[0-9.]+\] Mica: \[mem 0x0*100000-0x[0-9a-f]+\] usable' \
	"no memory map from Mica"
expect linux-mica-tsc "$log" '\(d0\) \[ *[0-9.]+\] tsc: Detected [0-9.]+ MHz processor' \
	"no TSC frequency from the time info"
expect linux-mica-direct-map "$log" '\(d0\) \[ *[0-9.]+\] Zone ranges:' \
	"the direct map was not completed (no zone setup)"
expect linux-mica-mm-init "$log" '\(d0\) \[ *[0-9.]+\] Dentry cache hash table entries: ' \
	"the page allocator was not set up"
expect linux-mica-cpu "$log" '\(d0\) \[ *[0-9.]+\] mica: GDT installed \([0-9]+ entries at 0x[0-9a-f]+\), no TSS' \
	"the GDT was not installed through set_gdt"
expect linux-mica-cpu-mm "$log" '\(d0\) \[ *[0-9.]+\] Memory: [0-9]+K/[0-9]+K available' \
	"mm_init() did not complete after trap_init()"
# guest_test: QEMU status 3 when a domain ended other than by poweroff.
stop=$(tr -d '\r' <"$log" | grep -a '(d0) mica: early exception' | head -n 1)
if [ $status -eq 3 ] && [ -n "$stop" ] &&
	tr -d '\r' <"$log" | grep -a '(d0) mica:   r13 ' >/dev/null &&
	tr -d '\r' <"$log" | grep -a 'domain 0 (dom0): shut down (crash)' >/dev/null; then
	pass linux-mica-stop
	rip=$(sed -n 's/.* at rip \(0x[0-9a-f]*\).*/\1/p' <<<"$stop")
	fn=$(addr2line -f -e "$linux/obj/vmlinux" "$rip" 2>/dev/null | head -n 1)
	echo "INFO: linux on Mica stops at:${stop#*mica:} in ${fn:-?}"
else
	fail linux-mica-stop "$log" "no reported stop and crash shutdown (QEMU status $status)"
fi

# Natively: the init reads mica.run/mica.exit from the command line.
log=$logs/native.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --mem 256 --log "$log" \
	--append "console=ttyS0 mica.run=none mica.exit=qemu" \
	--initrd "$linux/initramfs.cpio" "$linux/bzImage" >"$log.qemu" 2>&1
status=$?
if [ $status -eq 1 ] && tr -d '\r' <"$log" | grep -a '^init: done' >/dev/null; then
	pass linux-native-init
else
	fail linux-native-init "$log" "native boot did not reach /init and exit (QEMU status $status)"
fi
finish
