#!/usr/bin/env bash
# bench.sh BUILD_DIR: toolstack benchmarks on the host, "metric value unit"
# lines: store throughput and watch latency (bench_store), store requests
# per domain creation, and `mica create` time for the 1st and the 100th
# domain on the simulated hypervisor (goal: flat).
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/../../unit/toolstack/golden/cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench-XXXXXX")
export MICA_HV_SIM=$tmp/sim MICA_HV_SIM_PAGES=$((1 << 20))
export MICA_STORE_SOCKET=$tmp/store.sock
"$build/mica-stored" --no-state --socket "$MICA_STORE_SOCKET" --quiet &
stored=$!
trap 'kill $stored 2>/dev/null; wait $stored 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$MICA_STORE_SOCKET" ] && break; sleep 0.05; done

"$build/bench_store"

ns() { date +%s%N; }
for i in $(seq 1 100); do
	printf 'name = "d%d"\nkernel = "%s/kernel.elf"\nmemory = 16\n' \
		"$i" "$golden" >"$tmp/d$i.cfg"
done
for i in $(seq 1 100); do
	t0=$(ns)
	"$build/mica" create "$tmp/d$i.cfg" >/dev/null ||
		{ echo "bench: create d$i failed" >&2; exit 1; }
	t1=$(ns)
	case $i in
	1) echo "mica_create_1st $(((t1 - t0) / 1000)) us" ;;
	100) echo "mica_create_100th $(((t1 - t0) / 1000)) us" ;;
	esac
done
# Store requests per creation: the client library counts them
# (MICA_STORE_COUNT_FILE), see toolstack/lib/store_client.c.
printf 'name = "count"\nkernel = "%s/kernel.elf"\nmemory = 16\n' "$golden" \
	>"$tmp/count.cfg"
MICA_STORE_COUNT_FILE=$tmp/count "$build/mica" create "$tmp/count.cfg" \
	>/dev/null
echo "store_requests_per_create $(cat "$tmp/count" 2>/dev/null || echo ?) requests"
