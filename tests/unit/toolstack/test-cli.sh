#!/usr/bin/env bash
# test-cli.sh BUILD_DIR: the `mica` CLI end to end against the simulated
# hypervisor and a real mica-stored.  Runs a scripted session and compares
# its transcript (command, output, exit code) with golden/cli/session.txt;
# MICA_TEST_UPDATE_GOLDEN=1 rewrites it.  Prints PASS:/FAIL: lines.
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden/cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mica-cli-XXXXXX")
export MICA_HV_SIM=$tmp/sim MICA_HV_SIM_PAGES=16384
export MICA_STORE_SOCKET=$tmp/store.sock
export MICA_CONSOLED_SOCKET=$tmp/consoled.sock
mica=$build/san/mica

"$build/san/mica-stored" --no-state --socket "$MICA_STORE_SOCKET" --quiet &
stored=$!
trap 'kill $stored 2>/dev/null; wait $stored 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$MICA_STORE_SOCKET" ] && break; sleep 0.05; done

transcript=$tmp/session.txt
run() {
	echo "\$ mica $*"
	(cd "$golden" && "$mica" "$@") 2>&1
	echo "[exit $?]"
}
{
	run list
	run create web1.cfg
	run create -p db.cfg
	run create web1.cfg
	run create huge.cfg
	run create bad.cfg
	run create missing.cfg
	run list
	run list --json
	run info web1
	run info --json db
	run uuid 1
	run pause web1
	run unpause web1
	run unpause web1
	run pause 0
	run destroy 0
	run shutdown -f db
	run list
	run reboot -f web1
	run list
	run destroy web1
	run destroy db
	run destroy db
	run info nosuch
	run info 77
	run list
	run frob
	run
	run list extra
	run info
	run create -x web1.cfg
	run pause --help
	run list --help
} >"$transcript"
sed -i "s|$golden|<golden>|g" "$transcript"

if [ "${MICA_TEST_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$transcript" "$golden/session.txt"
fi
if diff -u "$golden/session.txt" "$transcript"; then
	echo "PASS: cli_session_golden"
else
	echo "FAIL: cli_session_golden: transcript differs (diff above)"
fi

# Exit codes: 0 ok, 1 failed, 2 usage, checked apart from the transcript.
check_rc() {
	local want=$1
	shift
	(cd "$golden" && "$mica" "$@") >/dev/null 2>&1
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "PASS: cli_exit_${want}_$1"
	else
		echo "FAIL: cli_exit_${want}_$1: 'mica $*' exited $rc"
	fi
}
check_rc 0 list
check_rc 1 destroy nosuch
check_rc 2 list --bogus

# The store records follow the domain and go away with it.
(cd "$golden" && "$mica" create web1.cfg) >/dev/null 2>&1
(cd "$golden" && "$mica" destroy web1) >/dev/null 2>&1
if (cd "$golden" && "$mica" create web1.cfg) >/dev/null 2>&1; then
	echo "PASS: cli_name_free_after_destroy"
else
	echo "FAIL: cli_name_free_after_destroy"
fi
