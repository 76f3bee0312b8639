#!/bin/sh
# Write a C file holding every migration under sql/<db>/NNNN_name.sql, so
# each program knows the schema it was built for (lib/data/migrate.h).
# usage: embed-sql.sh SQLDIR > migrations.c
set -eu
dir=$1
printf '/* Generated from %s by scripts/embed-sql.sh; do not edit. */\n' "$dir"
printf '#include <stddef.h>\n#include "data/migrate.h"\n\n'
printf 'const struct migration migrations[] = {\n'
n=0
for db in primary queue cache cable; do
	case $db in
	primary) id=DB_PRIMARY ;; queue) id=DB_QUEUE ;;
	cache) id=DB_CACHE ;; cable) id=DB_CABLE ;;
	esac
	for f in $(ls "$dir/$db"/[0-9][0-9][0-9][0-9]_*.sql 2>/dev/null | sort); do
		base=$(basename "$f" .sql)
		ver=$(printf '%s' "$base" | cut -c1-4 | sed 's/^0*//')
		name=$(printf '%s' "$base" | cut -c6-)
		printf '\t{ %s, %s, "%s",\n' "$id" "${ver:-0}" "$name"
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t  "/' -e 's/$/\\n"/' "$f"
		printf '\t},\n'
		n=$((n + 1))
	done
done
printf '};\n\nconst size_t migrations_count = %d;\n' "$n"
