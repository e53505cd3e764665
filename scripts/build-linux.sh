#!/usr/bin/env bash
# build-linux.sh: builds the Mica guest kernel from Debian's linux-source-6.1
# and the patch series in guest-linux-patches/.
#
#   $BUILD/linux/src      the extracted source tree, with the series applied
#   $BUILD/linux/obj      the kernel's out-of-tree build (O=)
#   $BUILD/linux/vmlinux  the ELF image Mica boots as a PV kernel (stripped)
#   $BUILD/linux/bzImage  the same kernel for a native boot
#
# Incremental: the tree is extracted and patched again only when the series
# (its `series` file or any patch) or the source package changed; the
# configuration is regenerated only when the config fragment changed; make
# then rebuilds what changed, and ccache (its cache outside the repository:
# $MICA_CCACHE_DIR, default ~/.cache/mica/ccache) makes a rebuild after
# re-extraction cheap.  The machine is shared: everything runs under
# `nice -n 19` with $LINUX_JOBS jobs (default 2).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/linux
src=$out/src
obj=$out/obj
patches=$top/guest-linux-patches
fragment=$patches/mica.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${LINUX_JOBS:-2}
export CCACHE_DIR=${MICA_CCACHE_DIR:-$HOME/.cache/mica/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
# Kbuild passes absolute include paths; rewriting them relative to $out lets
# build trees in different $BUILD directories share cache entries (the
# kernel's -fmacro-prefix-map already keeps paths out of the objects).
export CCACHE_BASEDIR=$out
# Same paths and timestamps in every build, so that ccache hits across
# re-extractions and identical sources give identical objects.
export KBUILD_BUILD_TIMESTAMP="2024-01-01"
export KBUILD_BUILD_USER=mica KBUILD_BUILD_HOST=mica

"$top/scripts/deps.sh" linux-source-6.1 bc bison flex libelf-dev libssl-dev \
	cpio ccache make gcc binutils
mkdir -p "$out" "$CCACHE_DIR"

# A digest of everything the patched tree depends on.
series_digest() {
	{
		dpkg-query -W -f='${Version}\n' linux-source-6.1
		cat "$patches/series"
		while read -r p; do
			case "$p" in '' | '#'*) continue ;; esac
			cat "$patches/$p"
		done <"$patches/series"
	} | sha256sum | cut -d' ' -f1
}

# Extract the pristine tree and apply the series, one patch at a time.
prepare_tree() {
	local n=0 p
	echo "linux: extracting $tarball"
	rm -rf "$src" "$out/src.tmp" "$out/series.stamp"
	mkdir -p "$out/src.tmp"
	nice -n 19 tar -xJf "$tarball" -C "$out/src.tmp" --strip-components=1
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		n=$((n + 1))
		if ! patch -d "$out/src.tmp" -p1 --forward --batch -s \
			<"$patches/$p" >"$out/patch.log" 2>&1; then
			echo "linux: patch $n ($p) does not apply to" \
				"linux-source-6.1 $(dpkg-query -W -f='${Version}' \
				linux-source-6.1):" >&2
			sed 's/^/  /' "$out/patch.log" >&2
			exit 1
		fi
		echo "linux: applied $p"
	done <"$patches/series"
	mv "$out/src.tmp" "$src"
	# The configuration must be regenerated against the new tree.
	rm -f "$out/config.stamp"
}

digest=$(series_digest)
if [ ! -d "$src" ] || [ "$(cat "$out/series.stamp" 2>/dev/null)" != "$digest" ]; then
	prepare_tree
	echo "$digest" >"$out/series.stamp"
fi

# The Mica ABI headers are not part of the series: they are copied at every
# build from hypervisor/include/public (the one specification) into
# include/mica/public, with the C library headers they name mapped to the
# kernel's.  A file is rewritten only when its content changed, so that
# make rebuilds only what depends on a changed header.
sync_public_headers() {
	local from=$top/hypervisor/include/public to=$src/include/mica/public f
	( cd "$from" && find . -name '*.h' ) | while read -r f; do
		mkdir -p "$(dirname "$to/$f")"
		sed -e 's|#include <stdint.h>|#include <linux/types.h>|' \
			-e 's|#include <stddef.h>|#include <linux/stddef.h>|' \
			"$from/$f" >"$to/$f.new"
		if cmp -s "$to/$f.new" "$to/$f"; then
			rm "$to/$f.new"
		else
			mv "$to/$f.new" "$to/$f"
		fi
	done
}
sync_public_headers

# The dom0 devices' ioctl interfaces (toolstack/include/mica/*.h, written as
# uapi headers) go to include/mica/uapi the same way: the toolstack's copy
# stays the specification.
sync_dom0_uapi() {
	local from=$top/toolstack/include/mica to=$src/include/mica/uapi f
	mkdir -p "$to"
	for f in privcmd.h evtchn.h gntdev.h; do
		if ! cmp -s "$from/$f" "$to/$f"; then
			cp "$from/$f" "$to/$f"
		fi
	done
}
sync_dom0_uapi

kmake() {
	nice -n 19 make -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" \
		HOSTCC="ccache gcc" -j"$jobs" "$@"
}

# A lean base (tinyconfig) plus our fragment; then check that every option
# the fragment asks for survived Kconfig's dependency resolution, so that a
# missing dependency is a build error, not a silently different kernel.
cfg_digest=$( (cat "$fragment"; cat "$out/series.stamp") | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$out/config.stamp" 2>/dev/null)" != "$cfg_digest" ]; then
	mkdir -p "$obj"
	# Kconfig's override warnings are expected here; keep them in a log.
	kmake -s tinyconfig >"$out/config.log" 2>&1
	nice -n 19 "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$fragment" >>"$out/config.log" 2>&1
	kmake -s olddefconfig >>"$out/config.log" 2>&1
	bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=n) want="# ${line%=n} is not set" ;;
		CONFIG_*) want=$line ;;
		*) continue ;;
		esac
		if ! grep -qxF "$want" "$obj/.config"; then
			echo "linux: config fragment asks for '$line', Kconfig gave:" \
				"$(grep -E "(^|# )${line%%=*}[= ]" "$obj/.config" || echo unset)" >&2
			bad=1
		fi
	done <"$fragment"
	[ $bad -eq 0 ] || exit 1
	echo "$cfg_digest" >"$out/config.stamp"
fi

echo "linux: building (nice -n 19, -j$jobs, ccache in $CCACHE_DIR)"
kmake -s vmlinux bzImage
strip -o "$out/vmlinux.tmp" "$obj/vmlinux" && mv "$out/vmlinux.tmp" "$out/vmlinux"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
echo "linux: $out/vmlinux $out/bzImage"
