#!/usr/bin/env bash
# bochs.sh [options] IMAGE: boots Mica in Bochs (Intel VMX with EPT, VPID
# and unrestricted guest; /work/shared/emulators/README.md) from a GRUB
# multiboot2 ISO made by mkiso.sh, headless, with the serial console in a
# file.  The bochsrc is generated per run in a scratch directory.
#
#   --append "ARGS"     hypervisor command line
#   --module "F ARGS"   a multiboot module (repeatable, in order)
#   --iso FILE          boot this ISO instead of making one from IMAGE
#   --log FILE          the serial console (default: bochs-serial.log here)
#   --timeout S         stop Bochs after S seconds (exit status 124)
#   --cpus N --mem MiB  machine size (default 1 CPU, 256 MiB)
#   --ips N             emulated instructions per second (default 50000000)
#
# Exit status: 0 when Bochs stopped by itself (Mica's machine_exit writes
# "Shutdown" to port 0x8900; a triple fault also stops it: judge the
# serial log), 124 on timeout, 2 on a setup error.  Bochs' own output and
# log go to FILE.bochs and FILE.bochslog beside the serial log.
set -euo pipefail
append="" iso="" log="$PWD/bochs-serial.log" timeout=300 cpus=1 mem=256
ips=50000000 modules=()
while [ $# -gt 0 ]; do
	case "$1" in
	--append) append=$2; shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--iso) iso=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--ips) ips=$2; shift 2 ;;
	-*) echo "bochs.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
command -v bochs >/dev/null || { echo "bochs.sh: no bochs (make deps)" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log=$(realpath -m "$log")
mkdir -p "$(dirname "$log")"
if [ -z "$iso" ]; then
	[ $# -ge 1 ] || { echo "bochs.sh: no image given" >&2; exit 2; }
	iso=$dir/mica.iso
	"$top/scripts/mkiso.sh" "$1" "$iso" "$append" ${modules[@]+"${modules[@]}"} || exit 2
fi
rm -f "$log"
# The Haswell model has VMX with EPT, VPID and unrestricted guest.
# GRUB's graphics mode crashes the emulated machine (vga extension=none);
# the debugger Debian builds in needs -rc with "continue".
cat >"$dir/bochsrc" <<RC
megs: $mem
cpu: model=corei7_haswell_4770, count=$cpus, ips=$ips, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
vga: extension=none
config_interface: textconfig
display_library: rfb, options="timeout=0, hideIPS"
ata0-master: type=cdrom, path=$(realpath "$iso"), status=inserted
boot: cdrom
floppy_bootsig_check: disabled=1
com1: enabled=1, mode=file, dev=$log
port_e9_hack: enabled=1
log: $log.bochslog
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
clock: sync=none, time0=local
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
mouse: enabled=0
RC
echo continue >"$dir/dbg.rc"
cd "$dir"
status=0
timeout -s INT -k 10 "$timeout" bochs -q -f bochsrc -rc dbg.rc </dev/null \
	>"$log.bochs" 2>&1 || status=$?
[ $status -eq 124 ] && exit 124
exit 0
