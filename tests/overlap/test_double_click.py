"""Many clicks on "Place order" (a double click, a shaky hand, tabs
restored together): every POST /checkout of one form, whichever of two
generations serves it, answers with the same order and the same payment
URL, exactly one of them 201, and the gateway holds one session for that
order, so the customer can pay only once.

Two lighttpd instances (this build and a copy of it from another
directory) share one data directory; the clicks are spread over the
first one's slowed call to the gateway, while its session exists at the
gateway but not yet in the order. (A request whose copy of the order
went stale while it queued for the write lock once began a second
session; that race needs a loaded machine to show here, and is pinned
by tests/unit/test_order.c's attempt_from_stale_order and the overlap
test.)
"""

import collections
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (BUILD, Lighttpd, datadir, eq, run, sql,  # noqa: E402
                      tempdir, test)
from gateway import Gateway  # noqa: E402
from shopper import JSON, Browser, body_json, checkout_form, session_of  # noqa: E402

ORDERS = 12         # forms, each posted TABS times
TABS = 16
STAGGER = 0.004     # seconds between two clicks: they span the first
                    # one's call to the gateway (slow_ms below)


@test
def one_session_however_many_clicks():
    gw = Gateway(faults="slow_ms=30").start()
    data = datadir(seed=True)
    old = tempdir("dblclick-old-")
    for sub in ("cgi-bin", "bin"):
        shutil.copytree(os.path.join(BUILD, sub), os.path.join(old, sub))
    a = Lighttpd(data, build=old, env=gw.shop_env()).start()
    b = Lighttpd(data, build=BUILD, env=gw.shop_env(),
                 base_url=a.base_url).start()
    vid = sql(data, "SELECT v.id FROM variants v JOIN products p ON "
              "p.id = v.product_id WHERE v.active AND p.active ORDER BY "
              "v.id LIMIT 1")[0][0]
    sql(data, "UPDATE variants SET stock = 1000 WHERE id = ?", (vid,))

    for n in range(ORDERS):
        first = Browser(a.port)
        r = first.post("/cart/items", {"variant_id": vid, "quantity": 1},
                       headers=JSON)
        eq(r.status, 200, "add to cart")
        form = checkout_form(first.get("/checkout", headers=JSON).json())
        tabs = [first.twin().to((a, b)[i % 2].port) for i in range(TABS)]
        go = threading.Barrier(TABS)
        answers = [None] * TABS

        def click(i):
            go.wait()
            time.sleep(i * STAGGER)
            try:
                answers[i] = tabs[i].post("/checkout", form, headers=JSON,
                                          timeout=60)
            except Exception as e:
                answers[i] = e

        ts = [threading.Thread(target=click, args=(i,)) for i in range(TABS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        got = collections.Counter()
        for x in answers:
            if isinstance(x, Exception):
                raise AssertionError(f"order {n}: a click got no answer: {x}")
            eq(x.status in (200, 201), True,
               f"order {n}: {x.status} {x.body[:300]!r}")
            j = body_json(x)
            got[(j["order"]["id"], session_of(j["payment_url"]))] += 1
        eq(len(got), 1, f"order {n}: (order, session) answered: {dict(got)}")
        eq(sorted(x.status for x in answers), [200] * (TABS - 1) + [201],
           f"order {n}: statuses")
        oid = next(iter(got))[0]
        sessions = [s for s in gw.api("GET", "/v1/checkout/sessions",
                                      {"limit": 100})["data"]
                    if s["metadata"].get("order_id") == str(oid)]
        eq([s["id"] for s in sessions], [next(iter(got))[1]],
           f"order {n}: sessions at the gateway")
    eq(sql(data, "SELECT count(*) FROM orders"), [(ORDERS,)], "orders")


if __name__ == "__main__":
    run()
