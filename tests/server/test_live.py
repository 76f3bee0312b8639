"""GET /live/{channel} behind real lighttpd: a stream receives what is
published, resumes after Last-Event-ID (or ?since=), sends heartbeats,
ends after its maximum duration; garbage and future ids start at the
newest message; channels are authorized; streams beyond the pool are
refused with 503 at once while the server keeps serving."""

import os
import socket
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (Lighttpd, contains, datadir, eq, lacks, run,  # noqa: E402
                      shopctl, status, test)

LIVE_ENV = {
    "SHOP_LIVE_STREAMS": "4",
    "SHOP_LIVE_HEARTBEAT_SECONDS": "1",
    "SHOP_LIVE_MAX_SECONDS": "4",
    "SHOP_LIVE_POLL_MS": "50",
    "SHOP_INSECURE_FAST_PWHASH": "1",
}
TOKEN = "k" * 40

_server = {}


def server():
    """One lighttpd for the file, on one data directory."""
    if not _server:
        d = datadir()
        con = sqlite3.connect(os.path.join(d, "shop.db"))
        con.execute(
            "INSERT INTO orders (token, email, currency, subtotal, shipping,"
            " tax, total, tax_name, tax_rate_bp, tax_inclusive, "
            "shipping_code, shipping_name, ship_name, ship_line1, ship_city,"
            " ship_postcode, ship_country, reserved_until) VALUES (?, "
            "'a@example.test', 'EUR', 100, 0, 0, 100, 'VAT', 0, 1, 'std', "
            "'Standard', 'A', '1 Road', 'Paris', '75001', 'FR', 0)",
            (TOKEN,))
        con.commit()
        con.close()
        fast = {"SHOP_INSECURE_FAST_PWHASH": "1"}
        shopctl("user", "add", "--admin", "boss@example.test", "Boss",
                data_dir=d, env=fast, input="correct horse\n")
        shopctl("user", "add", "cus@example.test", "Cus", data_dir=d,
                env=fast, input="battery staple\n")
        _server["data"] = d
        _server["httpd"] = Lighttpd(d, env=LIVE_ENV).start()
    return _server["httpd"], _server["data"]


def publish(data, channel, event, payload):
    con = sqlite3.connect(os.path.join(data, "cable.db"), timeout=10)
    cur = con.execute("INSERT INTO messages (channel, event, data, "
                      "created_at) VALUES (?, ?, ?, 0)",
                      (channel, event, payload))
    con.commit()
    con.close()
    return cur.lastrowid


def last_id(data):
    con = sqlite3.connect(os.path.join(data, "cable.db"), timeout=10)
    row = con.execute("SELECT coalesce((SELECT seq FROM sqlite_sequence "
                      "WHERE name = 'messages'), 0)").fetchone()
    con.close()
    return row[0]


