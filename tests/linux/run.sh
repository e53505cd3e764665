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
#   linux-mica-trap-table  trap_init() filled the IDT and the trap table
#                        followed it: the kernel's own exception handlers
#                        (entered through the PV stubs) are in use
#   linux-mica-events    init_IRQ() set up the event channels (FIFO
#                        control block and event array, event callback)
#   linux-mica-clock     the timer VIRQ is bound and the clock event device
#                        and clocksource on the vcpu timer/time info work:
#                        the kernel switched to the "mica" clocksource
#   linux-mica-console   the hvc console on the hypervisor console took over
#                        from the boot console
#   linux-mica-init      /init ran in user mode (exec, page faults, system
#                        calls, iret to user mode) and printed on hvc0
#   linux-mica-poweroff  /init finished and the domain powered off through
#                        MICA_SCHEDOP_shutdown (guest_test status 1); if the
#                        kernel crashed instead, an INFO line says where
#   linux-mica-shell     dom0's shell (mica.run=shell) runs a command typed
#                        on the serial line (MICA_CONSOLEIO_read_input)
#   linux-mica-domus     dom0 and three domUs (boot configuration, same
#                        kernel) each run /init and power off
#   linux-mica-smp-boot  in that boot, every domain brought all its vcpus
#                        up (SMP, patch 0015): dom0 2 (one per CPU of the
#                        -smp 2 machine), the domUs 1, 2 and 4
#   linux-mica-smp-domu  the 4-vcpu domU ran the workload programs
#                        (mica.run=workload) and its smp program saw its 4
#                        vcpus online and passed on them (threads spread
#                        over every cpu, pinning, atomics, no stale TLB
#                        after a remap)
#   linux-mica-d3smp-workload-NAME  that domU's workload programs, one line
#                        per program
#   linux-mica-bench     a second dom0 boot runs the benchmark programs
#                        (tests/linux/bench: fork, exec, page faults,
#                        mmap/munmap, pipes, gzip) and each reports
# One boot of dom0 and three domUs, each in its own mode (the same kernel):
#   linux-mica-d0-workload-NAME  dom0 runs the workload programs
#                        (mica.run=workload), one line per program
#   linux-mica-d1-workload-NAME  so does a 96 MiB domU (its OOM program
#                        exhausts the domain's own memory: a clean OOM kill)
#   linux-mica-d2-selftest-NAME  a domU runs the x86 selftests (64- and
#                        32-bit: compat entry, LDT, vsyscall, signals),
#                        one line per selftest, as natively
#   linux-mica-panic     the third domU's kernel panics on purpose
#                        (mica.run=panic): Mica reports it crashed and
#                        destroys it, the others run on to their end
#   linux-mica-survivors dom0 and the other domUs powered off normally
# One boot for the balloon driver (patch 0032, /sys/kernel/mica_balloon):
#   linux-mica-balloon-domu  a 96 MiB domU runs tests/linux/dom0/balloon_test
#                        (mica.run=balloon): bad targets refused (above the
#                        maximum, below the floor, unaligned, not a number),
#                        shrink by 16 MiB (the hypervisor's reservation,
#                        MemTotal and MemFree follow), memory touched, grow
#                        back, squeeze to the floor (-ENOMEM or reached) and
#                        back, all free memory touched
#   linux-mica-balloon-dom0  then dom0 does the same once the domU is gone,
#                        and also checks the hypervisor's free memory
#                        (physinfo) rises and falls by exactly the ballooned
#                        pages and its get_info nr_pages
#   linux-mica-domu-console-input  dom0 (mica.run=console-input) starts
#                        mica-stored and mica-consoled and types a command
#                        at `mica console 1`; a Linux domU's shell
#                        (mica.run=shell) reads it from its console ring
#                        (patch 0013) and runs it, then powers off
# Native (the same kernel, bzImage, no hypervisor):
#   linux-native-init    the kernel reached /init and the init ended QEMU
#   linux-native-workload-NAME  one line per workload program
#                        (tests/linux/workload, mica.run=workload boot)
#   linux-native-selftest-NAME  one line per x86 selftest
#                        (tests/linux/selftests, mica.run=selftests boot);
#                        documented skips and known failures of this
#                        machine are SKIP lines (docs/linux-selftests.md)
#
# Environment: BUILD (default <top>/build), QEMU_TIMEOUT (default 300 s).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
export BUILD=$build
linux=$build/linux
logs=$build/test-logs/linux
timeout=${QEMU_TIMEOUT:-300}
passed=0 failed=0 skipped=0
mkdir -p "$logs"
# shellcheck source=tests/linux/report.sh
. "$top/tests/linux/report.sh"

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

