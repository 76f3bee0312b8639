#!/usr/bin/env python3
"""The catalog behind a real lighttpd on a free loopback port: pages over
HTTP through FastCGI, the stylesheet, favicon and product images served
statically with nosniff, JSON answers, the sitemap with the server's own
base URL, and the 404, 400 and 405 pages."""

import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (Lighttpd, contains, datadir, eq, lacks, run,  # noqa: E402
                      shopctl, status, tempdir, test)
from pagecheck import check_headers, check_page  # noqa: E402

D = datadir(seed=True)
server = Lighttpd(D).start()
client = server.client()


@test
def pages_over_http():
    for path, h1 in (("/", "<h1>Shopfile</h1>"),
                     ("/products?sort=price&page=2", "<h1>All products</h1>"),
                     ("/categories", "<h1>Categories</h1>"),
                     ("/categories/tea", "<h1>Tea</h1>"),
                     ("/products/earl-grey-creme",
                      "<h1>Earl Grey Crème</h1>"),
                     ("/search?q=cr%C3%A8me", "Search results for “crème”")):
        r = client.get(path)
        status(r, 200)
        check_headers(r)
        check_page(r)
        contains(r.text, h1, path)
        # What the page cache may keep is the same for everyone.
        eq(r.header("Cache-Control"), "private, max-age=0, must-revalidate"
           if path in ("/categories", "/search?q=cr%C3%A8me")
           else "public, max-age=1", path)
    r = client.get("/search?q=creme+brulee")
    contains(r.text, "<mark>Crème</mark> <mark>Brûlée</mark> Candle")


@test
def json_over_http():
    r = client.get("/products/earl-grey-creme",
                   headers={"Accept": "application/json"})
    status(r, 200)
    eq(r.header("Content-Type"), "application/json")
    p = r.json()["product"]
    eq(p["price"], {"amount": 900, "currency": "EUR",
                    "formatted": "€9.00"})
    eq([v["title"] for v in p["variants"]], ["50 g", "100 g", "250 g"])


@test
def static_files():
    r = client.get("/static/style.css")
    status(r, 200)
    eq(r.header("Content-Type"), "text/css; charset=utf-8")
    eq(r.header("X-Content-Type-Options"), "nosniff")
    contains(r.text, ":focus-visible")
    r = client.get("/static/favicon.svg")
    status(r, 200)
    eq(r.header("Content-Type"), "image/svg+xml")
    eq(r.header("X-Content-Type-Options"), "nosniff")
    r = client.get("/media/products/earl-grey-creme.svg")
    status(r, 200)
    eq(r.header("Content-Type"), "image/svg+xml")
    eq(r.header("X-Content-Type-Options"), "nosniff")
    root = ET.fromstring(r.body)
    eq(root.find("{http://www.w3.org/2000/svg}title").text,
       "Earl Grey Crème")
    status(client.get("/static/no-such.css"), 404)


@test
def sitemap_over_http():
    r = client.get("/sitemap.xml")
    status(r, 200)
    eq(r.header("Content-Type"), "application/xml; charset=utf-8")
    eq(r.header("Cache-Control"), "public, max-age=300")
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [u.find(ns + "loc").text
            for u in ET.fromstring(r.body).findall(ns + "url")]
    # Home, products, 8 categories, 64 products, the shop's 7 pages.
    eq(len(locs), 81)
    eq(locs[0], f"http://127.0.0.1:{server.port}/")
    contains(locs, f"http://127.0.0.1:{server.port}/products/earl-grey-creme")
    eq(locs[-1], f"http://127.0.0.1:{server.port}/pages/legal-notice")


@test
def errors_over_http():
    r = client.get("/no/such/page")
    status(r, 404)
    check_headers(r)
    check_page(r)
    contains(r.text, '<h1 id="error-title">Not Found</h1>')
    contains(r.text, '<label for="error-q">Search the shop</label>')
    contains(r.text, '<a href="/products">Browse all products</a>')
    r = client.get("/products?page=0")
    status(r, 400)
    check_page(r)
    contains(r.text, "The page number must be a whole number from 1 to "
                     "10000.")
    r = client.get("/products?page=99")
    status(r, 404)
    contains(r.text, '<a class="button" href="/products">Go to the first '
                     'page</a>')
    r = client.post("/products", body={"a": "b"})
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD")
    r = client.request("HEAD", "/products")
    status(r, 200)
    eq(r.body, b"")


@test
def server_log_is_clean():
    log = server.error_log()
    lacks(log, "level=error")
    lacks(log, "level=fatal")



@test
def unmigrated_store_is_503_then_comes_back_by_itself():
    d = tempdir("shopempty-")
    srv = Lighttpd(d).start()
    try:
        c = srv.client()
        end = time.monotonic() + 2.5
        n = 0
        while time.monotonic() < end:
            r = c.get("/")
            status(r, 503)
            eq(r.header("Retry-After"), "5")
            n += 1
            time.sleep(0.1)
        contains(r.text, "shopctl migrate")
        shopctl("migrate", data_dir=d)
        time.sleep(1.1)     # the programs look again once a second
        status(c.get("/"), 200)
        with open(os.path.join(srv.run_dir, "stderr.log"), "rb") as f:
            log = f.read().decode("utf-8", "replace")
        # Said once per process and reason, not once a second nor once
        # a thread: the 503s say it with their requests.
        pids = re.findall(r"pid=(\d+) msg=\"not ready: ", log)
        eq(len(pids) > 0 and len(pids) == len(set(pids)), True,
           f"'not ready' once per process:\n{log}")
        eq(log.count('msg="GET /: 503 '), n)
    finally:
        srv.stop()

run()
