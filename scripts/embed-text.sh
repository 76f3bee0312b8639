#!/bin/sh
# Write a C file holding a text file as a string and its length, so a
# program carries what it was built with (the catalog's schema).
# usage: embed-text.sh NAME FILE > name.c
set -eu
name=$1
file=$2
printf '/* Generated from %s by scripts/embed-text.sh; do not edit. */\n' "$file"
printf '#include <stddef.h>\n\n'
printf 'extern const char %s[];\nextern const size_t %s_len;\n\n' "$name" "$name"
printf 'const char %s[] =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$file"
printf '\t;\nconst size_t %s_len = sizeof(%s) - 1;\n' "$name" "$name"
