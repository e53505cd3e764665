#!/usr/bin/env bash
# build-initramfs.sh: the test initramfs for the Mica guest kernel, an
# uncompressed newc cpio in $BUILD/linux/initramfs.cpio: busybox-static, the
# benchmark programs (tests/linux/bench) in /bench, the workload programs
# (tests/linux/workload) in /workload, the dom0 tests (tests/linux/dom0:
# device tests, the system test, its domU and its store guest) in /dom0, the toolstack built
# static in /bin, and tests/linux/init.sh as /init.
# $BUILD/linux/initramfs-selftests.cpio is the same plus Linux's x86
# selftests (tests/linux/selftests/build.sh, 30 MB of static programs) in
# /selftests: a second, zstd-compressed archive (2 MB: the programs share
# most of their code) appended to the first, which the kernel unpacks in
# turn; domains that do not run the selftests need not hold them.
# Built with the kernel's gen_init_cpio (device nodes without
# root), compiled from the extracted source tree (scripts/build-linux.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
out=$build/linux
"$top/scripts/deps.sh" busybox-static cpio gcc libc6-dev make zstd \
	libyajl-dev uuid-dev
make -s -C "$top/tests/linux/bench" O="$out/bench"
make -s -C "$top/tests/linux/workload" O="$out/workload"
make -s -C "$top/tests/linux/dom0" O="$out/dom0"
# The domU: a PV guest on the runtime of tests/guests, built outside its
# list of tests (the stem leads back to tests/linux/dom0/domu).
make -s -C "$top/tests/guests" O="$out/domu/x" "$out/domu/x/../linux/dom0/domu.elf" \
	"$out/domu/x/../linux/dom0/storeguest.elf"
make -s -C "$top/toolstack" O="$out/toolstack" CFLAGS="-O2 -static" \
	LIBS="-l:libyajl_s.a -l:libuuid.a -lm" all
"$top/tests/linux/selftests/build.sh" >"$out/selftests.log" 2>&1 ||
	{ cat "$out/selftests.log" >&2; exit 1; }
gen=$out/gen_init_cpio
if [ ! -x "$gen" ] || [ "$out/src/usr/gen_init_cpio.c" -nt "$gen" ]; then
	gcc -O2 -o "$gen" "$out/src/usr/gen_init_cpio.c"
fi
list=$out/initramfs.list
{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	for d in /bin /bench /workload /dom0 /proc /sys /tmp /root /run /var; do
		echo "dir $d 755 0 0"
	done
	echo "file /init $top/tests/linux/init.sh 755 0 0"
	echo "file /bin/busybox /bin/busybox 755 0 0"
	for app in $(/bin/busybox --list); do
		[ "$app" = busybox ] || echo "slink /bin/$app busybox 777 0 0"
	done
	for prog in "$out"/bench/*; do
		echo "file /bench/$(basename "$prog") $prog 755 0 0"
	done
	echo "file /workload/list $top/tests/linux/workload/list 644 0 0"
	while read -r w; do
		echo "file /workload/$w $out/workload/$w 755 0 0"
	done <"$top/tests/linux/workload/list"
	for prog in privcmd_test evtchn_test gntdev_test physinfo storecmd \
		bench_create balloon_test; do
		echo "file /dom0/$prog $out/dom0/$prog 755 0 0"
	done
	echo "file /dom0/system.sh $top/tests/linux/dom0/system.sh 755 0 0"
	echo "file /dom0/bench-create.sh $top/tests/linux/dom0/bench-create.sh 755 0 0"
	echo "file /dom0/domu.cfg $top/tests/linux/dom0/domu.cfg 644 0 0"
	echo "file /dom0/domu.elf $out/domu/linux/dom0/domu.elf 644 0 0"
	echo "file /dom0/storeguest.cfg $top/tests/linux/dom0/storeguest.cfg 644 0 0"
	echo "file /dom0/storeguest.elf $out/domu/linux/dom0/storeguest.elf 644 0 0"
	echo "file /dom0/console-input.sh $top/tests/linux/dom0/console-input.sh 755 0 0"
	for prog in mica mica-stored mica-consoled mica-watchd; do
		echo "file /bin/$prog $out/toolstack/$prog 755 0 0"
	done
} >"$list"
"$gen" "$list" >"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
echo "initramfs: $out/initramfs.cpio"
{
	echo "dir /selftests 755 0 0"
	echo "file /selftests/list $out/selftests/list 644 0 0"
	while read -r t; do
		echo "file /selftests/$t $out/selftests/$t 755 0 0"
	done <"$out/selftests/list"
} >"$out/selftests.list"
"$gen" "$out/selftests.list" | zstd -q -10 -c |
	cat "$out/initramfs.cpio" - >"$out/initramfs-selftests.cpio.tmp"
mv "$out/initramfs-selftests.cpio.tmp" "$out/initramfs-selftests.cpio"
echo "initramfs: $out/initramfs-selftests.cpio"
