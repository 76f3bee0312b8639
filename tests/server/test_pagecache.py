"""The page cache behind a real lighttpd (lib/shop/pagecache.c,
httpd-conf/pagecache.lua): anonymous catalog pages written as files once
rendered and then served by lighttpd itself, under the names the program
and the script agree on, with validators and the program's headers; a
purchase that takes the last unit shows the product sold out at once;
nothing of one shopper reaches another; and every way a request must
not get a cached page (a session cookie, JSON, another method, a query
the cache does not know, a page that does not exist)."""

import gzip
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
SOLD_OUT = "This product is sold out at the moment."
HIT = "hit"

_data = fx.datadir()
pf.pricing(_data)
# The <script> mug has its last unit for the purchase below.
shoptest.sql(_data, "UPDATE variants SET stock = 1 WHERE id = ?",
             (fx.SCRIPT_MUG,))
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe").start()
srv = shoptest.Lighttpd(_data, port=_port, env={
    **gw.shop_env(), "SHOP_MAIL_FROM": "shop@shop.example"}).start()
PAGES = os.path.join(_data, "pages")


def files():
    """Every page file, relative to the pages' directory."""
    out = []
    for top, _, names in os.walk(PAGES):
        for n in names:
            if not n.startswith("."):
                out.append(os.path.relpath(os.path.join(top, n), PAGES))
    return sorted(out)


def anon():
    return srv.client()


def twice(path, **kw):
    """The first answer (the program's) and the next one from the file:
    lighttpd learns of a new file by inotify, an instant later."""
    c = anon()
    first = c.get(path, **kw)
    end = time.monotonic() + 1
    while True:
        r = c.get(path, **kw)
        if r.header("X-Page-Cache") == HIT or time.monotonic() > end:
            return first, r
        time.sleep(0.01)


def browser():
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{_port}"}
    return c


def post(c, path, fields, headers=None):
    return c.post(path, fields, headers={**c.same, **(headers or {})})


def hidden(text, name):
    m = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">',
                  text)
    if m is None:
        raise AssertionError(f"no hidden {name} in the page")
    return m.group(1)


ADDRESS = {"email": "ann@example.test", "name": "Ann Lee",
           "line1": "1 Rue X", "line2": "", "city": "Paris",
           "postcode": "75001", "country": "FR", "shipping": "standard"}


@test
def pages_are_kept_and_served_by_lighttpd():
    for path, name in (("/", "index.html"),
                       ("/products", "products.html"),
                       ("/products?page=1", "products.p1.html"),
                       ("/products?sort=price", "products.price.html"),
                       ("/products?sort=price&page=1",
                        "products.price.p1.html"),
                       ("/products/wool-hat", "products/wool-hat.html"),
                       ("/categories/none-such", None)):
        first, second = twice(path)
        if name is None:
            status(first, 404)
            status(second, 404)
            eq(second.header("X-Page-Cache"), None, path)
            continue
        status(first, 200)
        status(second, 200)
        eq(first.header("X-Page-Cache"), None, path)
        eq(second.header("X-Page-Cache"), HIT, path)
        eq(second.body, first.body, path)
        contains(files(), name, path)
        contains(files(), name + ".gz", path)
        with open(os.path.join(PAGES, name), "rb") as f:
            eq(f.read(), first.body, path)