skip() {
	echo "SKIP: $1: $2"
	skipped=$((skipped + 1))
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
	echo "linux: $passed passed, $failed failed, $skipped skipped"
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
expect linux-mica-trap-table "$log" '\(d0\) \[ *[0-9.]+\] mica: trap table follows the IDT' \
	"the kernel's exception handlers were not installed in the trap table"
expect linux-mica-events "$log" '\(d0\) \[ *[0-9.]+\] mica: event channels: FIFO queues' \
	"event channels not set up"
expect linux-mica-clock "$log" '\(d0\) \[ *[0-9.]+\] clocksource: Switched to clocksource mica' \
	"the mica clocksource and timer are not in use"
expect linux-mica-console "$log" '\(d0\) \[ *[0-9.]+\] printk: console \[hvc0\] enabled' \
	"the hvc console did not register"
expect linux-mica-init "$log" '\(d0\) init: started on 6\.1\.' \
	"/init did not run in user mode"
# guest_test: QEMU status 1 when every domain powered off, 3 otherwise.
if [ $status -eq 1 ] && tr -d '\r' <"$log" | grep -a '(d0) init: done' >/dev/null &&
	tr -d '\r' <"$log" | grep -a 'domain 0 (dom0): shut down (poweroff)' >/dev/null; then
	pass linux-mica-poweroff
else
	fail linux-mica-poweroff "$log" "dom0 did not finish /init and power off (QEMU status $status)"
	stop=$(tr -d '\r' <"$log" | grep -aE '\(d0\) (mica: early exception|.*Kernel panic|.*RIP: )' | head -n 1)
	[ -n "$stop" ] && echo "INFO: linux on Mica stopped at: ${stop#*(d0) }"
fi

# dom0's shell on the console (what `make run` shows): commands typed on
# the serial line reach it through MICA_CONSOLEIO_read_input and hvc0.
# The first line is blanks, in case the tty drops the first bytes.
log=$logs/mica-shell.log
fifo=$logs/mica-shell.in
rm -f "$fifo" && mkfifo "$fifo"
# (qemu.sh --timeout would give QEMU /dev/null as stdin: time it here.)
timeout -k 5 "$timeout" "$top/scripts/qemu.sh" --smp 1 \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=shell,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" <"$fifo" >"$log" 2>&1 &
qemu=$!
exec 3>"$fifo"
# Type only once the shell is up: what arrives earlier may be flushed.
for _ in $(seq "$timeout"); do
	tr -d '\r' <"$log" | grep -a '(d0) BusyBox .* built-in shell' >/dev/null && break
	kill -0 $qemu 2>/dev/null || break
	sleep 1
done
sleep 1
printf '                \recho shell-says-$((6 * 7))\rpoweroff -f\r' >&3
wait $qemu
status=$?
exec 3>&-
rm -f "$fifo"
# The tty's echo of the typed-ahead poweroff may land in front of the
# output on its line ("(d0) owershell-says-42"): only the 42 proves it ran.
if [ $status -eq 1 ] && tr -d '\r' <"$log" | grep -a '(d0) .*shell-says-42' >/dev/null; then
	pass linux-mica-shell
else
	fail linux-mica-shell "$log" "dom0's shell did not run a typed command (QEMU status $status)"
fi

# On Mica again, the benchmark programs as dom0's workload: fork, exec,
# page faults, mmap/munmap, pipes between two processes, a compression
# job.  Each must print its result and the domain must power off.
log=$logs/mica-bench.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=bench,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
missing=""
for m in boot_to_init null_syscall fork_exit fork_exec page_fault \
	mmap_munmap pipe_ctxsw gzip_1MiB; do
	tr -d '\r' <"$log" | grep -aE "\(d0\) bench: $m [0-9.]+ " >/dev/null ||
		missing="$missing $m"
done
if [ $status -eq 1 ] && [ -z "$missing" ]; then
	pass linux-mica-bench
else
	fail linux-mica-bench "$log" "benchmarks missing on dom0:${missing:- none} (QEMU status $status)"
fi

# dom0 and three domUs from the boot configuration (docs/boot.md), the same
# kernel and initramfs each: every one must reach /init, finish it and
# power off (guest_test: QEMU status 1 only if all of them powered off).
log=$logs/mica-domus.log
# The domUs have 1, 2 and 4 vcpus; the 4-vcpu one runs the workload
# programs (smp among them) on its vcpus.
domus=""
for n in 1 2 3; do
	run=none
	[ $n -eq 3 ] && run=workload
	domus="$domus,$linux/vmlinux domain=linux$n mem=96M vcpus=$((1 << (n - 1))) -- mica.run=$run,$linux/initramfs.cpio"
done
"$top/scripts/qemu.sh" --timeout "${QEMU_USER_TIMEOUT:-1500}" --smp 2 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=none,$linux/initramfs.cpio$domus" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
missing=""
for d in 0 1 2 3; do
	for line in "(d$d) init: started on 6.1." "(d$d) init: done" \
		"domain $d (.*): shut down (poweroff)"; do
		tr -d '\r' <"$log" | grep -a "$line" >/dev/null || missing="$missing d$d"
	done
done
if [ $status -eq 1 ] && [ -z "$missing" ]; then
	pass linux-mica-domus
else
	fail linux-mica-domus "$log" "not every domain ran /init and powered off:${missing:- ?} (QEMU status $status)"
fi
missing=""
for dv in 0:2 1:1 2:2 3:4; do
	tr -d '\r' <"$log" | grep -aE "\(d${dv%:*}\) \[ *[0-9.]+\] mica: ${dv#*:} vcpus online" >/dev/null ||
		missing="$missing d${dv%:*}"
done
if [ -z "$missing" ]; then
	pass linux-mica-smp-boot
else
	fail linux-mica-smp-boot "$log" "not all vcpus came up in:$missing (dom0 2, domUs 1, 2, 4)"
fi
linux_report_workload linux-mica-d3smp "$log" "(d3) "
if tr -d '\r' <"$log" | grep -a '(d3) smp: 4 cpus online' >/dev/null &&
	tr -d '\r' <"$log" | grep -a '(d3) smp: 5 passed, 0 failed' >/dev/null; then
	pass linux-mica-smp-domu
else
	fail linux-mica-smp-domu "$log" "the 4-vcpu domU's smp program did not see and use 4 cpus"
fi

# On Mica, one boot for the user-space programs: dom0 and a 96 MiB domU run
# the workload programs, a 160 MiB domU the x86 selftests (their own
# initramfs), and a third domU panics on purpose.  guest_test ends the
# machine when the last domain is gone (status 3, as one crashed).  dom0
# keeps one vcpu here (its SMP boot is the one above), so that the
# selftests' timeouts see the load they always did.
log=$logs/mica-user.log
"$top/scripts/qemu.sh" --timeout "${QEMU_USER_TIMEOUT:-1500}" --smp 2 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=160M dom0_max_vcpus=1" \
	--initrd "$linux/vmlinux mica.run=workload,$linux/initramfs.cpio,\
$linux/vmlinux domain=work1 mem=96M -- mica.run=workload,$linux/initramfs.cpio,\
$linux/vmlinux domain=selftests mem=160M -- mica.run=selftests mica.skip=ldt_gdt_64,$linux/initramfs-selftests.cpio,\
$linux/vmlinux domain=panic mem=64M -- mica.run=panic,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
linux_report_workload linux-mica-d0 "$log" "(d0) "
linux_report_workload linux-mica-d1 "$log" "(d1) "
LINUX_REPORT_ON=mica linux_report_selftests linux-mica-d2 "$log" "(d2) "
if tr -d '\r' <"$log" | grep -a '(d3) .*Kernel panic - not syncing' >/dev/null &&
	tr -d '\r' <"$log" | grep -a 'domain 3 (panic): shut down (crash)' >/dev/null &&
	! tr -d '\r' <"$log" | grep -a '(d3) init: done' >/dev/null; then
	pass linux-mica-panic
else
	fail linux-mica-panic "$log" "domain 3 did not panic and get destroyed as crashed"
fi
missing=""
for d in 0 1 2; do
	tr -d '\r' <"$log" | grep -a "domain $d (.*): shut down (poweroff)" >/dev/null ||
		missing="$missing d$d"
done
if [ $status -eq 3 ] && [ -z "$missing" ] &&
	tr -d '\r' <"$log" | grep -a 'guest_test: every domain has shut down' >/dev/null; then
	pass linux-mica-survivors
else
	fail linux-mica-survivors "$log" "not every other domain powered off:${missing:- ?} (QEMU status $status)"
fi

# The balloon: a domU, then dom0 (it waits for the domU to be gone, so
# that the hypervisor's free memory moves only by what dom0 releases).
log=$logs/mica-balloon.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 2 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=balloon,$linux/initramfs.cpio,\
$linux/vmlinux domain=balloon1 mem=96M -- mica.run=balloon,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
for dn in domu:1 dom0:0; do
	lines=$(linux_domain_lines "$log" "(d${dn#*:}) ")
	bad=$(echo "$lines" | sed -n 's/^FAIL: \(balloon-[a-z-]*\).*/\1/p' | tr '\n' ' ')
	if [ $status -eq 1 ] && [ -z "$bad" ] &&
		echo "$lines" | grep -E '^balloon_test: [1-9][0-9]* passed, 0 failed' >/dev/null; then
		pass "linux-mica-balloon-${dn%:*}"
	else
		fail "linux-mica-balloon-${dn%:*}" "$log" "failed: ${bad:-no summary line} (QEMU status $status)"
	fi
done

# domU console input: dom0 types at the domU's console through
# mica-consoled; the domU's shell reads the console ring and runs it.
log=$logs/mica-console-input.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 2 --log "$log" \
	--append "guest_test loglvl=info dom0_mem=128M" \
	--initrd "$linux/vmlinux mica.run=console-input,$linux/initramfs.cpio,\
$linux/vmlinux domain=linux1 mem=64M -- mica.run=shell,$linux/initramfs.cpio" \
	"$build/hypervisor/mica.elf" >"$log.qemu" 2>&1
status=$?
lines=$(linux_domain_lines "$log" "(d0) ")
bad=$(echo "$lines" | sed -n 's/^FAIL: \(console-input-[a-z-]*\).*/\1/p' | tr '\n' ' ')
# Only the shell computes the 42: the typed line says $((6 * 7)).
if [ $status -eq 1 ] && [ -z "$bad" ] &&
	echo "$lines" | grep '^console-input: done' >/dev/null &&
	linux_domain_lines "$log" "(d1) " | grep 'ring-says-42' >/dev/null &&
	tr -d '\r' <"$log" | grep -a 'domain 1 (linux1): shut down (poweroff)' >/dev/null; then
	pass linux-mica-domu-console-input
else
	fail linux-mica-domu-console-input "$log" "the domU's shell did not run the command typed in dom0: ${bad:-} (QEMU status $status)"
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

# Natively, one boot per mode: the workload programs (256 MiB, which the OOM
# program exhausts), then the selftests from their own initramfs.
log=$logs/native-workload.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --mem 256 --log "$log" \
	--append "console=ttyS0 mica.run=workload mica.exit=qemu" \
	--initrd "$linux/initramfs.cpio" "$linux/bzImage" >"$log.qemu" 2>&1
linux_report_workload linux-native "$log"
log=$logs/native-selftests.log
"$top/scripts/qemu.sh" --timeout "$timeout" --smp 1 --mem 256 --log "$log" \
	--append "console=ttyS0 mica.run=selftests mica.skip=ldt_gdt_64 mica.exit=qemu" \
	--initrd "$linux/initramfs-selftests.cpio" "$linux/bzImage" >"$log.qemu" 2>&1
linux_report_selftests linux-native "$log"
finish
