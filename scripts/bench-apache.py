#!/usr/bin/env python3
"""make bench, Apache's part: the product page under Apache 2.4 and
mod_proxy_fcgi (httpd-conf/apache.conf.in, the programs kept by
shop-fcgi) at 32 and 128 concurrent clients, printed as the lines of
scripts/bench.sh's concurrency table (server, clients, requests/s, p99,
timeouts). As root the servers run as www-data, as tests/lib/shoptest.py
runs them.

usage: bench-apache.py BUILD SECONDS THREADS"""

import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
os.environ["SHOP_BUILD"] = os.path.abspath(sys.argv[1])
import shoptest  # noqa: E402


def wrk(url, conns, secs, threads):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s",
                          "--latency", "--timeout", "2s", url],
                         capture_output=True, text=True, check=True).stdout
    rps = re.search(r"^Requests/sec:\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    m = re.search(r"timeout (\d+)", out)
    return rps, p99, m.group(1) if m else "0"


def main():
    build, secs, threads = sys.argv[1], sys.argv[2], sys.argv[3]
    d = shoptest.datadir(seed=True)
    slug = shoptest.sql(d, "SELECT slug FROM products WHERE active "
                        "ORDER BY id LIMIT 1")[0][0]
    srv = shoptest.Apache(d, build=build).start()
    try:
        url = f"http://127.0.0.1:{srv.port}/products/{slug}"
        # Every process serves some requests before the measurement.
        wrk(url, 8, 2, 1)
        for conns in (32, 128):
            rps, p99, timeouts = wrk(url, conns, secs, threads)
            print(f"{'apache':<10} {conns:>8} {rps:>12} {p99:>10} "
                  f"{timeouts:>9}  /products/{slug}", flush=True)
    finally:
        srv.stop()
        for fn in reversed(shoptest._cleanup):
            fn()


if __name__ == "__main__":
    main()
