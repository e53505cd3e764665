#!/usr/bin/env bash
# mkiso.sh IMAGE.elf OUT.iso [CMDLINE]: a GRUB rescue ISO that boots Mica
# with multiboot2, as on a real machine.  Serial console on COM1.
set -euo pipefail
image=$1 out=$2 cmdline=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$image" "$dir/boot/mica.elf"
cat >"$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "Mica" {
	multiboot2 /boot/mica.elf $cmdline
	boot
}
CFG
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed" >&2
	grub-mkrescue -o "$out" "$dir"
	exit 1
}