@test
def a_cached_page_has_the_program_s_headers_and_validators():
    first, r = twice("/products/linen-shirt")
    eq(r.header("X-Page-Cache"), HIT)
    for h in ("Content-Type", "Content-Security-Policy",
              "X-Content-Type-Options", "X-Frame-Options",
              "Referrer-Policy", "Cross-Origin-Opener-Policy",
              "Cache-Control"):
        eq(r.header(h), first.header(h), h)
    eq(r.header("Cache-Control"), "public, max-age=1")
    eq(r.header("Vary"), "Accept, Cookie, Accept-Encoding")
    etag, lm = r.header("ETag"), r.header("Last-Modified")
    if not etag or not lm:
        raise AssertionError(f"no validators: {r.headers}")
    c = anon()
    status(c.get("/products/linen-shirt", headers={"If-None-Match": etag}),
           304)
    status(c.get("/products/linen-shirt",
                 headers={"If-Modified-Since": lm}), 304)
    status(c.get("/products/linen-shirt",
                 headers={"If-None-Match": '"other"'}), 200)
    h = c.request("HEAD", "/products/linen-shirt")
    status(h, 200)
    eq(h.header("X-Page-Cache"), HIT)
    eq(h.body, b"")


@test
def gzip_variant_for_clients_that_take_it():
    first, r = twice("/products/linen-shirt",
                     headers={"Accept-Encoding": "gzip, br"})
    eq(r.header("Content-Encoding"), "gzip")
    eq(r.header("Content-Type"), "text/html; charset=utf-8")
    eq(gzip.decompress(r.body), anon().get("/products/linen-shirt").body)
    # A page not kept yet is the program's, never labelled gzip.
    c = anon()
    r = c.get("/categories/none-such", headers={"Accept-Encoding": "gzip"})
    status(r, 404)
    eq(r.header("Content-Encoding"), None)


@test
def bad_requests_that_never_get_a_cached_page():
    twice("/products/wool-hat")     # kept
    for kw in ({"headers": {"Cookie": "sid=" + "A" * 43}},
               {"headers": {"Cookie": "theme=dark; sid=x"}},
               {"headers": JSON}):
        r = anon().get("/products/wool-hat", **kw)
        eq(r.header("X-Page-Cache"), None, repr(kw))
    r = anon().get("/products/wool-hat", headers=JSON)
    eq(r.header("Content-Type"), "application/json")
    r = anon().request("POST", "/products/wool-hat")
    status(r, 405)
    eq(r.header("X-Page-Cache"), None)
    for path in ("/products/wool-hat?utm_source=x", "/products?page=01",
                 "/products?page=0", "/products?page=2&sort=price",
                 "/products?sort=NAME", "/products?x=1", "/products?page=",
                 "/products/wool-hat?page=1", "/categories",
                 "/search?q=hat", "/products?sort=price&page=1&x=1"):
        before = files()
        for _ in range(2):
            r = anon().get(path)
            eq(r.header("X-Page-Cache"), None, path)
        eq(files(), before, path)
    # The files are not reachable by their own address.
    status(anon().get("/_pages/products/wool-hat.html"), 404)
    status(anon().get("/_pages/index.html?/"), 404)


@test
def nothing_of_one_shopper_reaches_another():
    # A shopper with something in the cart, signed in.
    import adminfixture as af
    af.account(_data, "ann@shop.example", name="Ann Shopper")
    c = browser()
    c.cookies["sid"] = af.login(_data, "ann@shop.example").split("=", 1)[1]
    status(post(c, "/cart/items", {"variant_id": fx.HAT, "quantity": 2}),
           303)
    for path in ("/", "/products", "/products/wool-hat",
                 "/products?sort=price&page=1"):
        r = c.get(path)
        status(r, 200)
        contains(r.text, "Ann Shopper", path)
        eq(r.header("X-Page-Cache"), None, path)
        eq(r.header("Cache-Control"), "private, max-age=0, must-revalidate")
    for path in ("/", "/products", "/products/wool-hat",
                 "/products?sort=price&page=1"):
        for _ in range(2):
            r = anon().get(path)
            status(r, 200)
            lacks(r.text, "Ann Shopper", path)
            lacks(r.text, 'class="badge"', path)
            contains(r.text, ">Sign in</a>", path)
    for name in files():
        if name.endswith(".html"):
            with open(os.path.join(PAGES, name), encoding="utf-8") as f:
                page = f.read()
            lacks(page, "Ann Shopper", name)
            lacks(page, 'class="badge"', name)


