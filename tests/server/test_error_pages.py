"""The answers the web servers make by themselves are the shop's pages:
a body over the limit (413), a request they cannot read (400), a
program that is down (503 or 500), under lighttpd and under Apache, each
the styled page make renders from the templates (build/errors/, shopctl
error-pages) with the security headers every page has. The programs'
own error pages pass untouched."""

import http.client
import os
import shutil
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import BUILD, contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
MAX_BODY = int(shoptest.limits()["MAX_BODY"])


def page(code):
    with open(os.path.join(BUILD, "errors", f"{code}.html"), "rb") as f:
        return f.read()


def styled(r, code):
    """r is the shop's own page for code, with every security header."""
    status(r, code)
    eq(r.body, page(code))
    eq(r.header("Content-Type"), "text/html; charset=utf-8")
    eq(r.header("Content-Security-Policy"), CSP)
    eq(r.header("X-Content-Type-Options"), "nosniff")
    eq(r.header("X-Frame-Options"), "DENY")
    eq(r.header("Referrer-Policy"), "same-origin")
    eq(r.header("Cache-Control"), "no-store")


def raw(port, data):
    """Send bytes as they are; the status line and whole answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
        r = http.client.HTTPResponse(s)
        r.begin()
        return shoptest.Response(r.status, r.getheaders(), r.read())
    finally:
        s.close()


def copied_build():
    """A copy of the programs, so one can be taken down."""
    d = shoptest.tempdir("errbuild-")
    for sub in ("cgi-bin", "bin", "errors"):
        shutil.copytree(os.path.join(BUILD, sub), os.path.join(d, sub))
    return d


def down(path):
    """The program at path can no longer be started."""
    os.chmod(path, 0o644)


@test
def the_pages_are_the_shops():
    for code in (400, 403, 404, 413, 500, 502, 503, 504):
        text = page(code).decode()
        contains(text, '<link rel="stylesheet" href="/static/style.css">')
        contains(text, '<a class="brand" href="/">Shopfile</a>')
        contains(text, f'<p class="error-status">Error {code}</p>')
    contains(page(413).decode(), "What was sent is too large, so it was "
             "not read.")
    contains(page(503).decode(), "If you were placing an order, your cart "
             "shows it once we are back, ready to pay.")


@test
def lighttpd_own_answers():
    b = copied_build()
    srv = shoptest.Lighttpd(fx.datadir(), build=b).start()
    c = srv.client()
    try:
        styled(c.post("/cart/items", "a=" + "x" * (MAX_BODY + 10)), 413)
        styled(raw(srv.port, b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n"), 400)
        styled(c.get("/static/no-such.css"), 404)
        # The programs' own pages are theirs.
        r = c.get("/no/such/page")
        status(r, 404)
        eq(r.header("X-Request-Id") is not None, True)
        contains(r.text, '<h2>Looking for something?</h2>')
        status(c.get("/checkout"), 200)
        # The checkout program goes down: the shop's 503 page.
        down(os.path.join(b, "cgi-bin", "checkout"))
        for pid, name in srv.children():
            if name == "checkout":
                os.kill(pid, signal.SIGKILL)
        # (A request that meets a process as it dies is a 500.)
        for path in ("/checkout", "/orders/" + "A" * 32, "/checkout"):
            r = c.get(path)
            styled(r, r.status if r.status in (500, 503) else 503)
        eq(r.status, 503)
        status(c.get("/cart"), 200)
    finally:
        srv.stop()


@test
def apache_own_answers():
    port = shoptest.free_port()
    srv = shoptest.Apache(fx.datadir(), port=port).start()
    c = srv.client()
    try:
        styled(c.post("/cart/items", "a=" + "x" * (MAX_BODY + 10)), 413)
        styled(c.get("/static/no-such.css"), 404)
        r = c.get("/no/such/page")
        status(r, 404)
        eq(r.header("X-Request-Id") is not None, True)
        contains(r.text, '<h2>Looking for something?</h2>')
        # The programs are down: shop-fcgi, which keeps them, stopped.
        srv.fcgi.terminate()
        srv.fcgi.wait(15)
        r = c.get("/checkout")
        styled(r, r.status if r.status in (500, 503) else 503)
        status(c.get("/static/style.css"), 200)
    finally:
        srv.stop()


shoptest.run()