class Stream:
    """An event stream over HTTP/1.0 (no chunking): status, headers, and
    blocks of the event stream as lists of lines."""

    def __init__(self, port, path, headers=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        req = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n" \
              "Accept: text/event-stream\r\n"
        for k, v in (headers or {}).items():
            req += f"{k}: {v}\r\n"
        self.sock.sendall((req + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, _, v in
                        (line.partition(":") for line in lines[1:])}
        self.closed = False

    def block(self, timeout=5):
        """The next block (lines up to a blank line), or None at the end."""
        end = time.monotonic() + timeout
        while b"\n\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no event within {timeout}s: "
                                     f"{self.buf[:200]!r}")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                self.closed = True
                return None
            self.buf += chunk
        b, _, self.buf = self.buf.partition(b"\n\n")
        return b.decode("utf-8").split("\n")

    def event(self, timeout=5):
        """The next block that is not a heartbeat."""
        while True:
            b = self.block(timeout)
            if b is None or not b[0].startswith(":"):
                return b

    def close(self):
        self.sock.close()


def open_stream(port, path, headers=None, within=4):
    """A stream, waiting for a slot: a client that left holds its slot
    until the next heartbeat write finds it gone (1 s here)."""
    end = time.monotonic() + within
    while True:
        s = Stream(port, path, headers)
        if s.status != 503 or time.monotonic() > end:
            return s
        s.close()
        time.sleep(0.1)


def status_of(port, path, headers=None):
    s = Stream(port, path, headers)
    st = s.status
    s.close()
    return st


@test
def stream_receives_and_resumes():
    httpd, d = server()
    start = last_id(d)
    s = open_stream(httpd.port, "/live/product:5")
    eq(s.status, 200)
    eq(s.headers["content-type"], "text/event-stream; charset=utf-8")
    eq(s.headers["cache-control"], "no-store")
    eq(s.block(), ["retry: 3000", f"id: {start}"])
    publish(d, "product:6", "stock", '{"stock":1}')
    n1 = publish(d, "product:5", "stock", '{"stock":4,"label":"4 left"}')
    eq(s.event(), [f"id: {n1}", "event: stock",
                   'data: {"stock":4,"label":"4 left"}'])
    n2 = publish(d, "product:5", "message", '{\n"multi":\r\n"line"}')
    eq(s.event(), [f"id: {n2}", "data: {", 'data: "multi":',
                   'data: "line"}'])
    s.close()
    # Resume after the first: only the second comes again.
    s = open_stream(httpd.port, "/live/product:5",
                    {"Last-Event-ID": str(n1)})
    eq(s.block(), ["retry: 3000", f"id: {n1}"])
    eq(s.event()[0], f"id: {n2}")
    s.close()
    # ?since= from the page; Last-Event-ID wins over it.
    s = open_stream(httpd.port, f"/live/product:5?since={start}")
    eq(s.event()[0], "retry: 3000")
    eq(s.event()[0], f"id: {n1}")
    s.close()
    s = open_stream(httpd.port, f"/live/product:5?since={start}",
                    {"Last-Event-ID": str(n2)})
    eq(s.block(), ["retry: 3000", f"id: {n2}"])
    s.close()


@test
def heartbeats_then_the_stream_ends():
    httpd, d = server()
    s = open_stream(httpd.port, "/live/product:77")
    t0 = time.monotonic()
    first = s.block()
    beats = 0
    while True:
        b = s.block(timeout=8)
        if b is None:
            break
        eq(b[0], ": heartbeat")
        contains(b[1], "id: ")
        beats += 1
    took = time.monotonic() - t0
    if not 3 <= beats <= 5:
        raise AssertionError(f"{beats} heartbeats in a 4 s stream")
    if not 3.5 <= took <= 6:
        raise AssertionError(f"stream lasted {took:.1f}s, want about 4")
    eq(first[0], "retry: 3000")
    s.close()


@test
def garbage_and_future_ids_start_at_the_newest():
    httpd, d = server()
    publish(d, "product:8", "stock", '{"stock":2}')
    newest = last_id(d)
    for bad in ("abc", "-5", "1e3", "12345678901234567890", "", " ",
                "99999999"):
        s = open_stream(httpd.port, "/live/product:8",
                        {"Last-Event-ID": bad})
        eq(s.status, 200, f"Last-Event-ID {bad!r}")
        eq(s.block(), ["retry: 3000", f"id: {newest}"], repr(bad))
        s.close()
    s = open_stream(httpd.port, "/live/product:8?since=junk")
    eq(s.block(), ["retry: 3000", f"id: {newest}"])
    s.close()


@test
def channels_are_authorized():
    httpd, d = server()
    eq(status_of(httpd.port, "/live/bogus"), 404)
    eq(status_of(httpd.port, "/live/order:01"), 404)
    eq(status_of(httpd.port, "/live/product:"), 404)
    eq(status_of(httpd.port, "/live/"), 404)
    eq(status_of(httpd.port, "/live/order:1"), 403)
    eq(status_of(httpd.port, "/live/order:1?token=" + "x" * 40), 403)
    eq(status_of(httpd.port, "/live/order:2?token=" + TOKEN), 403)
    eq(status_of(httpd.port, "/live/admin"), 403)
    s = open_stream(httpd.port, "/live/order:1?token=" + TOKEN)
    eq(s.status, 200)
    eq(s.block()[0], "retry: 3000")
    n = publish(d, "order:1", "order", '{"state":"paid","label":"Paid"}')
    eq(s.event(), [f"id: {n}", "event: order",
                   'data: {"state":"paid","label":"Paid"}'])
    s.close()
    r = httpd.client().post("/live/product:1", body={"a": "b"})
    eq(r.status, 405)


def signed_in(httpd, email, password):
    c = httpd.client()
    status(c.post("/account/login", {"email": email, "password": password}),
           303)
    return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


@test
def admin_channel_needs_an_administrator():
    httpd, d = server()
    cus = signed_in(httpd, "cus@example.test", "battery staple")
    eq(status_of(httpd.port, "/live/admin", {"Cookie": cus}), 403)
    eq(status_of(httpd.port, "/live/admin", {"Cookie": "sid=forged"}), 403)
    boss = signed_in(httpd, "boss@example.test", "correct horse")
    s = open_stream(httpd.port, "/live/admin", {"Cookie": boss})
    eq(s.status, 200)
    eq(s.block()[0], "retry: 3000")
    n = publish(d, "admin", "order", '{"order":1,"state":"paid"}')
    eq(s.event(), [f"id: {n}", "event: order",
                   'data: {"order":1,"state":"paid"}'])
    s.close()


@test
def beyond_the_pool_503_and_the_server_keeps_serving():
    httpd, d = server()
    held = [open_stream(httpd.port, f"/live/product:{i}")
            for i in range(1, 5)]
    eq([s.status for s in held], [200] * 4)
    for s in held:
        s.block()
    # 150 more stream requests: each refused at once.
    t0 = time.monotonic()
    socks = []
    for i in range(150):
        c = socket.create_connection(("127.0.0.1", httpd.port), 10)
        c.sendall(f"GET /live/product:{i + 1} HTTP/1.0\r\n\r\n".encode())
        socks.append(c)
    statuses = []
    for c in socks:
        c.settimeout(10)
        data = b""
        while b"\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        statuses.append(int(data.split()[1]))
        c.close()
    eq(statuses, [503] * 150)
    if time.monotonic() - t0 > 10:
        raise AssertionError("refusals were slow")
    # The held streams still work.
    n = publish(d, "product:3", "stock", '{"stock":9}')
    eq(held[2].event()[0], f"id: {n}")
    r = httpd.client().get("/live/product:1",
                           headers={"Accept": "application/json"})
    eq(r.status, 503)
    eq(r.header("Retry-After"), "10")
    contains(r.text, "Too many live connections")
    # Clients that leave free their slots by the next heartbeat.
    held[0].close()
    held[1].close()
    t0 = time.monotonic()
    s = open_stream(httpd.port, "/live/product:3")
    eq(s.status, 200)
    if time.monotonic() - t0 > 2.5:
        raise AssertionError("a slot took more than a heartbeat to free")
    s.close()
    for s in held[2:]:
        s.close()
    again = [open_stream(httpd.port, f"/live/product:{i}")
             for i in range(1, 5)]
    eq([s.status for s in again], [200] * 4)
    for s in again:
        s.close()
    lacks(httpd.error_log(), "fatal")


run()
