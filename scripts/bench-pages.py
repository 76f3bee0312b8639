#!/usr/bin/env python3
"""make bench, the page cache's part (BENCH_PARTS=pages): under lighttpd
and then under Apache, each on a freshly seeded store, every catalog page
(home, the product list, a product, a category) three ways, one wrk run
each, in the same minutes on the same server:

  static    a static file of the same size as the page, served from
            media/ by the same server: the ceiling
  cached    the page as a visitor without a session gets it, from the
            page cache (lib/shop/pagecache.c), served by the server
  uncached  the same page through the catalog program (a query the
            cache does not know, ?nocache=1, sends it there)

printed as requests/s, p99 and the ratio to the static file of the same
size (the goal: cached >= 0.5). Then search, add to cart as a new
guest (a POST without a cookie: a session and a cart made each time)
and, under lighttpd with the test gateway, checkout of prepared carts
(each POST a new order and a gateway session), as requests/s and p99; and the resident size (RSS, KiB) of every
program before and after the runs, largest process of each.

usage: bench-pages.py BUILD SECONDS CONNECTIONS THREADS"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
os.environ["SHOP_BUILD"] = os.path.abspath(sys.argv[1])
import shoptest  # noqa: E402



def wrk(url, conns, secs, threads, script=None, headers=()):
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s", "--latency",
           "--timeout", "2s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"^Requests/sec:\s+(\S+)", out, re.M).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(m.group(1)) if m else 0


def rss(roots):
    """The largest resident size of each program of the server started
    as the processes roots (the server and what it spawned), KiB."""
    procs = shoptest.processes()
    mine, grew = set(roots), True
    while grew:
        grew = False
        for pid, ppid, _ in procs:
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    out = {}
    for pid, _, name in procs:
        if pid not in mine:
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                kib = int(re.search(r"^VmRSS:\s+(\d+)", f.read(),
                                    re.M).group(1))
        except (OSError, AttributeError):
            continue
        out[name] = max(out.get(name, 0), kib)
    return out


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read(), r.headers


CHECKOUT_LUA = """
-- One prepared cart per request, in turn across the threads: each is
-- its cookie, form key and total (filled in below).
local carts = {%s}
local next_cart = 0
local step = 1
function setup(thread)
	thread:set("first", next_cart)
	next_cart = next_cart + 1
end
function init(args)
	step = %d
	i = first
