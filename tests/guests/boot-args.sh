# boot-args.sh: sourced by tests/guests/run.sh and scripts/bench.sh, which
# boot a test guest the same way.  Needs $top (the tree) and $guests (the
# directory of the built <guest>.elf files).
#
# guest_boot_args NAME [DOM0-ARGS]: sets
#   modules  the QEMU -initrd string: NAME.elf as dom0 (with "test=NAME",
#            or DOM0-ARGS if given), then one module per line of
#            tests/guests/NAME/domains (docs/boot.md):
#              DOMAIN-NAME GUEST [mem=SIZE] [vcpus=N] [-- GUEST ARGS]
#            becomes "GUEST.elf domain=DOMAIN-NAME ... -- test=NAME ARGS";
#            blank lines and '#' comments are skipped;
#   ndom     the number of domains (dom0 included; ids 0 .. ndom-1);
#   smp      CPUs from tests/guests/NAME/run.conf "smp=N" (default 2);
#   append   hypervisor arguments from run.conf "append=ARGS" (default "");
#   icount   run.conf "icount=SHIFT" (default ""): QEMU's virtual time is
#            counted in instructions, 2^SHIFT ns each (scripts/qemu.sh
#            --icount), so timing tests do not depend on the host's load.
# Returns 1 with the reason in boot_args_error if a domain names a guest
# that was not built.
guest_boot_args() {
	local name=$1 dom0_args=${2:-test=$1} dname dguest rest
	local domfile=$top/tests/guests/$1/domains conf=$top/tests/guests/$1/run.conf

	smp=2 append="" icount="" ndom=1 boot_args_error=""
	if [ -f "$conf" ]; then
		smp=$(sed -n 's/^smp=\([0-9]*\)$/\1/p' "$conf" | tail -n 1)
		append=$(sed -n 's/^append=//p' "$conf" | tail -n 1)
		icount=$(sed -n 's/^icount=\([0-9]*\)$/\1/p' "$conf" | tail -n 1)
		smp=${smp:-2}
	fi
	modules="$guests/$name.elf $dom0_args"
	[ -f "$domfile" ] || return 0
	while read -r dname dguest rest; do
		case $dname in "" | "#"*) continue ;; esac
		if [ ! -f "$guests/$dguest.elf" ]; then
			boot_args_error="domains: no such guest '$dguest'"
			return 1
		fi
		case " $rest " in
		*" -- "*) rest="${rest/--/-- test=$name}" ;;
		*) rest="$rest -- test=$name" ;;
		esac
		# QEMU's -initrd separates modules with ',' (',,' escapes).
		modules="$modules,$guests/$dguest.elf domain=$dname ${rest//,/,,}"
		ndom=$((ndom + 1))
	done <"$domfile"
}
