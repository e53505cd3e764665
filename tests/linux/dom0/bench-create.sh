#!/bin/sh
# The dom0 creation benchmark (issue 6, `make bench`; run by /init with
# mica.run=bench-create): mica-stored and mica-consoled as in the system
# test, then bench_create creates N domUs (mica.bench_domains=N, default
# 20; make bench asks for 50) and prints "bench: metric value unit" lines.
export PATH=/bin:/dom0
n=20
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mica.bench_domains=*) n=${arg#mica.bench_domains=} ;;
	esac
done
mkdir -p /run/mica /var/lib/mica/store /var/log/mica/console
mount -t tmpfs tmpfs /var/lib/mica/store
mica-stored --quiet >/tmp/stored.log 2>&1 &
stored=$!
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
bench_create "$n" /dom0/domu.elf || {
	echo "bench-create: failed"
	cat /tmp/stored.log /tmp/consoled.log
}
kill $consoled $stored
echo "bench-create: done"
