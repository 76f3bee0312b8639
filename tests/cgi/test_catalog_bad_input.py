#!/usr/bin/env python3
"""Bad input to the catalog, run as CGI: malformed percent-encoding, NUL
and non-UTF-8 bytes, over-long addresses and fields, too many fields,
absurd page numbers, unknown sort orders and slugs, and methods the
catalog does not take. Each gets a clear 4xx page (or JSON error), with
the security headers, never a crash and never a 500."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import cgi, contains, datadir, eq, lacks, run, status, test  # noqa: E402
from pagecheck import check_headers, check_page  # noqa: E402

D = datadir(seed=True)

PAGE_MSG = "The page number must be a whole number from 1 to 10000."
SORT_MSG = ("Unknown sort order: products can be sorted by name, price, "
            "price-desc or newest.")


def get(path, query="", accept=None, method="GET"):
    return cgi("catalog", path, query=query, method=method,
               headers={"Accept": accept} if accept else None, data_dir=D)


def refused(r, code, message):
    """A 4xx error page: status, headers, a well-formed page, the text."""
    status(r, code)
    check_headers(r)
    check_page(r)
    eq(r.header("Cache-Control"), "no-store")
    contains(r.text, f'<p class="error-status">Error {code}</p>')
    contains(r.text, message)


@test
def bad_percent_encoding():
    for query in ("page=%zz", "q=%E", "q=mug%", "sort=%G1"):
        refused(get("/search" if query[0] == "q" else "/products", query),
                400, "The query string is malformed")
    r = cgi("catalog", "/products/%zz", data_dir=D)
    refused(r, 400, "The address is malformed")


@test
def bad_nul():
    refused(get("/search", "q=mug%00tea"), 400,
            "The query string is malformed")
    refused(cgi("catalog", "/products/a%00b", data_dir=D), 400,
            "The address is malformed")


@test
def bad_utf8():
    refused(get("/search", "q=%ff"), 400, "The query string is malformed")
    refused(get("/search", "q=%C3%28"), 400, "The query string is malformed")
    refused(get("/search", "q=%ED%A0%80"), 400,
            "The query string is malformed")
    refused(cgi("catalog", "/products/%ff", data_dir=D), 400,
            "The address is malformed")


@test
def bad_lengths():
    refused(get("/search", "q=" + "a" * 5000), 414,
            "The address is too long.")
    refused(cgi("catalog", "/products/" + "a" * 1100, data_dir=D), 414,
            "The address is too long.")
    # A slug longer than any slug can be is simply not there.
    refused(get("/products/" + "a" * 81), 404, "There is nothing at this")
    refused(get("/search", "q=" + "x" * 300), 400,
            "The search is too long")


@test
def bad_too_many_fields():
    query = "&".join(f"f{i}=1" for i in range(65))
    refused(get("/products", query), 400, "The query string is malformed")
    # 64 fields are fine; unknown ones are ignored.
    query = "&".join(f"f{i}=1" for i in range(63)) + "&page=2"
    status(get("/products", query), 200)


@test
def bad_page_numbers():
    for page in ("0", "-1", "abc", "99999999999999999999", "1e3", "",
                 "+1", "%201", "0x10", "1.5", "10001", "%EF%BC%91",
                 "%3Cscript%3E"):
        r = get("/products", "page=" + page)
        refused(r, 400, PAGE_MSG)
        lacks(r.text, "<script>")
    r = get("/categories/mugs", "page=0", accept="application/json")
    status(r, 400)
    eq(r.json(), {"ok": False, "status": 400, "error": PAGE_MSG})
    refused(get("/search", "q=mug&page=-5"), 400, PAGE_MSG)
    # The highest page allowed is a number, but past the end: 404.
    refused(get("/products", "page=10000"), 404,
            "There is no page 10000 of products: there are only 6.")


@test
def bad_sort():
    for sort in ("bogus", "", "PRICE", "price%20", "price;DROP"):
        refused(get("/products", "sort=" + sort), 400, SORT_MSG)
    refused(get("/categories/mugs", "sort=rating"), 400, SORT_MSG)


@test
def bad_slugs():
    for path in ("/products/no-such-product", "/products/UPPER",
                 "/products/a_b", "/products/a/b", "/categories/nope",
                 "/categories/", "/product", "/index.php",
                 "/products/%C3%A9t%C3%A9"):
        r = get(path)
        refused(r, 404, "Not Found")
        contains(r.text, '<a href="/products">Browse all products</a>')
    r = get("/nope", accept="application/json")
    status(r, 404)
    eq(r.json()["ok"], False)
    eq(r.json()["status"], 404)


@test
def bad_method():
    for method, path in (("POST", "/products"), ("DELETE", "/products/x"),
                         ("PUT", "/"), ("PATCH", "/search"),
                         ("POST", "/sitemap.xml")):
        r = get(path, method=method)
        refused(r, 405, "This address was reached in a way it does not "
                "answer")
        eq(r.header("Allow"), "GET, HEAD")
    r = get("/products", method="BREW")
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD")


run()
