# shellcheck shell=bash
# report.sh: sourced by tests/linux/run.sh.  Turns the console log of a
# domain (or a native boot) that ran the initramfs init in mode
# mica.run=workload or mica.run=selftests into one PASS/FAIL/SKIP line per
# workload program or selftest, through the caller's functions
# `pass NAME [NOTE]`, `fail NAME LOG WHY` and `skip NAME WHY`.
#
#   linux_report_workload  TAG LOG [PREFIX]
#   linux_report_selftests TAG LOG [PREFIX]
#
# TAG names the lines (TAG-workload-fork, TAG-selftest-sigreturn_64, ...);
# PREFIX is a fixed string the domain's console lines start with (the
# hypervisor console's "(d3) "), removed before parsing; lines without it
# are ignored.  The expected programs come from tests/linux/workload/list
# and $BUILD/linux/selftests/list, so a program that never ran is a FAIL.

linux_report_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# linux_domain_lines LOG PREFIX: the log's lines from one console, \r-free.
# With a PREFIX, the hypervisor console's time stamp ("[   12.345678] ")
# before it is dropped too.
linux_domain_lines() {
	tr -d '\r' <"$1" | awk -v p="$2" '
	p == "" { print; next }
	{ sub(/^\[ *[0-9]+\.[0-9]+\] /, "") }
	index($0, p) == 1 { print substr($0, length(p) + 1) }'
}

