"""The live program run as CGI: bad channels, refused channels and a short
stream with its exact bytes. These also run under valgrind and ASan."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import cgi, contains, datadir, eq, run, status, test  # noqa: E402

SHORT = {"SHOP_LIVE_MAX_SECONDS": "1", "SHOP_LIVE_POLL_MS": "50",
         "SHOP_LIVE_HEARTBEAT_SECONDS": "300"}

_dir = []


def data():
    if not _dir:
        d = datadir()
        con = sqlite3.connect(os.path.join(d, "cable.db"))
        con.execute("INSERT INTO messages (channel, event, data, created_at)"
                    " VALUES ('product:3', 'stock', '{\"stock\":1}', 0)")
        con.execute("INSERT INTO messages (channel, event, data, created_at)"
                    " VALUES ('product:4', 'message', '{\"x\":2}', 0)")
        con.commit()
        con.close()
        _dir.append(d)
    return _dir[0]


@test
def bad_channels():
    d = data()
    for path in ("/live/nothing", "/live/order:", "/live/product:0",
                 "/live/product:1x", "/live/admin:1",
                 "/live/product:1234567890123456789"):
        r = cgi("live", path, data_dir=d, env=SHORT)
        status(r, 404)
        contains(r.text, "There is no such live channel.")
    status(cgi("live", "/live/a/b", data_dir=d, env=SHORT), 404)
    status(cgi("live", "/live/product:1", method="POST", data_dir=d,
               env=SHORT), 405)


@test
def refused_channels():
    d = data()
    r = cgi("live", "/live/admin", data_dir=d, env=SHORT,
            headers={"Accept": "application/json"})
    status(r, 403)
    eq(r.json()["error"], "The back office channel is for the shop's "
       "staff, signed in.")
    r = cgi("live", "/live/order:1", query="token=" + "a" * 40, data_dir=d,
            env=SHORT)
    status(r, 403)
    contains(r.text, "This order&#39;s updates need the link")


@test
def short_stream_exact_bytes():
    d = data()
    r = cgi("live", "/live/product:3", query="since=0", data_dir=d, env=SHORT)
    status(r, 200)
    eq(r.header("Content-Type"), "text/event-stream; charset=utf-8")
    eq(r.header("Content-Length"), None)
    eq(r.body, b"retry: 3000\nid: 0\n\n"
       b"id: 1\nevent: stock\ndata: {\"stock\":1}\n\n")
    r = cgi("live", "/live/product:4", data_dir=d, env=SHORT,
            headers={"Last-Event-ID": "zzz"})
    eq(r.body, b"retry: 3000\nid: 2\n\n")
    r = cgi("live", "/live/product:4", data_dir=d, env=SHORT,
            headers={"Last-Event-ID": "1"})
    eq(r.body, b"retry: 3000\nid: 1\n\nid: 2\ndata: {\"x\":2}\n\n")


run()
