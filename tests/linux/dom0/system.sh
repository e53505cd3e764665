#!/bin/sh
# The dom0 system test (issue 6), run by /init in dom0 (mica.run=dom0):
# the device tests (privcmd, evtchn, gntdev/gntalloc), then the toolstack
# on the real devices: mica-stored and mica-consoled start, `mica create`
# builds the domU of domu.cfg, `mica list` and `mica console` show it,
# `mica destroy` removes it and the hypervisor's free memory is what it
# was before.  Prints PASS/FAIL lines (tests/linux/dom0.sh checks them)
# and "dom0-system: done" at the end.
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
kill $consoled $stored
echo "dom0-system: done"
