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
# Then the page cache (scripts/bench-pages.py): each catalog page cached
# and uncached as a ratio to a static file of its size, search and add to
# cart, and the RSS of every program, under lighttpd and Apache.
# Then the back office at 100k orders and 50k products
# (scripts/bench-admin.py adds them): requests/s and p99 of its lists,
# signed in as staff; and the import of a large catalog.
#
# BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_THREADS (2);
# BENCH_PARTS ("catalog pages jobs admin import") runs only the parts it
# names.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SHOP_BUILD:-$ROOT/build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
PARTS=${BENCH_PARTS:-catalog pages jobs admin import}

part() {	# part NAME: whether BENCH_PARTS names it
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}

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

if part catalog; then
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
fi

# The same page under Apache, its own server and data directory, while
# lighttpd idles.
if part catalog; then
	python3 scripts/bench-apache.py "$BUILD" "$SECS" "$THREADS"
fi

# The page cache: every catalog page from its file and through the
# program, against a static file of the same size, under both servers.
if part pages; then
	echo
	python3 scripts/bench-pages.py "$BUILD" "$SECS" "$CONNS" "$THREADS"
fi

# Background jobs through one and two workers; live message latency.
if part jobs; then
	python3 scripts/bench-jobs.py "$BUILD" "$data" "$base"
fi

# The back office at scale: its lists must not slow down with the shop.
# The orders and products sections may not exist in this build: a path
# answering 404 is listed as not built.
if part admin; then
	echo
	echo "back office at 100k orders, 50k products"
	found=$(python3 scripts/bench-admin.py "$data")
	word=$(printf '%s\n' "$found" | sed -n 's/.* word=\([^ ]*\).*/\1/p')
	email=$(printf '%s\n' "$found" | sed -n 's/.* email=\([^ ]*\).*/\1/p')
	name=$(printf '%s\n' "$found" | sed -n 's/.* name=\([^ ]*\).*/\1/p')
	staff=bench-staff@example.test
	password="bench staff password $$"
	printf '%s\n' "$password" | SHOP_DATA_DIR=$data "$BUILD/bin/shopctl" -q \
	    user add --staff "$staff" "Bench staff"
	curl -fs -o /dev/null -c "$work/jar" --data-urlencode "email=$staff" \
	    --data-urlencode "password=$password" "$base/account/login"
	sid=$(awk '$6 == "sid" { print $7 }' "$work/jar")
	[ -n "$sid" ] || { echo "bench: the staff log-in gave no session" >&2; exit 1; }
	cookie="Cookie: sid=$sid"

	printf '%-16s %12s %10s %5s  %s\n' page "requests/s" "p99" conns path
	# admin_bench NAME PATH [CONNECTIONS]: one wrk run, signed in.
	admin_bench() {
		c=${3:-$CONNS}
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$base$2")
		if [ "$code" = 404 ]; then
			printf '%-16s %12s %10s %5s  %s\n' "$1" "not built" "" "" "$2"
			return 0
		fi
		if [ "$code" != 200 ]; then
			printf '%-16s %12s %10s %5s  %s\n' "$1" "answers $code" "" "" \
			    "$2"
			return 0
		fi
		w=4
		[ "$c" -lt "$w" ] && w=$c
		wrk -t1 -c"$w" -d1s -H "$cookie" "$base$2" >/dev/null
		t=$THREADS
		[ "$c" -lt "$t" ] && t=$c
		out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --timeout 10s --latency \
		    -H "$cookie" "$base$2")
		rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
		p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
		non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
		printf '%-16s %12s %10s %5s  %s%s\n' "$1" "$rps" "$p99" "$c" "$2" \
		    "${non2xx:+  ($non2xx non-2xx answers)}"
	}
	admin_bench dashboard /admin
	admin_bench customers /admin/customers
	admin_bench customer-search "/admin/customers?q=$name"
	admin_bench audit /admin/audit
	admin_bench jobs /admin/jobs
	# The check of the books reads every order: one at a time, as the
	# button asks for it.
	admin_bench audit-books "/admin/audit?books=1" 1
	admin_bench orders /admin/orders
	admin_bench orders-paid "/admin/orders?state=paid"
	admin_bench order-search "/admin/orders?q=$email"
	admin_bench products /admin/products
	admin_bench product-search "/admin/products?q=$word"
fi

if part import; then
# Importing a large catalog: BENCH_IMPORT_PRODUCTS (50000) products of
# three variants and an image each, written as shopctl export writes
# them, imported into an empty store in its one transaction, then
# exported again.
nimport=${BENCH_IMPORT_PRODUCTS:-50000}
python3 - "$work/import.xml" "$nimport" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<catalog xmlns="urn:shopfile:catalog:1" version="1">\n'
            ' <categories>\n')
    for c in range(20):
        f.write(f'  <category slug="cat-{c}" position="{c}">\n'
                f'   <name>Category {c}</name>\n  </category>\n')
    f.write(' </categories>\n <products>\n')
    for i in range(n):
        f.write(f'  <product slug="product-{i}" category="cat-{i % 20}" '
                f'active="true" featured="false" '
                f'created="2025-01-06T09:00:00Z">\n'
                f'   <name>Product {i}</name>\n'
                f'   <description>The description of product {i}, a '
                f'sentence or two long, as shops write them.</description>\n')
        for v, size in enumerate(("S", "M", "L")):
            f.write(f'   <variant sku="P{i}-{size}" active="true" '
                    f'position="{v}">\n    <title>{size}</title>\n'
                    f'    <option name="Size">{size}</option>\n'
                    f'    <price currency="EUR">{10 + i % 90}.{v}0</price>\n'
                    f'    <stock>{(i + v) % 40}</stock>\n'
                    f'    <weight-grams>{200 + v * 10}</weight-grams>\n'
                    '   </variant>\n')
        f.write(f'   <image path="products/product-{i}.jpg" width="640" '
                f'height="640" position="0">\n'
                f'    <alt>Product {i}</alt>\n   </image>\n  </product>\n')
    f.write(' </products>\n</catalog>\n')
PY
idata=$work/import-data
mkdir -p "$idata"
SHOP_DATA_DIR=$idata "$BUILD/bin/shopctl" -q migrate
t0=$(date +%s.%N)
SHOP_DATA_DIR=$idata "$BUILD/bin/shopctl" -q import products "$work/import.xml" >/dev/null 2>"$work/import.log" ||
    { cat "$work/import.log" >&2; exit 1; }
t1=$(date +%s.%N)
SHOP_DATA_DIR=$idata "$BUILD/bin/shopctl" -q export products -o "$work/export.xml"
t2=$(date +%s.%N)
echo
awk -v n="$nimport" -v a="$t0" -v b="$t1" -v c="$t2" -v s="$(wc -c < "$work/import.xml")" 'BEGIN {
	printf "import %d products: %.1f s (%.0f products/s, %.0f MiB of XML)\n", n, b - a, n / (b - a), s / 1048576
	printf "export %d products: %.1f s\n", n, c - b
}'
fi