@test
def a_purchase_of_the_last_unit_shows_sold_out_at_once():
    path = "/products/script-mug"
    first, r = twice(path)
    eq(r.header("X-Page-Cache"), HIT)
    lacks(r.text, SOLD_OUT)
    _, lst = twice("/products")
    eq(lst.header("X-Page-Cache"), HIT)
    c = browser()
    status(post(c, "/cart/items", {"variant_id": fx.SCRIPT_MUG,
                                   "quantity": 1}), 303)
    r = c.get("/checkout")
    status(r, 200)
    placed = post(c, "/checkout", {**ADDRESS,
                                   "checkout_key": hidden(r.text,
                                                          "checkout_key"),
                                   "total": hidden(r.text, "total")},
                  headers=JSON)
    status(placed, 201)
    t0 = time.monotonic()
    r = anon().get(path)
    status(r, 200)
    contains(r.text, SOLD_OUT)
    eq(r.header("X-Page-Cache"), None)
    if time.monotonic() - t0 > 1.0:
        raise AssertionError("the sold-out page took over a second")
    # The list's card says so too, and the new pages are kept again.
    r = anon().get("/products")
    eq(r.header("X-Page-Cache"), None)
    card = r.text[r.text.index("script-mug"):]
    contains(card[:2000], "Sold out")
    eq(anon().get(path).header("X-Page-Cache"), HIT)
    contains(anon().get(path).text, SOLD_OUT)


@test
def cache_clear_removes_every_page():
    twice("/")
    twice("/products/linen-shirt")
    if not files():
        raise AssertionError("no page kept")
    out = shoptest.shopctl("cache", "clear", data_dir=_data)
    contains(out.stdout, "cache cleared: ")
    eq(files(), [])
    eq(anon().get("/").header("X-Page-Cache"), None)
    r = shoptest.shopctl("cache", "flush", data_dir=_data, check=False)
    eq(r.returncode, 2)
    contains(r.stderr, "usage: shopctl cache clear")


@test
def apache_serves_the_same_pages():
    d = fx.datadir()
    ap = shoptest.Apache(d).start()
    try:
        c = ap.client()
        for path, name in (("/", "index.html"),
                           ("/products?sort=price&page=1",
                            "products.price.p1.html"),
                           ("/products/wool-hat", "products/wool-hat.html"),
                           ("/categories/none-such", None)):
            first, second = c.get(path), c.get(path)
            eq(first.header("X-Page-Cache"), None, path)
            if name is None:
                status(second, 404)
                eq(second.header("X-Page-Cache"), None, path)
                continue
            eq(second.header("X-Page-Cache"), HIT, path)
            eq(second.body, first.body, path)
            eq(second.header("Cache-Control"), "public, max-age=1")
            eq(second.header("Content-Security-Policy"),
               first.header("Content-Security-Policy"))
            etag = second.header("ETag")
            status(c.get(path, headers={"If-None-Match": etag}), 304)
            r = c.get(path, headers={"Accept-Encoding": "gzip"})
            eq(r.header("Content-Encoding"), "gzip", path)
            eq(r.header("Content-Type"), "text/html; charset=utf-8")
            eq(gzip.decompress(r.body), first.body, path)
        for kw in ({"headers": {"Cookie": "sid=" + "A" * 43}},
                   {"headers": JSON}):
            eq(c.get("/products/wool-hat", **kw).header("X-Page-Cache"),
               None, repr(kw))
        for path in ("/products/wool-hat?x=1", "/products?page=01",
                     "/products?sort=price&", "/categories"):
            c.get(path)
            eq(c.get(path).header("X-Page-Cache"), None, path)
        status(c.get("/_pages/index.html"), 404)
        lacks(ap.error_log(), "AH00124")
    finally:
        ap.stop()


@test
def server_log_is_clean():
    lacks(srv.error_log(), "(mod_magnet")
    lacks(srv.error_log(), "level=error")


shoptest.run()
