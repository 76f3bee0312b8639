#!/bin/sh
# Fill in a configuration template (httpd-conf/*.in, the gateway's) for a
# tree that runs from its sources, as make does for build/conf/.
# usage: fillconf.sh TEMPLATE OUT NAME=value...
#   ROOT=  gives STATIC (ROOT/static) and TEMPLATES (ROOT/templates)
#   BUILD= gives CGIBIN (BUILD/cgi-bin) and SBIN (BUILD/bin)
#   DATA= gives ETC (DATA: shop.env beside the databases)
#   unless they are named too; the input limits come from lib/core/limits.h.
# Fails, writing nothing, if an @NAME@ is left unfilled.
set -eu
here=$(dirname "$0")
in=$1 out=$2
shift 2
args=$("$here/limits.sh" | sed 's/^\([A-Z_]*\)=\(.*\)$/-e s|@\1@|\2|g/' | tr '\n' ' ')
derived=
for kv in "$@"; do
	k=${kv%%=*} v=${kv#*=}
	args="$args -e s|@$k@|$v|g"
	case $k in
	ROOT) derived="$derived -e s|@STATIC@|$v/static|g -e s|@TEMPLATES@|$v/templates|g" ;;
	BUILD) derived="$derived -e s|@CGIBIN@|$v/cgi-bin|g -e s|@SBIN@|$v/bin|g" ;;
	DATA) derived="$derived -e s|@ETC@|$v|g" ;;
	esac
done
# Named values come first, so they win over the derived ones.
args="$args $derived"
# shellcheck disable=SC2086
sed $args "$in" > "$out.tmp"
"$here/filled.sh" "$out.tmp"
mv "$out.tmp" "$out"
