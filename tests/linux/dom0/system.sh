#!/bin/sh
# The dom0 system test (issue 6), run by /init in dom0 (mica.run=dom0):
# the device tests (privcmd, evtchn, gntdev/gntalloc), then the toolstack
# on the real devices: mica-stored and mica-consoled start, `mica create`
# builds the domU of domu.cfg, `mica list` and `mica console` show it,
# `mica destroy` removes it and the hypervisor's free memory is what it
# was before; then the store guest (store_guest_test below).  Prints
# PASS/FAIL lines (tests/linux/dom0.sh checks them) and "dom0-system:
# done" at the end.
export PATH=/bin:/dom0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

privcmd_test
evtchn_test
gntdev_test

free_pages() { physinfo | sed -n 's/^free_pages //p'; }
mkdir -p /run/mica /var/lib/mica/store /var/log/mica/console
free0=$(free_pages)
[ -n "$free0" ] && pass dom0-physinfo || fail dom0-physinfo "no free page count"

mica-stored --quiet >/tmp/stored.log 2>&1 &
stored=$!
# The store first: mica-consoled follows domains through its watches.
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S /run/mica/stored.sock ] && break
	sleep 1
done
mica-consoled >/tmp/consoled.log 2>&1 &
consoled=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S /run/mica/stored.sock ] && [ -S /run/mica/consoled.sock ] && break
	sleep 1
done
if [ -S /run/mica/stored.sock ] && [ -S /run/mica/consoled.sock ]; then
	pass dom0-daemons
else
	fail dom0-daemons "sockets missing: $(cat /tmp/stored.log /tmp/consoled.log)"
fi

if mica create /dom0/domu.cfg >/tmp/create.log 2>&1; then
	pass dom0-mica-create
else
	fail dom0-mica-create "$(cat /tmp/create.log)"
fi
mica list >/tmp/list.log 2>&1
cat /tmp/list.log
if grep -qE '^[0-9]+ +domu ' /tmp/list.log; then
	pass dom0-mica-list
else
	fail dom0-mica-list "domu not listed"
fi
sleep 2
(sleep 3; printf '\035') | mica console domu >/tmp/console.log 2>&1
cat /tmp/console.log
# An attached console shows what the domU writes from then on (its ticks);
# what came before is in mica-consoled's log of the domain.
if grep -q 'mica-domu: tick [0-9]' /tmp/console.log; then
	pass dom0-mica-console
else
	fail dom0-mica-console "no ticks from the domU"
