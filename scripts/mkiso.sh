#!/usr/bin/env bash
# mkiso.sh IMAGE.elf OUT.iso [CMDLINE [MODULE...]]: a GRUB rescue ISO that
# boots Mica with multiboot2, as on a real machine.  Serial console on COM1.
# Each MODULE is "FILE [ARGS]" (QEMU's -initrd syntax for one module): FILE
# is copied into the ISO and loaded with module2, its command line being
# the file name then ARGS (docs/boot.md).
set -euo pipefail
image=$1 out=$2 cmdline=${3:-}
shift 2
[ $# -gt 0 ] && shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$image" "$dir/boot/mica.elf"
modules="" n=0
for m in "$@"; do
	read -r file args <<<"$m"
	[ -f "$file" ] || { echo "mkiso: no module file $file" >&2; exit 1; }
	name=/boot/mod$n-$(basename "$file")
	cp "$file" "$dir$name"
	modules+="	module2 $name $name${args:+ $args}"$'\n'
	n=$((n + 1))
done
cat >"$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "Mica" {
	multiboot2 /boot/mica.elf $cmdline
$modules	boot
}
CFG
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed" >&2
	grub-mkrescue -o "$out" "$dir"
	exit 1
}
