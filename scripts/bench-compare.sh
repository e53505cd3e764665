#!/usr/bin/env bash
# bench-compare.sh [options] BUILD_A BUILD_B...: runs one single-domain
# bench guest on two or more hypervisor builds in turn (A, B, A, B, ...) and
# prints the median of every "bench:" metric for each build, so that load
# from other QEMU instances on the machine hits every build alike.
#
# A build is an out-of-tree build directory (the BUILD of `make`), holding
# hypervisor/mica.elf and guests/NAME.elf.
#
#   --guest NAME     bench guest (default bench_pv)
#   --elf FILE       run this guest image on both builds (default: each
#                    build's own guests/NAME.elf)
#   --rounds N       runs per build (default 5)
#   --append ARGS    extra hypervisor arguments (e.g. dom0_max_vcpus=2)
#   --icount         run QEMU with -icount shift=0,sleep=off: the TSC then
#                    counts executed instructions (one per ns), so results
#                    are exact and repeatable, but blind to host-side costs
#                    such as TCG's software TLB flush on a CR3 write; one
#                    round is enough
#
# Output: "metric median_A median_B... B/A... unit", one line per metric,
# after one "round N X: ..." line per run on stderr.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
guest=bench_pv elf="" rounds=5 append="" qemu_env=""
while [ $# -gt 0 ]; do
	case "$1" in
	--guest) guest=$2; shift 2 ;;
	--elf) elf=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--icount) qemu_env="-icount shift=0,sleep=off"; shift ;;
	-*) echo "bench-compare: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: bench-compare.sh [options] BUILD_A BUILD_B..." >&2; exit 2; }
builds=("$@") labels=(A B C D E F G H I J)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run INDEX ROUND: one QEMU run on build INDEX, its metrics appended to
# $work/INDEX as "metric value unit" lines.
run() {
	local b=${builds[$1]} log=$work/log image=${elf:-${builds[$1]}/guests/$guest.elf}

	QEMU_EXTRA="$qemu_env" "$top/scripts/qemu.sh" --timeout 180 --smp 1 --log "$log" \
		--append "guest_test $append" --initrd "$image" \
		"$b/hypervisor/mica.elf" >/dev/null 2>&1
	tr -d '\r' <"$log" | sed -n 's/^.*(d[0-9]*) bench: //p' >"$work/one"
	echo "round $2 ${labels[$1]}: $(awk '{ printf "%s=%s ", $1, $2 }' "$work/one")" >&2
	cat "$work/one" >>"$work/$1"
}

for ((r = 1; r <= rounds; r++)); do
	for ((i = 0; i < ${#builds[@]}; i++)); do
		run $i $r
	done
done

# median FILE METRIC: the median value of METRIC in FILE.
median() {
	awk -v m="$2" '$1 == m { print $2 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

cat "$work"/[0-9]* | awk '!seen[$1]++ { print $1, $3 }' |
	while read -r metric unit; do
		line=$metric ratios="" a=""
		for ((i = 0; i < ${#builds[@]}; i++)); do
			m=$(median "$work/$i" "$metric")
			line="$line $m"
			if [ $i -eq 0 ]; then
				a=$m
			else
				ratios="$ratios $(awk -v a="$a" -v b="$m" 'BEGIN { if (a + 0 > 0 && b != "-") printf "%.2f", b / a; else print "-" }')"
			fi
		done
		echo "$line$ratios $unit"
	done
