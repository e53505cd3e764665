#!/usr/bin/env bash
# gen-symbols.sh [IMAGE.elf]: emits assembly for the image's symbol table of
# text symbols (see hypervisor/common/symbols.c), sorted by address.  With no
# image, an empty table (for the first link).
set -euo pipefail
{ [ $# -gt 0 ] && nm -n --defined-only "$1"; true; } | awk 'BEGIN { n = 0 }
	NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[tTwW]$/ && $3 !~ /^(\.|__|\$)/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		print "\t.section .symtab.mica, \"a\""
		print "\t.balign 8"
		print "\t.globl symbols_count, symbols_addresses, symbols_name_offsets, symbols_names"
		print "symbols_count:\n\t.quad " n + 0
		print "symbols_addresses:"
		for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
		print "symbols_name_offsets:"
		off = 0
		for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
		print "symbols_names:"
		for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
	}'
