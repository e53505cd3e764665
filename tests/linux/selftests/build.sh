#!/usr/bin/env bash
# build.sh: Linux's own x86 selftests (tools/testing/selftests/x86 of the
# extracted, patched tree in $BUILD/linux/src, so the same source as the
# kernel), built static, 64-bit and 32-bit (the kernel has IA32_EMULATION),
# into $BUILD/linux/selftests/NAME_64 and NAME_32, plus the list the initramfs
# init runs in order ($BUILD/linux/selftests/list).
#
# The test lists and per-test extras follow the upstream Makefile; we build
# them ourselves because it links dynamically and the initramfs has no
# libc.  ldt_gdt and ptrace_syscall, which upstream builds as 64-bit only
# when 32-bit builds work, are in both lists.  A test skipped or failing
# natively is explained in docs/linux-selftests.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-$top/build}
src=$build/linux/src/tools/testing/selftests/x86
out=$build/linux/selftests
"$top/scripts/deps.sh" gcc libc6-dev gcc-multilib libc6-dev-i386
[ -d "$src" ] || { echo "selftests: no $src (run scripts/build-linux.sh)" >&2; exit 1; }
mkdir -p "$out"

both="single_step_syscall sysret_ss_attrs syscall_nt test_mremap_vdso
	check_initial_reg_state sigreturn iopl ioperm test_vsyscall mov_ss_trap
	sigtrap_loop syscall_arg_fault fsgsbase_restore sigaltstack
	ldt_gdt ptrace_syscall"
only32="entry_from_vm86 test_syscall_vdso unwind_vdso test_FCMOV test_FCOMI
	test_FISTTP vdso_restorer"
only64="fsgsbase sysret_rip syscall_numbering corrupt_xstate_header amx"

# build_one NAME BITS: (re)builds $out/NAME_BITS from NAME.c and extras.
build_one() {
	local name=$1 bits=$2 bin=$out/$1_$2 extra=() flags=()
	case "$name/$bits" in
	sysret_ss_attrs/64) extra=(thunks.S) ;;
	ptrace_syscall/32) extra=(raw_syscall_helper_32.S) ;;
	test_syscall_vdso/32) extra=(thunks_32.S) ;;
	check_initial_reg_state/*) flags=("-Wl,-ereal_start") ;;
	esac
	local f stale=0
	for f in "$name.c" helpers.h "${extra[@]}"; do
		[ "$src/$f" -nt "$bin" ] && stale=1
	done
	[ "$0" -nt "$bin" ] && stale=1
	[ $stale -eq 1 ] || return 0
	(cd "$src" && gcc -m"$bits" -O2 -std=gnu99 -pthread -Wall -static -s \
		-no-pie -DCAN_BUILD_32 -DCAN_BUILD_64 "${flags[@]}" \
		-o "$bin.tmp" "$name.c" "${extra[@]}" -lrt -ldl -lm \
		) || exit 1
	mv "$bin.tmp" "$bin"
}

list=()
for t in $both $only64; do build_one "$t" 64; list+=("${t}_64"); done
for t in $both $only32; do build_one "$t" 32; list+=("${t}_32"); done
printf '%s\n' "${list[@]}" >"$out/list"
echo "selftests: ${#list[@]} programs in $out"
