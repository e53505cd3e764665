#!/usr/bin/env bash
# qemu.sh [options] IMAGE: boots Mica in QEMU with the test machine used
# everywhere in this project (q35, qemu64 + SVM/NPT, serial on stdio,
# isa-debug-exit so the hypervisor can end the run).
#
#   --smp N --mem MiB     machine size (default 2 CPUs, 1024 MiB)
#   --append "ARGS"       hypervisor command line
#   --initrd "M1 args,M2" multiboot modules, QEMU's -initrd syntax
#   --iso FILE            boot a GRUB ISO instead of -kernel IMAGE
#   --log FILE            write the serial console to FILE (not stdio)
#   --timeout S           kill QEMU after S seconds (exit status 124)
#   --interactive         serial on this terminal, Ctrl-A X quits
#   --gdb                 wait for gdb on tcp::1234 before starting
#   --icount SHIFT        virtual time from instructions executed (2^SHIFT
#                         ns each; no sleep), so that timing measurements
#                         do not depend on how busy the host is
#
# Exit status: QEMU's, i.e. (code << 1) | 1 for a hypervisor exit code.
set -euo pipefail
smp=2 mem=1024 append="" initrd="" iso="" log="" timeout=0 interactive=0 gdb=0
icount=""
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--iso) iso=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--gdb) gdb=1; shift ;;
	--icount) icount=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
args=(-M q35 -cpu qemu64,+svm,+npt -m "$mem" -smp "$smp" -nographic
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -n "$iso" ]; then
	args+=(-cdrom "$iso" -boot d)
else
	[ $# -ge 1 ] || { echo "qemu.sh: no image given" >&2; exit 2; }
	args+=(-kernel "$1")
	[ -n "$append" ] && args+=(-append "$append")
	[ -n "$initrd" ] && args+=(-initrd "$initrd")
fi
if [ -n "$log" ]; then
	args+=(-serial "file:$log" -monitor none)
elif [ $interactive -eq 0 ]; then
	args+=(-serial stdio -monitor none)
fi
[ $gdb -eq 1 ] && args+=(-s -S)
[ -n "$icount" ] && args+=(-icount "shift=$icount,sleep=off")
if [ "$timeout" != 0 ]; then
	exec timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null
fi
exec qemu-system-x86_64 "${args[@]}"