# linux_report_lines: awk over "expected" + console lines; prints
# "RESULT<TAB>NAME<TAB>TEXT" for each program of the list.
#   mode=workload: a program passes on rc=0 and its closing line with
#   "0 failed"; its FAIL lines are the reason otherwise; SKIP lines go into
#   the note.
#   mode=selftests: see tests/linux/selftests/expected.
linux_report_lines() {
	local mode=$1 list=$2 lines=$3
	awk -v mode="$mode" -F '\t' '
	FILENAME == ARGV[1] { order[++n] = $1; next }
	FILENAME == ARGV[2] {
		if ($0 ~ /^#/ || $0 == "") next
		split($0, w, " ")
		name = w[1]; kind = w[2]
		if (kind == "known") {
			known[name] = substr($0, length(name) + length(kind) + 3)
		} else if (kind == "xfail") {
			xrc[name] = w[3]
			xtext[name] = substr($0, length(name) + length(kind) + length(w[3]) + 4)
		} else {
			t = substr($0, length(name) + length(kind) + 3)
			if (kind == "skip") skiptext[name] = t
			else partial[name] = partial[name] "\n" t
		}
		next
	}
	{
		line = $0
		if (match(line, /^(workload|selftest)-start: /)) {
			cur = substr(line, RLENGTH + 1); started[cur] = 1; next
		}
		if (match(line, /^(workload|selftest)-result: /)) {
			split(substr(line, RLENGTH + 1), r, " rc=")
			rc[r[1]] = r[2]; cur = ""; next
		}
		if (cur == "") next
		out[cur] = out[cur] "\n" line
		if (mode == "workload") {
			if (index(line, cur ": FAIL: ") == 1) fails[cur] = fails[cur] "; " substr(line, length(cur) + 9)
			if (index(line, cur ": SKIP: ") == 1) skips[cur] = skips[cur] "; " substr(line, length(cur) + 9)
			if (line ~ ("^" cur ": [0-9]+ passed, 0 failed")) closed[cur] = 1
		} else {
			if (line ~ /\[FAIL\]/) fails[cur] = fails[cur] "\n" line
			if (line ~ /\[SKIP\]/) skips[cur] = skips[cur] "\n" line
			if (line ~ /\[(OK|PASS)\]/) oks[cur]++
		}
	}
	function explained(name, s,    k, m, i, j, pats, ls) {
		# every [SKIP] line of s contains one of the partial texts
		m = split(s, ls, "\n"); k = split(partial[name], pats, "\n")
		for (i = 1; i <= m; i++) {
			if (ls[i] == "") continue
			for (j = 1; j <= k; j++)
				if (pats[j] != "" && index(ls[i], pats[j])) break
			if (j > k) return 0
		}
		return 1
	}
	function all_fails_contain(s, t,    m, i, ls) {
		m = split(s, ls, "\n")
		for (i = 1; i <= m; i++)
			if (ls[i] != "" && !index(ls[i], t)) return 0
		return 1
	}
	function firstline(s,    ls) { split(substr(s, 2), ls, "\n"); return ls[1] }
	END {
		for (i = 1; i <= n; i++) {
			t = order[i]
			if (!(t in started)) { print "FAIL\t" t "\tnever started"; continue }
			if (!(t in rc)) { print "FAIL\t" t "\tno result (the machine stopped while it ran)"; continue }
			if (rc[t] == "skipped") { # mica.skip= on the command line
				print "SKIP\t" t "\tnot run (mica.skip; docs/linux-selftests.md)"
				continue
			}
			if (mode == "workload") {
				if (rc[t] == 0 && closed[t] && fails[t] == "")
					print "PASS\t" t "\t" (skips[t] == "" ? "" : "skipped: " substr(skips[t], 3))
				else
					print "FAIL\t" t "\trc=" rc[t] (fails[t] == "" ? (closed[t] ? "" : ", no closing line") : ":" substr(fails[t], 2))
				continue
			}
			if (t in known) {
				if (rc[t] == 0 && fails[t] == "" && skips[t] == "")
					print "PASS\t" t "\tpasses, though listed as a known failure"
				else
					print "SKIP\t" t "\tknown failure on Mica, to fix (docs/linux-selftests.md): " known[t] " [rc=" rc[t] (fails[t] == "" ? "" : ": " firstline(fails[t])) "]"
				continue
			}
			if (t in xrc) {
				if (rc[t] == xrc[t] && index(out[t], xtext[t]) && all_fails_contain(fails[t], xtext[t]))
					print "SKIP\t" t "\tknown failure on this machine (docs/linux-selftests.md): " xtext[t]
				else if (rc[t] == 0 && fails[t] == "" && skips[t] == "")
					print "PASS\t" t "\tpasses, though listed as a known failure"
				else
					print "FAIL\t" t "\trc=" rc[t] (fails[t] == "" ? "" : ": " firstline(fails[t]))
				continue
			}
			if (t in skiptext) {
				if ((rc[t] == 0 || rc[t] == 4) && !oks[t] && fails[t] == "" && index(skips[t], skiptext[t]))
					print "SKIP\t" t "\t" skiptext[t] " (docs/linux-selftests.md)"
				else if (rc[t] == 0 && fails[t] == "" && skips[t] == "")
					print "PASS\t" t "\t"
				else
					print "FAIL\t" t "\trc=" rc[t] ", not the documented skip"
				continue
			}
			if (rc[t] == 4 && fails[t] == "")
				print "FAIL\t" t "\tskipped, and the skip is not explained (tests/linux/selftests/expected): " firstline(skips[t])
			else if (rc[t] != 0 || fails[t] != "")
				print "FAIL\t" t "\trc=" rc[t] (fails[t] == "" ? "" : ": " firstline(fails[t]))
			else if (skips[t] != "" && !explained(t, skips[t]))
				print "FAIL\t" t "\tan unexplained [SKIP] (tests/linux/selftests/expected):" firstline(skips[t])
			else
				print "PASS\t" t "\t" (skips[t] == "" ? "" : "partly skipped (docs/linux-selftests.md)")
		}
	}' "$list" <(cat "$linux_report_dir/selftests/expected" \
		${LINUX_REPORT_ON:+"$linux_report_dir/selftests/expected-$LINUX_REPORT_ON"}) \
		"$lines"
}

# linux_report MODE TAG LOG PREFIX LIST
linux_report() {
	local mode=$1 tag=$2 log=$3 prefix=$4 list=$5 lines result name text
	lines=$(mktemp)
	linux_domain_lines "$log" "$prefix" >"$lines"
	while IFS=$'\t' read -r result name text; do
		case $result in
		PASS) pass "$tag-$mode-$name${text:+ ($text)}" ;;
		SKIP) skip "$tag-$mode-$name" "$text" ;;
		*) fail "$tag-$mode-$name" "$log" "$text" ;;
		esac
	done < <(linux_report_lines "$mode" "$list" "$lines")
	rm -f "$lines"
}

linux_report_workload() {
	linux_report workload "$1" "$2" "${3:-}" "$linux_report_dir/workload/list"
}

# On Mica (LINUX_REPORT_ON=mica), tests/linux/selftests/expected-mica adds
# to (and for a name it lists, overrides) the native exceptions.
linux_report_selftests() {
	linux_report selftest "$1" "$2" "${3:-}" "$BUILD/linux/selftests/list"
}
