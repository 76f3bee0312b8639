"""The success page (GET /checkout/success?session_id=...) answers only
the browser that placed the order (its session, or the signed-in customer
it belongs to): it asks the gateway about the payment and shows the
order page. To anyone else a session id is as unknown as one never made:
the same 404, no order token, and no call to the gateway. The calls it
does make are bounded: one at a time per order and not again for a
moment after its answer, a few a minute per session, so many requests
at once with a slow gateway hold one program for one order, and the
order pages stay quick."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
import signups  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
UNKNOWN = ("We cannot show this payment here. If you have paid, your "
           "order is safe, and its confirmation email is on its way.")
PER_SESSION = 20        # SETTLE_SUCCESS_PER_SESSION (lib/shop/settle.h)
GAP = 2                 # SETTLE_SUCCESS_GAP
SLOW_MS = 2500

_data = fx.datadir()
pf.pricing(_data)
gw = Gateway(env={"SHOP_LOG_LEVEL": "debug"}).start()
srv = shoptest.Lighttpd(_data, env={**gw.shop_env(),
                                    "SHOP_INSECURE_FAST_PWHASH": "1"}).start()


def browser():
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{srv.port}"}
    return c


def post(c, path, fields, headers=None):
    return c.post(path, fields, headers={**c.same, **(headers or {})})


def placed(c=None):
    """A browser that placed an order, the order, its Checkout Session."""
    c = c or browser()
    status(post(c, "/cart/items", {"variant_id": fx.HAT, "quantity": 1}),
           303)
    p = c.get("/checkout", headers=JSON).json()
    r = post(c, "/checkout", {
        "email": "ann@example.test", "name": "Ann", "line1": "1 Rue X",
        "city": "Paris", "postcode": "75001", "country": "FR",
        "shipping": "standard", "checkout_key": p["checkout_key"]["value"],
        "total": p["total"]["value"]}, headers=JSON)
    status(r, 201)
    return c, r.json()["order"], r.json()["payment_url"].rsplit("/", 1)[1]


def success(c, sid, headers=None):
    return c.get(f"/checkout/success?session_id={sid}", headers=headers)


def asked(sid):
    return gw.api_calls("GET", f"/v1/checkout/sessions/{sid}")


def strangers():
    """Browsers that are not the one that placed it: no cookie, a guest
    with a cart of its own, a signed-in customer."""
    anon = srv.client()
    guest = browser()
    status(post(guest, "/cart/items", {"variant_id": fx.HAT,
                                       "quantity": 1}), 303)
    cust = browser()
    signed_up(cust, {"name": "Eve", "password":
                                          "correct horse", "email":
                                          f"eve{time.monotonic_ns()}"
                                          "@example.test"})
    return [anon, guest, cust]



def signed_up(c, fields):
    """Sign up in browser c and finish it by the link of its mail, as its
    owner would: c is then signed in."""
    status(post(c, "/account/signup", fields), 303)
    status(signups.confirm_client(c, _data, fields["email"]), 303)

@test
def the_browser_that_paid_sees_its_order():
    c, o, sid = placed()
    gw.pay(sid)
    r = success(c, sid)
    status(r, 303)
    eq(r.header("Location"), f"/orders/{o['token']}")
    eq(r.header("Cache-Control"), "no-store")
    eq(asked(sid), 1)
    eq(shoptest.sql(_data, "SELECT state FROM orders WHERE id = ?",
                    (o["id"],)), [("paid",)])
    # Paid now: shown without asking the gateway again.
    status(success(c, sid), 303)
    r = success(c, sid, headers=JSON)
    status(r, 200)
    eq((r.json()["order"]["token"], r.json()["order"]["state"]),
       (o["token"], "paid"))
    eq(asked(sid), 1)


@test
def bad_another_browser_gets_what_an_unknown_id_gets():
    c, o, sid = placed()
    gw.pay(sid)
    unknown = "cs_test_" + "x" * 40
    for who in strangers():
        want = success(who, unknown)
        status(want, 404)
        r = success(who, sid)
        status(r, 404)
        eq(r.body, want.body)
        eq(r.header("Location"), None)
        contains(r.text, UNKNOWN)
        lacks(r.text, o["token"])
        lacks(r.text, o["number"])
        want = success(who, unknown, headers=JSON)
        r = success(who, sid, headers=JSON)
        status(r, 404)
        eq(r.json(), want.json())
        eq(r.json(), {"ok": False, "status": 404, "error": UNKNOWN})
    # Nothing was asked of the gateway, and nothing settled.
    eq(asked(sid), 0)
    eq(asked(unknown), 0)
    eq(shoptest.sql(_data, "SELECT state FROM orders WHERE id = ?",
                    (o["id"],)), [("pending_payment",)])
    status(success(c, sid), 303)
    eq(asked(sid), 1)


@test
def the_customer_signed_in_elsewhere_sees_it():
    c = browser()
    signed_up(c, {"name": "Ann", "password":
                                       "correct horse", "email":
                                       "ann.success@example.test"})
    c, o, sid = placed(c)
    other = browser()
    status(post(other, "/account/login", {"email": "ann.success@example.test",
                                          "password": "correct horse"}), 303)
    r = success(other, sid)
    status(r, 303)
    eq(r.header("Location"), f"/orders/{o['token']}")


@test
def bad_an_order_of_no_session_is_shown_to_no_one():
    # Placed by a program older than migration 0080, or by a session that
    # has ended since: nobody can be known to own it, so nobody is shown
    # it here (the webhook settles it), not even the browser that paid.
    c, o, sid = placed()
    shoptest.sql(_data, "UPDATE orders SET placed_by_session = NULL WHERE "
                 "id = ?", (o["id"],))
    r = success(c, sid, headers=JSON)
    status(r, 404)
    eq(r.json()["error"], UNKNOWN)
    eq(asked(sid), 0)


def at_once(n, fn):
    """fn(i) in n threads started together: [(answer, seconds)]."""
    go = threading.Barrier(n)
    out = [None] * n

    def run(i):
        go.wait()
        t0 = time.monotonic()
        try:
            r = fn(i)
        except Exception as e:          # noqa: BLE001
            r = e
        out[i] = (r, time.monotonic() - t0)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    for r, _ in out:
        if isinstance(r, Exception):
            raise r
    return out


def order_page_quick(token):
    t0 = time.monotonic()
    status(srv.client().get(f"/orders/{token}"), 200)
    took = time.monotonic() - t0
    if took > 1.0:
        raise AssertionError(f"an order page took {took:.1f}s")


@test
def bad_many_at_once_with_a_slow_gateway():
    c, o, sid = placed()
    _, other, _ = placed()
    who = strangers()
    gw.set_faults(slow_ms=SLOW_MS)
    try:
        # Strangers: answered at once, the gateway never asked; the
        # order pages meanwhile as quick as ever.
        got = at_once(12, lambda i: success(who[i % 3], sid) if i < 8 else
                      srv.client().get(f"/orders/{other['token']}"))
        for i, (r, took) in enumerate(got):
            status(r, 404 if i < 8 else 200)
            if took > 1.0:
                raise AssertionError(f"request {i} took {took:.1f}s")
        eq(asked(sid), 0)
        # The browser that paid, eight times at once: one call to the
        # gateway, which holds one program; the others go to the order
        # page without a call of their own (one queued behind that
        # program waits for it, no longer), and the order pages are
        # served by the programs left.
        got = []
        th = threading.Thread(target=lambda: got.extend(
            at_once(8, lambda i: success(c, sid))))
        th.start()
        time.sleep(0.5)
        for _ in range(3):
            order_page_quick(other["token"])
        th.join(60)
        eq(len(got), 8)
        for r, took in got:
            status(r, 303)
            eq(r.header("Location"), f"/orders/{o['token']}")
            if took > SLOW_MS / 1000 + 1.0:
                raise AssertionError(f"a success page took {took:.1f}s: "
                                     "more than one call to the gateway")
        eq(asked(sid), 1)
        eq(max(took for _, took in got) >= SLOW_MS / 1000, True)
    finally:
        gw.set_faults()


@test
def bad_reloads_ask_again_only_after_a_moment():
    c, o, sid = placed()
    for _ in range(5):
        r = success(c, sid)
        status(r, 303)
        eq(r.header("Location"), f"/orders/{o['token']}")
    eq(asked(sid), 1)
    time.sleep(GAP + 1)
    status(success(c, sid), 303)
    eq(asked(sid), 2)


@test
def bad_calls_bounded_per_session():
    c = browser()
    sids = [placed(c)[2] for _ in range(PER_SESSION + 1)]
    for sid in sids:
        status(success(c, sid), 303)
    eq([asked(sid) for sid in sids], [1] * PER_SESSION + [0])
    # Another browser is not held back by it.
    d, _, sid = placed()
    status(success(d, sid), 303)
    eq(asked(sid), 1)


shoptest.run()
