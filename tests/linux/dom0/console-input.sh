#!/bin/sh
# The Linux domU console-input test, run by /init in dom0
# (mica.run=console-input) beside domain 1, a Linux domU of the boot
# configuration running a shell on hvc0 (mica.run=shell): mica-stored and
# mica-consoled start (mica-consoled finds the domU's console ring through
# MICA_DOMPARAM_CONSOLE_PFN), and a command typed at `mica console 1` goes
# through the daemon and the ring (patch 0013) to that shell, then
# `poweroff -f`.  The domU writes its output with the console hypercall,
# so the command's result ("ring-says-42") shows on the hypervisor console
# as "(d1) ..."; tests/linux/run.sh checks it.  Prints PASS/FAIL lines for
# the steps here and "console-input: done" at the end.
export PATH=/bin:/dom0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

mkdir -p /run/mica /var/lib/mica/store /var/log/mica/console
mica-stored --quiet >/tmp/stored.log 2>&1 &
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S /run/mica/stored.sock ] && break
	sleep 1
done
mica-consoled >/tmp/consoled.log 2>&1 &
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S /run/mica/consoled.sock ] && break
	sleep 1
done
# Running or blocked until the typed poweroff ends it (then shutdown or
# dying: mica-consoled lets go of its ring once it sees it go).
alive() { mica list 2>/dev/null | grep -qE '^1 +[^ ]+ +(running|blocked|paused) '; }
alive && pass console-input-domu-listed ||
	fail console-input-domu-listed "$(mica list 2>&1)"
# The domU's prompt goes to the hypervisor console, which dom0 cannot see:
# give its shell time to start, then type (a blank line first, in case
# the tty drops what arrives before it is open).  Bytes typed early wait
# in the ring until the domU reads them.
(sleep 10; printf '\r'; sleep 2; printf 'echo ring-says-$((6 * 7))\r'
	sleep 5; printf 'poweroff -f\r'; sleep 2; printf '\035') |
	mica console 1 >/tmp/console.log 2>&1 &&
	pass console-input-attach ||
	fail console-input-attach "$(cat /tmp/console.log /tmp/consoled.log)"
for i in $(seq 60); do
	alive || break
	sleep 1
done
alive && fail console-input-poweroff "domain 1 did not power off" ||
	pass console-input-poweroff
echo "console-input: done"
