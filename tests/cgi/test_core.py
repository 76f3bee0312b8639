"""The request loop every program runs (lib/app/app.c, lib/web/http.c): the
schema check and its 503, limits on bodies and headers, methods, the
security headers on every answer, JSON errors, request ids."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (cgi, contains, datadir, eq, lacks, run, shopctl, sql,
                      status, tempdir, test)

D = datadir(seed=True)
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def secure(r):
    for k, v in SECURITY.items():
        eq(r.header(k), v, k)
    csp = r.header("Content-Security-Policy")
    contains(csp, "script-src 'self'")
    contains(csp, "frame-ancestors 'none'")
    lacks(csp, "unsafe-inline")
    eq(len(r.header("X-Request-Id") or ""), 12, "X-Request-Id")


@test
def security_headers_on_every_answer():
    for path, want in (("/", 200), ("/nowhere", 404)):
        r = cgi("catalog", path, data_dir=D)
        status(r, want)
        secure(r)
    r = cgi("catalog", "/", method="POST", data_dir=D)
    status(r, 405)
    secure(r)


@test
def bad_no_databases_is_503_saying_what_to_do():
    empty = tempdir("shopempty-")
    r = cgi("catalog", "/", data_dir=empty)
    status(r, 503)
    secure(r)
    eq(r.header("Retry-After"), "5")
    contains(r.text, "run &quot;shopctl migrate&quot; to create the "
                     "databases")
    r = cgi("catalog", "/", data_dir=empty,
            headers={"Accept": "application/json"})
    status(r, 503)
    j = r.json()
    eq((j["ok"], j["status"]), (False, 503))
    contains(j["error"], 'run "shopctl migrate"')


@test
def bad_older_schema_is_503_until_migrated():
    d = datadir(seed=True)
    sql(d, "DELETE FROM schema_migrations WHERE version = 20")
    r = cgi("catalog", "/", data_dir=d)
    status(r, 503)
    contains(r.text, "the primary database schema is older than this "
                     "program (1 migration missing): run &quot;shopctl "
                     "migrate&quot;")
    # The migration's objects exist, so re-applying it fails cleanly and
    # says so; the record is what matters to the check.
    p = shopctl("migrate", data_dir=d, check=False)
    eq(p.returncode, 1)
    contains(p.stderr, "migration 0020_orders")
    sql(d, "INSERT INTO schema_migrations (version, name, checksum) "
           "VALUES (20, 'orders', 'x')")
    # A long-lived process looks again at most once a second.
    end = time.monotonic() + 5
    while (r := cgi("catalog", "/", data_dir=d)).status == 503 and \
            time.monotonic() < end:
        time.sleep(0.2)
    status(r, 200)
    # ... and check reports the altered checksum.
    p = shopctl("check", data_dir=d, check=False)
    eq(p.returncode, 1)
    contains(p.stdout, "primary: migration 0020_orders was changed after "
                       "it was applied")


@test
def bad_bodies():
    big = str(1024 * 1024 + 1)
    r = cgi("cart", "/cart/items", method="POST", data_dir=D,
            headers={"Content-Length": big}, body=b"")
    status(r, 413)
    contains(r.text, "The request body is larger than the 1048576 bytes "
                     "allowed.")
    for cl in ("-1", "12x", "1e3", " 5"):
        r = cgi("cart", "/cart/items", method="POST", data_dir=D,
                headers={"Content-Length": cl}, body=b"")
        status(r, 400)
        contains(r.text, "The Content-Length header is malformed.")
    r = cgi("cart", "/cart/items", method="POST", data_dir=D,
            headers={"Content-Length": "100"}, body=b"variant_id=1")
    status(r, 400)
    contains(r.text, "The request body ended early.")
    r = cgi("cart", "/cart/items", method="POST", data_dir=D,
            body=b"<x/>", content_type="application/xml")
    status(r, 415)
    r = cgi("cart", "/cart/items", method="POST", data_dir=D,
            body=b"a=" + b"x" * (64 * 1024), headers={
                "Accept": "application/json"})
    status(r, 413)
    eq(r.json()["error"], "The form is larger than the 65536 bytes allowed.")


@test
def bad_headers_and_methods():
    cookies = "; ".join(f"c{i}=v" for i in range(40))
    r = cgi("catalog", "/", data_dir=D, headers={"Cookie": cookies})
    status(r, 431)
    contains(r.text, "Too many or too large cookies were sent.")
    for m in ("DELETE", "PUT", "BREW"):
        r = cgi("catalog", "/products", method=m, data_dir=D)
        status(r, 405)
        eq(r.header("Allow"), "GET, HEAD")
    r = cgi("catalog", "/products", method="HEAD", data_dir=D)
    status(r, 200)
    eq(r.body, b"")
    r = cgi("catalog", "/x%", data_dir=D)
    status(r, 400)
    contains(r.text, "The address is malformed")
    r = cgi("catalog", "/" + "a" * 2000, data_dir=D)
    status(r, 414)


@test
def errors_are_logged_with_the_request_id():
    r = cgi("catalog", "/", data_dir=tempdir("shopempty-"))
    rid = r.header("X-Request-Id")
    line = [l for l in r.stderr.splitlines() if f"req={rid}" in l]
    eq(len(line), 1, f"one log line for the request: {r.stderr}")
    contains(line[0], "level=warn bin=catalog")
    contains(line[0], 'msg="GET /: 503 ')
    contains(line[0], 'run \\"shopctl migrate\\"')


run()
