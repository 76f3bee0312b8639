"""Cached fragments of catalog pages (cache.db): a second view is served
from the cache, any change to what a page shows makes it anew, the parts
that belong to the visitor are never cached, and a missing cache only
means no caching."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import cgi, contains, datadir, eq, lacks, run, sql, status, test

D = datadir(seed=True)


def get(path, data_dir=D, **kw):
    r = cgi("catalog", path, data_dir=data_dir, **kw)
    status(r, 200)
    return r


def product():
    return sql(D, "SELECT p.id, p.slug, v.id FROM products p JOIN variants v "
                  "ON v.product_id = p.id WHERE p.active AND v.active "
                  "AND v.stock > 10 ORDER BY p.id LIMIT 1")[0]


@test
def product_page_hit_after_miss():
    pid, slug, vid = product()
    first = get(f"/products/{slug}")
    eq(first.header("X-Cache"), "miss")
    second = get(f"/products/{slug}")
    eq(second.header("X-Cache"), "hit")
    eq(second.body, first.body)
    keys = [k for k, in sql(D, "SELECT key FROM entries WHERE key LIKE ?"
                             " ORDER BY key", (f"frag:product:{pid}:%",),
                             db="cache.db")]
    # The body and its part of <head> (meta tags), under one version.
    eq(len(keys), 2, keys)
    eq(keys[1], keys[0] + ":head")


@test
def a_change_makes_the_page_anew():
    pid, slug, vid = product()
    get(f"/products/{slug}")
    eq(get(f"/products/{slug}").header("X-Cache"), "hit")
    sql(D, "UPDATE variants SET price = 123456 WHERE id = ?", (vid,))
    r = get(f"/products/{slug}")
    eq(r.header("X-Cache"), "miss")
    contains(r.text, "€1,234.56")
    # A stock change shows on the next view, too.
    sql(D, "UPDATE variants SET stock = 2 WHERE id = ?", (vid,))
    r = get(f"/products/{slug}")
    eq(r.header("X-Cache"), "miss")
    contains(r.text, f'data-live-field="v{vid}">Only 2 left</span>')


@test
def home_and_lists_follow_the_catalog():
    get("/")
    eq(get("/").header("X-Cache"), "hit")
    eq(get("/products", query="sort=price&page=2").header("X-Cache"), "miss")
    eq(get("/products", query="sort=price&page=2").header("X-Cache"), "hit")
    sql(D, "UPDATE products SET name = 'Renamed Thing' WHERE id = "
           "(SELECT min(id) FROM products WHERE featured AND active)")
    r = get("/")
    eq(r.header("X-Cache"), "miss")
    contains(r.text, "Renamed Thing")
    eq(get("/products", query="sort=price&page=2").header("X-Cache"), "miss")


@test
def search_results_are_kept_per_query_and_page():
    first = get("/search", query="q=mug")
    eq(first.header("X-Cache"), "miss")
    second = get("/search", query="q=mug")
    eq(second.header("X-Cache"), "hit")
    eq(second.body, first.body)
    contains(second.text, "<mark>")
    # The same words around spaces are the same query; another query is
    # its own entry.
    eq(get("/search", query="q=+mug+").header("X-Cache"), "hit")
    eq(get("/search", query="q=mugs").header("X-Cache"), "miss")
    (version,), = sql(D, "SELECT version FROM catalog_state")
    keys = [k for k, in sql(D, "SELECT key FROM entries WHERE key LIKE "
                               "'frag:search:%' ORDER BY key", db="cache.db")]
    eq(f"frag:search:1:mug:{version}" in keys, True, keys)


@test
def search_results_are_dropped_when_the_catalog_changes():
    get("/search", query="q=mug")
    eq(get("/search", query="q=mug").header("X-Cache"), "hit")
    (pid,), = sql(D, "SELECT rowid FROM product_search WHERE product_search "
                     "MATCH 'mug' ORDER BY rowid LIMIT 1")
    sql(D, "UPDATE products SET name = 'Zebra Mug Renamed' WHERE id = ?",
        (pid,))
    r = get("/search", query="q=mug")
    eq(r.header("X-Cache"), "miss")
    contains(r.text, "Zebra")
    eq(get("/search", query="q=mug").header("X-Cache"), "hit")
    # A stock change is a catalog change too: no stale stock in results.
    sql(D, "UPDATE variants SET stock = 0 WHERE product_id = ?", (pid,))
    eq(get("/search", query="q=mug").header("X-Cache"), "miss")


@test
def bad_searches_are_not_kept():
    for q in ("q=" + "x" * 300, "q=a%01b", "q=mug&page=0"):
        r = cgi("catalog", "/search", query=q, data_dir=D)
        status(r, 400)
        eq(r.header("X-Cache"), None, q)
    r = get("/search", query="q=mug", headers={"Accept": "application/json"})
    eq(r.header("X-Cache"), None)
    eq(r.header("Content-Type"), "application/json")


@test
def the_visitor_is_never_cached():
    pid, slug, vid = product()
    get(f"/products/{slug}")
    # Whoever sees the cached fragment gets their own header: a visitor
    # with a cart sees its count, one without sees none.
    sid = "a" * 43
    r = get(f"/products/{slug}", headers={"Cookie": f"sid={sid}"})
    eq(r.header("X-Cache"), "hit")
    lacks(r.text, 'class="badge"')
    rows = sql(D, "SELECT value FROM entries WHERE key LIKE 'frag:%'",
               db="cache.db")
    for (html,) in rows:
        text = html.decode() if isinstance(html, bytes) else html
        lacks(text, "Sign in")
        lacks(text, "skip-link")


@test
def json_is_never_from_the_cache():
    pid, slug, vid = product()
    get(f"/products/{slug}")
    r = get(f"/products/{slug}", headers={"Accept": "application/json"})
    eq(r.header("X-Cache"), None)
    eq(r.json()["product"]["slug"], slug)


@test
def bad_missing_cache_is_made_again():
    d = datadir(seed=True)
    os.remove(os.path.join(d, "cache.db"))
    pid, slug, vid = product()
    # cache.db holds nothing that must be kept: a program makes it anew.
    r = get(f"/products/{slug}", data_dir=d)
    eq(r.header("X-Cache"), "miss")
    contains(r.text, "<h1>")
    eq(os.path.exists(os.path.join(d, "cache.db")), True)
    eq(get(f"/products/{slug}", data_dir=d).header("X-Cache"), "hit")


@test
def bad_cache_that_cannot_be_made_is_a_miss():
    d = datadir(seed=True)
    os.remove(os.path.join(d, "cache.db"))
    os.mkdir(os.path.join(d, "cache.db"))
    pid, slug, vid = product()
    r = get(f"/products/{slug}", data_dir=d)
    eq(r.header("X-Cache"), None)
    contains(r.text, "<h1>")
    r = get("/", data_dir=d)
    eq(r.header("X-Cache"), None)


run()
