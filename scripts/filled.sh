#!/bin/sh
# Fail when a generated file still holds an @NAME@ placeholder.
# usage: filled.sh FILE
set -eu
if left=$(grep -o '@[A-Z_]*@' "$1" | sort -u | tr '\n' ' ') && [ -n "$left" ]; then
	echo "$1: unfilled $left" >&2
	exit 1
fi