fi
if cat /var/log/mica/console/*.log 2>/dev/null |
	grep -q 'mica-domu: hello from the console ring'; then
	pass dom0-console-log
else
	fail dom0-console-log "the domU's greeting is not in mica-consoled's log"
fi
# start_info.h: the boot L4 of a domain that `mica create` built is pinned
# (the builder's MICA_VGCF_PIN_BASE), as for one the hypervisor built.
if cat /var/log/mica/console/*.log 2>/dev/null |
	grep -q 'mica-domu: boot L4 pinned'; then
	pass dom0-domu-boot-l4-pinned
else
	fail dom0-domu-boot-l4-pinned "$(cat /var/log/mica/console/*.log 2>/dev/null |
		grep 'boot L4' | head -n 1)"
fi

if mica destroy domu >/tmp/destroy.log 2>&1; then
	pass dom0-mica-destroy
else
	fail dom0-mica-destroy "$(cat /tmp/destroy.log)"
fi
mica list >/tmp/list.log 2>&1
if grep -qE '^[0-9]+ +domu ' /tmp/list.log; then
	fail dom0-mica-list-gone "domu still listed: $(cat /tmp/list.log)"
else
	pass dom0-mica-list-gone
fi
# The console daemon lets go of the ring once it sees the domain go.
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(free_pages)" = "$free0" ] && break
	sleep 1
done
if [ "$(free_pages)" = "$free0" ]; then
	pass dom0-memory-free-again
else
	fail dom0-memory-free-again "free pages $(free_pages), $free0 before"
fi
# ---- The store guest (issue 6): a guest on its store ring and event
# channel, console input.  storeguest/ checks its own keys, a
# transaction, EACCES on others' keys and a watch, printing
# "storeguest: PASS/FAIL: store-..." on its console; dom0 writes the
# watched key, checks what the guest wrote, types a line at `mica console`
# and finds it echoed; destroyed, all memory is free again.
guest_log() { cat /var/log/mica/console/*.log 2>/dev/null | tr -d '\r'; }
wait_guest_log() {
	i=0
	while [ $i -lt "$2" ]; do
		guest_log | grep -q "$1" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
store_guest_test() {
	# Another domain's key, for the guest to be refused.
	storecmd write /local/domain/999/name other-domain
	if ! mica create /dom0/storeguest.cfg >/tmp/sg-create.log 2>&1; then
		fail dom0-storeguest-create "$(cat /tmp/sg-create.log)"
		return
	fi
	pass dom0-storeguest-create
	sgid=$(mica list | awk '$2 == "storeguest" { print $1 }')
	if wait_guest_log "storeguest: waiting for dom0 to write" 60; then
		pass dom0-storeguest-ready
	else
		fail dom0-storeguest-ready "$(guest_log | grep storeguest | tail -5)"
	fi
	if storecmd write "/local/domain/$sgid/data/trigger" from-dom0; then
		pass dom0-store-write-watched
	else
		fail dom0-store-write-watched "storecmd write failed"
	fi
	wait_guest_log "storeguest: store checks done" 30
	guest_log | grep -o 'storeguest: \(PASS\|FAIL\): .*' |
		sed 's/^storeguest: //'
	guest_log | grep -q "storeguest: trigger is 'from-dom0'" &&
		pass dom0-store-guest-read-trigger ||
		fail dom0-store-guest-read-trigger "guest did not read dom0's value"
	v=$(storecmd read "/local/domain/$sgid/data/greeting")
	[ "$v" = "hello from $sgid" ] && pass dom0-store-guest-keys ||
		fail dom0-store-guest-keys "greeting is '$v'"
	v=$(storecmd read "/local/domain/$sgid/data/tx")
	[ "$v" = "in-tx" ] && pass dom0-store-guest-tx ||
		fail dom0-store-guest-tx "tx key is '$v'"
	v=$(storecmd read /local/domain/999/name)
	if storecmd read /local/domain/0/evil >/dev/null 2>&1 ||
		[ "$v" != other-domain ]; then
		fail dom0-store-guest-refused "the guest wrote a key not its own"
	else
		pass dom0-store-guest-refused
	fi
	(sleep 1; printf 'ping 42\r'; sleep 3; printf '\035') |
		mica console storeguest >/tmp/sg-console.log 2>&1
	tr -d '\r' </tmp/sg-console.log | grep -q 'storeguest: echo: ping 42' &&
		pass dom0-console-input-echo ||
		fail dom0-console-input-echo "$(tr -d '\r' </tmp/sg-console.log | tail -3)"
	# mica-stored restarts: it reconnects the guest's ring by itself.
	kill $stored
	wait $stored
	mica-stored --quiet >/tmp/stored2.log 2>&1 &
	stored=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -S /run/mica/stored.sock ] && break
		sleep 1
	done
	(sleep 1; printf 'read greeting\r'; sleep 3; printf '\035') |
		mica console storeguest >/tmp/sg-console2.log 2>&1
	tr -d '\r' </tmp/sg-console2.log |
		grep -q "storeguest: greeting: hello from $sgid" &&
		pass dom0-stored-restart-reconnects-guest ||
		fail dom0-stored-restart-reconnects-guest "$(tr -d '\r' </tmp/sg-console2.log | tail -3; cat /tmp/stored2.log)"
	mica destroy storeguest >/tmp/sg-destroy.log 2>&1 &&
		pass dom0-storeguest-destroy ||
		fail dom0-storeguest-destroy "$(cat /tmp/sg-destroy.log)"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(free_pages)" = "$free0" ] && break
		sleep 1
	done
	[ "$(free_pages)" = "$free0" ] && pass dom0-storeguest-memory-free ||
		fail dom0-storeguest-memory-free "free pages $(free_pages), $free0 before"
	# Event channels, not polling: consoled found the store (no
	# rescan fallback) and stored bound the guest's ring.
	grep -q rescanning /tmp/consoled.log &&
		fail dom0-daemons-event-driven "$(cat /tmp/consoled.log)" ||
		pass dom0-daemons-event-driven
}
store_guest_test

kill $consoled $stored
echo "dom0-system: done"
