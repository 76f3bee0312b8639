#!/bin/sh
# Run each fuzz target in build/fuzz for SECONDS on a copy of its seed
# corpus (tests/fuzz/corpus/NAME), so new inputs never land in the tree.
# Ends with "N passed, N failed": a target passes if it finds nothing.
# usage: run-fuzz.sh SECONDS
set -u
cd "$(dirname "$0")/.."
secs=${1:-8}
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in build/fuzz/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$work/$name" "$work/$name-art"
	[ -d "$seeds" ] && cp -R "$seeds"/. "$work/$name"/
	if "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/$name-art/" -print_final_stats=1 \
	    "$work/$name" >"$work/$name.log" 2>&1; then
		runs=$(grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}')
		echo "ok   $name: ${runs:-?} runs in ${secs}s"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		tail -n 40 "$work/$name.log"
		mkdir -p build/fuzz-artifacts
		cp "$work/$name-art"/* build/fuzz-artifacts/ 2>/dev/null
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
