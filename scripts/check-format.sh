#!/usr/bin/env bash
# Checks (or with --fix, rewrites) every C source and header in the tree with
# clang-format and the project's .clang-format (Linux kernel style).
set -uo pipefail
cd "$(dirname "$0")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
	'*.c' '*.h' | grep -v '^guest-linux-patches/')
passed=0 failed=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	if [ $fix -eq 1 ]; then
		clang-format -i "$f"
	elif clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAIL: $f is not formatted (run make format)"
		failed=$((failed + 1))
	fi
done
[ $fix -eq 1 ] && exit 0
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
