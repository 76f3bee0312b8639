#!/bin/sh
# make bench: wrk against lighttpd on loopback. For a static file, the
# home page, a product page and a search it prints requests/s and p99
# latency, and each page's throughput as a ratio of the static file's in
# the same run; then the resident size of the catalog processes before
# and after (a process must not grow with the requests it serves). Then
# jobs per second through one and two workers, and the latency of a live
# message from its write to a client (scripts/bench-jobs.py). The product
# page at 32 and 128 clients at once, under lighttpd and then under Apache
# with mod_proxy_fcgi (scripts/bench-apache.py): requests/s, p99, timeouts.
#
# BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_THREADS (2).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SHOP_BUILD:-$ROOT/build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}

work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

data=$work/data
run=$work/run
mkdir -p "$data" "$run"
SHOP_DATA_DIR=$data "$BUILD/bin/shopctl" -q migrate
SHOP_DATA_DIR=$data "$BUILD/bin/shopctl" -q seed >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
scripts/fillconf.sh httpd-conf/lighttpd.conf.in "$run/lighttpd.conf" \
    ROOT="$ROOT" BUILD="$BUILD" PORT="$port" DATA="$data" RUN="$run" \
    BASE_URL="http://127.0.0.1:$port"
lighttpd -D -f "$run/lighttpd.conf" &
pid=$!
base=http://127.0.0.1:$port
i=0
until curl -fs -o /dev/null "$base/static/style.css"; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: lighttpd did not start" >&2; exit 1; }
	sleep 0.1
done

slug=$(sqlite3 "$data/shop.db" "SELECT slug FROM products WHERE active ORDER BY id LIMIT 1")
term=$(sqlite3 "$data/shop.db" "SELECT lower(substr(name, 1, 3)) FROM products WHERE active ORDER BY id LIMIT 1")

catalog_rss() {	# the largest resident size of a catalog process, KiB
	ps -C catalog -o rss= 2>/dev/null | sort -n | tail -n 1 | tr -d ' '
}
catalog_pids() {
	ps -C catalog -o pid= 2>/dev/null | tr -d ' ' | tr '\n' ' '
}

# Every process serves some requests before the first measurement.
for u in / "/products/$slug" "/search?q=$term"; do
	wrk -t1 -c8 -d2s "$base$u" >/dev/null
done
rss_before=$(catalog_rss)
pids_before=$(catalog_pids)

# bench NAME PATH: one wrk run; prints and records req/s and p99.
total=0
static_rps=
printf '%-10s %12s %10s %9s  %s\n' page "requests/s" "p99" "ratio" path
bench() {
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$base$2")
	rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
	p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
	n=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
	non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
	[ -z "$static_rps" ] && static_rps=$rps
	ratio=$(awk -v a="$rps" -v b="$static_rps" 'BEGIN {printf "%.3f", a / b}')
	printf '%-10s %12s %10s %9s  %s%s\n' "$1" "$rps" "$p99" "$ratio" "$2" \
	    "${non2xx:+  ($non2xx non-2xx answers)}"
	[ "$1" != static ] && total=$((total + n))
	return 0
}
bench static /static/style.css
bench home /
bench product "/products/$slug"
bench search "/search?q=$term"

# The product page at 32 and 128 clients at once, under lighttpd here
# and under Apache with mod_proxy_fcgi (scripts/bench-apache.py): the
# p99 and the timeouts say whether a server makes requests wait.
echo
printf '%-10s %8s %12s %10s %9s  %s\n' server clients "requests/s" p99 \
    timeouts path
for c in 32 128; do
	out=$(wrk -t"$THREADS" -c"$c" -d"${SECS}s" --latency --timeout 2s \
	    "$base/products/$slug")
	rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
	p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
	tmo=$(printf '%s\n' "$out" | sed -n 's/.*timeout \([0-9]*\).*/\1/p')
	printf '%-10s %8s %12s %10s %9s  %s\n' lighttpd "$c" "$rps" "$p99" \
	    "${tmo:-0}" "/products/$slug"
done
rss_after=$(catalog_rss)
pids_after=$(catalog_pids)
echo
echo "catalog requests served in this run: $total"
echo "catalog process RSS (largest): before ${rss_before} KiB, after ${rss_after} KiB"
[ "$pids_before" = "$pids_after" ] ||
    echo "note: catalog processes changed during the run ($pids_before -> $pids_after)"

# The same page under Apache, its own server and data directory, while
# lighttpd idles.
python3 scripts/bench-apache.py "$BUILD" "$SECS" "$THREADS"

# Background jobs through one and two workers; live message latency.
python3 scripts/bench-jobs.py "$BUILD" "$data" "$base"
