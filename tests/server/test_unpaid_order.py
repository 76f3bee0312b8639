"""A checkout cut off mid-request leaves the shopper a way back. The
order is made (stock held, cart emptied) before the gateway is asked for
a payment, so a checkout program killed while it waits for the gateway
leaves an order that nobody was told of. The shopper gets lighttpd's
answer for the killed request, the shop's styled 500 page that says the
cart shows such an order; and the cart and checkout pages of the session
that placed it show it, with a link to its page and its pay button,
until it is paid or its hold ends. No other browser sees it."""

import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, serving, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
CUT_OFF = ("If you were placing an order, it may be saved: your cart "
           "shows any order waiting for payment, and you can pay for it "
           "there.")
ADDRESS = {"email": "ann@example.test", "name": "Ann", "line1": "1 Rue X",
           "line2": "", "city": "Paris", "postcode": "75001",
           "country": "FR", "shipping": "standard"}

_data = fx.datadir()
pf.pricing(_data)
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe").start()
srv = shoptest.Lighttpd(_data, port=_port, env=gw.shop_env()).start()


def sql(q, params=()):
    return shoptest.sql(_data, q, params)


def browser():
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{srv.port}"}
    return c


def post(c, path, fields, headers=None):
    return c.post(path, fields, headers={**c.same, **(headers or {})})


def hidden(text, name):
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">',
                     text).group(1)


def wait(fn, what, timeout=15):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"no {what} after {timeout}s")
        time.sleep(0.02)


def unpaid_section(text):
    """The cart or checkout page's list of unpaid orders, or None."""
    m = re.search(r'<section class="notice notice-info unpaid-orders".*?'
                  r'</section>', text, re.S)
    return m.group(0) if m else None


def killed_checkout(c):
    """POST /checkout as the HTML form does, the program killed while it
    waits for the gateway: the answer and the order it left."""
    r = c.get("/checkout")
    status(r, 200)
    form = {**ADDRESS, "checkout_key": hidden(r.text, "checkout_key"),
            "total": hidden(r.text, "total")}
    n = sql("SELECT count(*) FROM orders")[0][0]
    gw.set_faults(slow_ms=5000)
    answer = []
    try:
        t = threading.Thread(target=lambda: answer.append(
            post(c, "/checkout", form)))
        t.start()
        wait(lambda: sql("SELECT count(*) FROM orders")[0][0] > n,
             "order")
        pid = wait(lambda: next((p for p, name in srv.children()
                                 if name == "checkout" and serving(p)),
                                None), "checkout process at work")
        os.kill(pid, signal.SIGKILL)
        t.join(30)
    finally:
        gw.set_faults()
    oid, token, number = sql("SELECT id, token, number FROM orders "
                             "ORDER BY id DESC LIMIT 1")[0]
    return answer[0], oid, token, number


@test
def bad_killed_checkout_then_the_cart_shows_the_order():
    c = browser()
    status(post(c, "/cart/items", {"variant_id": fx.HAT, "quantity": 2}),
           303)
    stock = sql("SELECT stock FROM variants WHERE id = ?", (fx.HAT,))[0][0]
    r, oid, token, number = killed_checkout(c)
    # lighttpd's own answer for the request it lost: the shop's page.
    eq(r.status in (500, 502), True, f"{r.status}")
    eq(r.header("Content-Type"), "text/html; charset=utf-8")
    eq(r.header("Content-Security-Policy"), CSP)
    eq(r.header("X-Content-Type-Options"), "nosniff")
    contains(r.text, '<section class="error-page"')
    contains(r.text, CUT_OFF)
    contains(r.text, '<a class="brand" href="/">Shopfile</a>')
    # The order was made; its stock is held; nobody was told.
    eq(sql("SELECT state, session_id FROM orders WHERE id = ?", (oid,)),
       [("pending_payment", None)])
    eq(sql("SELECT stock FROM variants WHERE id = ?", (fx.HAT,))[0][0],
       stock - 2)

    want = (f'<li>Your order <a href="/orders/{token}">{number}</a> of '
            f'€34.95 is saved and its items are kept for you, but it is '
            f'not paid yet. <a class="button" href="/orders/{token}">Pay '
            f'for order {number}</a></li>')
    for path in ("/cart", "/checkout"):
        r = c.get(path)
        status(r, 200)
        sec = unpaid_section(r.text)
        if sec is None:
            raise AssertionError(f"{path}: no unpaid order shown")
        contains(sec, '<h2 id="unpaid-title">An order waiting for '
                 'payment</h2>')
        contains(sec, want)
    j = c.get("/cart", headers=JSON).json()
    eq(j["unpaid"], {"one": True, "orders": [{
        "number": number, "url": f"/orders/{token}", "total": 3495,
        "total_formatted": "€34.95", "confirming": False}]})
    eq(j["cart"]["lines"], [])

    # The link leads to the order page and its pay button, which pays.
    r = c.get(f"/orders/{token}")
    status(r, 200)
    contains(r.text, f'<form action="/orders/{token}/pay" method="post"')
    r = post(c, f"/orders/{token}/pay", {}, headers=JSON)
    status(r, 200)
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    gw.pay(sid)
    wait(lambda: sql("SELECT state FROM orders WHERE id = ?",
                     (oid,))[0][0] == "paid", "payment")
    for path in ("/cart", "/checkout"):
        eq(unpaid_section(c.get(path).text), None, path)
    eq("unpaid" in c.get("/cart", headers=JSON).json(), False)


@test
def bad_other_browsers_do_not_see_it():
    c = browser()
    status(post(c, "/cart/items", {"variant_id": fx.HAT, "quantity": 1}),
           303)
    _, oid, token, number = killed_checkout(c)
    other = browser()
    status(post(other, "/cart/items", {"variant_id": fx.HAT,
                                       "quantity": 1}), 303)
    for who in (srv.client(), other):
        for path in ("/cart", "/checkout"):
            r = who.get(path)
            status(r, 200)
            eq(unpaid_section(r.text), None)
            lacks(r.text, token)
            lacks(r.text, number)
    contains(unpaid_section(c.get("/cart").text), number)


@test
def shown_until_its_hold_ends_or_it_is_cancelled():
    c = browser()
    for _ in range(2):
        status(post(c, "/cart/items", {"variant_id": fx.HAT,
                                       "quantity": 1}), 303)
        _, oid, token, number = killed_checkout(c)
    sec = unpaid_section(c.get("/cart").text)
    contains(sec, '<h2 id="unpaid-title">Orders waiting for payment</h2>')
    eq(len(re.findall(r"<li>", sec)), 2)
    first = sql("SELECT id FROM orders WHERE id < ? ORDER BY id DESC "
                "LIMIT 1", (oid,))[0][0]
    # The newer one's hold ends; the older one is cancelled.
    sql("UPDATE orders SET reserved_until = strftime('%s', 'now') - 1 "
        "WHERE id = ?", (oid,))
    sec = unpaid_section(c.get("/cart").text)
    contains(sec, '<h2 id="unpaid-title">An order waiting for payment'
             '</h2>')
    lacks(sec, number)
    sql("UPDATE orders SET state = 'cancelled' WHERE id = ?", (first,))
    eq(unpaid_section(c.get("/cart").text), None)


shoptest.run()