end
function request()
	i = i + step
	local c = carts[(i %% #carts) + 1]
	return wrk.format("POST", "/checkout", {
		["Cookie"] = c[1],
		["Content-Type"] = "application/x-www-form-urlencoded",
		["Sec-Fetch-Site"] = "same-origin",
		["Accept"] = "application/json",
	}, c[2])
end
"""

ADDRESS = ("email=ann%40example.test&name=Ann+Lee&line1=1+Rue+X&line2="
           "&city=Paris&postcode=75001&country=FR&shipping=standard")


def prepared_carts(base, vid, n):
    """n guests, each with one unit of vid in the cart and its checkout
    page read: (cookie, form body) each."""
    out = []
    for _ in range(n):
        c = shoptest.Client(int(base.rsplit(":", 1)[1]))
        c.post("/cart/items", {"variant_id": vid, "quantity": 1},
               headers={"Sec-Fetch-Site": "same-origin"})
        r = c.get("/checkout")
        key = re.search(r'name="checkout_key" value="([^"]*)"', r.text)
        total = re.search(r'name="total" value="([^"]*)"', r.text)
        if key is None or total is None:
            raise SystemExit("bench: the checkout page has no form")
        out.append(("; ".join(f"{k}={v}" for k, v in c.cookies.items()),
                    f"{ADDRESS}&checkout_key={key.group(1)}"
                    f"&total={total.group(1)}"))
    return out


def bench_checkout(kind, base, vid, secs, conns, threads):
    """Checkout of prepared carts with the test gateway: requests/s and
    p99 of POST /checkout, each a new order and a session at the
    gateway. Carts for about 500 orders/s are prepared first."""
    n = max(200, int(secs) * 500)
    carts = prepared_carts(base, vid, n)
    lua = CHECKOUT_LUA % (",".join("{%s,%s}" % (json.dumps(c), json.dumps(b))
                                   for c, b in carts), int(threads))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as s:
        s.write(lua)
    try:
        r, p99, bad = wrk(f"{base}/checkout", conns, secs, threads,
                          script=s.name)
    finally:
        os.unlink(s.name)
    print(f"{kind:<9} {'checkout':<9} {'prepared':<9} {r:>11.0f} "
          f"{p99:>9}" + (f"  ({bad} non-2xx: carts ran out or refused)"
                         if bad else ""), flush=True)


def bench_server(kind, build, secs, conns, threads):
    d = shoptest.datadir(seed=True)
    slug = shoptest.sql(d, "SELECT slug FROM products WHERE active "
                        "ORDER BY id LIMIT 1")[0][0]
    cat = shoptest.sql(d, "SELECT slug FROM categories ORDER BY id "
                       "LIMIT 1")[0][0]
    term = shoptest.sql(d, "SELECT lower(substr(name, 1, 3)) FROM products "
                        "WHERE active ORDER BY id LIMIT 1")[0][0]
    (vid,), = shoptest.sql(d, "SELECT id FROM variants WHERE active AND "
                           "stock > 1000 ORDER BY id LIMIT 1") or [(0,)]
    if not vid:
        (vid,), = shoptest.sql(d, "SELECT id FROM variants WHERE active "
                               "ORDER BY stock DESC LIMIT 1")
        shoptest.sql(d, "UPDATE variants SET stock = 1000000 WHERE id = ?",
                     (vid,))
    media = os.path.join(d, "media", "bench")
    os.makedirs(media, exist_ok=True)
    os.chmod(media, 0o755)
    gw = None
    if kind == "lighttpd":
        from gateway import Gateway
        port = shoptest.free_port()
        # The test gateway is built with the tests (make bench does).
        gw = Gateway(webhook_url=f"http://127.0.0.1:{port}/webhooks/"
                     "stripe", build=os.path.join(build, "test")).start()
        srv = shoptest.Lighttpd(d, build=build, port=port,
                                env=gw.shop_env())
    else:
        srv = shoptest.Apache(d, build=build)
    srv.start()
    base = f"http://127.0.0.1:{srv.port}"
    try:
        pages = (("home", "/"), ("list", "/products"),
                 ("product", f"/products/{slug}"),
                 ("category", f"/categories/{cat}"))
        for _, path in pages:
            get(base + path)
            get(base + path + "?nocache=1")
        # Every process serves some requests before the first figures.
        for _, path in pages:
            wrk(base + path + "?nocache=1", 8, 1, 1)
        roots = [p.pid for p in (srv.proc, getattr(srv, "fcgi", None))
                 if p is not None]
        before = rss(roots)
        for name, path in pages:
            body, h = get(base + path)
            if h.get("X-Page-Cache") != "hit":
                print(f"{kind:<9} {name:<9} not served from the page "
                      "cache", flush=True)
            f = os.path.join(media, f"{name}.html")
            with open(f, "wb") as out:
                out.write(b"x" * len(body))
            os.chmod(f, 0o644)
            static = wrk(f"{base}/media/bench/{name}.html", conns, secs,
                         threads)
            cached = wrk(base + path, conns, secs, threads)
            uncached = wrk(base + path + "?nocache=1", conns, secs, threads)
            for how, (r, p99, bad) in (("static", static),
                                       ("cached", cached),
                                       ("uncached", uncached)):
                print(f"{kind:<9} {name:<9} {how:<9} {r:>11.0f} {p99:>9} "
                      f"{r / static[0]:>6.2f}  {len(body):>6} B"
                      + (f"  ({bad} non-2xx)" if bad else ""), flush=True)
        r, p99, bad = wrk(f"{base}/search?q={term}", conns, secs, threads)
        print(f"{kind:<9} {'search':<9} {'':<9} {r:>11.0f} {p99:>9}"
              + (f"  ({bad} non-2xx)" if bad else ""), flush=True)
        with tempfile.NamedTemporaryFile("w", suffix=".lua",
                                         delete=False) as s:
            s.write('wrk.method = "POST"\n'
                    f'wrk.body = "variant_id={vid}&quantity=1"\n'
                    'wrk.headers["Content-Type"] = '
                    '"application/x-www-form-urlencoded"\n'
                    'wrk.headers["Sec-Fetch-Site"] = "same-origin"\n')
        try:
            r, p99, bad = wrk(f"{base}/cart/items", conns, secs, threads,
                              script=s.name)
        finally:
            os.unlink(s.name)
        print(f"{kind:<9} {'add-cart':<9} {'new guest':<9} {r:>11.0f} "
              f"{p99:>9}" + (f"  ({bad} non-2xx, 303 expected)"
                             if bad else ""), flush=True)
        if gw is not None:
            bench_checkout(kind, base, vid, secs, conns, threads)
        after = rss(roots)
        for prog in sorted(set(before) | set(after)):
            print(f"{kind:<9} rss {prog:<10} before {before.get(prog, 0):>7} "
                  f"KiB  after {after.get(prog, 0):>7} KiB", flush=True)
    finally:
        srv.stop()
        if gw is not None:
            gw.stop()


def main():
    build, secs, conns, threads = sys.argv[1:5]
    print(f"{'server':<9} {'page':<9} {'how':<9} {'requests/s':>11} "
          f"{'p99':>9} {'ratio':>6}  size")
    try:
        for kind in ("lighttpd", "apache"):
            bench_server(kind, build, secs, conns, threads)
    finally:
        for fn in reversed(shoptest._cleanup):
            fn()


if __name__ == "__main__":
    main()
