#!/usr/bin/env bash
# check-headers.sh - proves the public ABI headers keep their promises.
#
# 1. Every header under hypervisor/include/public/ compiles alone (and twice,
#    to exercise its include guard) as C99 and C11, freestanding and hosted,
#    with gcc and (if installed) clang, and as C++11 with g++/clang++, all with
#    -Wall -Wextra -Werror -pedantic.
# 2. tests/abi/layout.c pins the sizes and offsets that ports and assembly
#    rely on, and exercises the io/ring.h macros; it is compiled the same ways
#    and run once.
#
# Prints "PASS: <name>" or "FAIL: <name>" per header and per test, then
# "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
inc=hypervisor/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

warn=(-Wall -Wextra -Werror -pedantic)
configs=()
add_c() { # compiler
	command -v "$1" >/dev/null 2>&1 || return 0
	configs+=("$1 -x c -std=c99 -ffreestanding"
		"$1 -x c -std=c11 -ffreestanding"
		"$1 -x c -std=c99"
		"$1 -x c -std=c11")
}
add_cxx() { # compiler
	command -v "$1" >/dev/null 2>&1 || return 0
	configs+=("$1 -x c++ -std=c++11")
}
add_c gcc
add_c clang
add_cxx g++
add_cxx clang++
# Extra warnings that C (not C++) understands.
cwarn=(-Wstrict-prototypes -Wmissing-prototypes -Wshadow)

passed=0 failed=0
pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $1"
	sed 's/^/    /' "$tmp/log"
	failed=$((failed + 1))
}

# compile_all NAME SOURCE [extra args]: compile SOURCE under every config.
compile_all() {
	local name=$1 src=$2 cfg
	shift 2
	: >"$tmp/log"
	for cfg in "${configs[@]}"; do
		local extra=()
		[[ $cfg == *"-x c "* ]] && extra=("${cwarn[@]}")
		# shellcheck disable=SC2086
		if ! $cfg "${warn[@]}" "${extra[@]}" -I"$inc" "$@" -c "$src" \
			-o "$tmp/out.o" >>"$tmp/log" 2>&1; then
			echo "config: $cfg" >>"$tmp/log"
			return 1
		fi
	done
}

mapfile -t headers < <(cd "$inc" && find public -name '*.h' | sort)
if [ ${#headers[@]} -eq 0 ]; then
	echo "FAIL: no public headers found"
	echo "0 passed, 1 failed"
	exit 1
fi

for h in "${headers[@]}"; do
	printf '#include "%s"\n#include "%s"\nextern int not_empty;\n' "$h" "$h" >"$tmp/alone.c"
	if compile_all "$h" "$tmp/alone.c"; then
		pass "$h"
	else
		fail "$h"
	fi
done

# All headers together: no clashing names between headers.
printf '#include "%s"\n' "${headers[@]}" >"$tmp/all.c"
if compile_all all "$tmp/all.c"; then
	pass "all headers together"
else
	fail "all headers together"
fi

# Layout promises: compile-time asserts in every config, then run once.
if compile_all layout tests/abi/layout.c &&
	cc -std=c11 "${warn[@]}" -I"$inc" tests/abi/layout.c \
		-o "$tmp/layout" >>"$tmp/log" 2>&1 &&
	"$tmp/layout" >>"$tmp/log" 2>&1; then
	pass "tests/abi/layout.c"
else
	fail "tests/abi/layout.c"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
