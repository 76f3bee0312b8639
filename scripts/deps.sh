#!/bin/sh
# Install the Debian packages a target needs, when they are missing.
# usage: deps.sh build|run|test|bench
# As root it runs apt-get; otherwise it prints the one command to run and
# fails, so nothing half-works for want of a package.
set -eu

build="gcc make pkg-config libc6-dev libsqlite3-dev libfcgi-dev libcurl4-openssl-dev libxml2-dev libpcre2-dev libsodium-dev libvips-dev libwebp-dev libcrack2-dev cracklib-runtime libcsv-dev libcmark-dev zlib1g-dev"
run="$build lighttpd lighttpd-modules-lua sqlite3 curl tzdata"
test="$run check valgrind clang libclang-rt-14-dev python3 apache2 chromium mandoc"
bench="$run wrk procps python3 apache2"

case "${1:-build}" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
bench) want=$bench ;;
*) echo "usage: $0 build|run|test|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	if ! dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null |
	    grep -qx installed; then
		missing="$missing $p"
	fi
done
# Node.js (for the browser test driver) may come from Debian or elsewhere.
if [ "${1:-}" = test ] && ! command -v npm >/dev/null 2>&1; then
	command -v node >/dev/null 2>&1 && missing="$missing npm" ||
	    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Shopfile needs these Debian packages:$missing" >&2
	echo "Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet.
if ! apt-get install -y -q --no-install-recommends $missing >/dev/null; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
