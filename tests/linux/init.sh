#!/bin/sh
# /init of the Mica test initramfs (busybox sh).  Runs the programs the
# kernel command line asks for, then ends the machine:
#   mica.run=bench      the micro-benchmarks (tests/linux/bench)
#   mica.run=workload   the workload programs (tests/linux/workload), each
#                       followed by a line "workload-result: NAME rc=N"
#   mica.run=selftests  Linux's x86 selftests (tests/linux/selftests), each
#                       between "selftest-start: NAME" and
#                       "selftest-result: NAME rc=N"
#   mica.run=shell      an interactive shell on the console
#   mica.run=dom0       the dom0 device tests and the toolstack system
#                       test (/dom0/system.sh)
#   mica.run=bench-create  the dom0 domain-creation benchmark
#                       (/dom0/bench-create.sh)
#   mica.run=balloon    the balloon test (/dom0/balloon_test: shrink and
#                       grow this domain through the Mica balloon driver;
#                       in dom0 once the other domains are gone)
#   mica.run=console-input  dom0 types a command at the console of domU 1
#                       (a shell: mica.run=shell) through mica-consoled
#                       and its console ring (/dom0/console-input.sh)
#   mica.run=panic      make the kernel panic on purpose (init exits: "Attempted
#                       to kill init"), for the test that a crashed domain
#                       goes while the others keep running
#   mica.bench=A,B      with mica.run=bench: only these benchmarks
#   mica.exit=qemu      end a native QEMU run through isa-debug-exit
#                       (the native kernel has no ACPI); otherwise poweroff
export PATH=/bin:/bench
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "init: started on $(uname -r)"
benches=""
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mica.run=*) run=${arg#mica.run=} ;;
	mica.exit=*) how=${arg#mica.exit=} ;;
	mica.bench=*) benches=$(echo "${arg#mica.bench=}" | tr , ' ') ;;
	mica.skip=*) skip=",${arg#mica.skip=}," ;;
	esac
done
case "$run" in
bench)
	[ -n "$benches" ] || boot_time
	for b in ${benches:-null_syscall fork_exit fork_exec page_fault \
		mmap_munmap pipe_ctxsw gzip_job}; do
		$b || echo "init: $b failed"
	done
	;;
workload)
	# In the order of /workload/list (the OOM program last: it exhausts
	# memory on purpose).
	mount -t tmpfs tmpfs /tmp
	while read -r w; do
		echo "workload-start: $w"
		timeout 300 "/workload/$w"
		echo "workload-result: $w rc=$?"
	done </workload/list
	;;
selftests)
	# Run from a tmpfs (some tests create files in the working directory)
	mount -t tmpfs tmpfs /tmp
	cd /tmp || exit 1
	while read -r t; do
		echo "selftest-start: $t"
		# mica.skip=A,B: programs not run (a known failure that would
		# stop the machine); reported with rc=skipped.
		case "${skip:-}" in
		*",$t,"*)
			echo "[SKIP]	not run (mica.skip)"
			echo "selftest-result: $t rc=skipped"
			continue
			;;
		esac
		timeout 120 "/selftests/$t" </dev/null
		echo "selftest-result: $t rc=$?"
	done </selftests/list
	cd /
	;;
shell)
	setsid cttyhack sh
	;;
dom0)
	/dom0/system.sh
	;;
bench-create)
	/dom0/bench-create.sh
	;;
balloon)
	/dom0/balloon_test
	;;
console-input)
	/dom0/console-input.sh
	;;
panic)
	echo "init: exiting, the kernel must panic"
	exit 1
	;;
esac
echo "init: done"
[ "$how" = qemu ] && qemu_exit 0
poweroff -f
