"""Refunds from the back office (POST /admin/orders/{number}/refund,
cgi-bin/admin/refunds.c) behind lighttpd with the real test gateway and
its signed webhooks: a full refund, a partial one by amount then by line
with restock, a double click (two posts at once: one refund, the other
refused), an answer the gateway lost and the retry after it, each
visible at the gateway (GET /v1/refunds), on the customer's order page
and in the admin log, and `shopctl audit` clean after all of it."""

import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
SAME = {"Sec-Fetch-Site": "same-origin"}
BASE = "http://shop.test"

_data = fx.datadir()
pf.pricing(_data)
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe").start()
ENV = {**gw.shop_env(), "SHOP_BASE_URL": BASE}
srv = shoptest.Lighttpd(_data, port=_port, env=ENV).start()
CLOCK = os.path.join(_data, "test-clock")
CTL = {**ENV, "SHOP_LOG_LEVEL": "error"}
af.account(_data, "staff@shop.example", "staff")


def sql(query, params=()):
    return shoptest.sql(_data, query, params)


def wait_for(what, fn, timeout=10):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def state(oid):
    return sql("SELECT state FROM orders WHERE id = ?", (oid,))[0][0]


def wait_state(oid, want):
    wait_for(f"order {oid} {want} (is {state(oid)})",
             lambda: state(oid) == want)


def stock(vid=fx.HAT):
    return sql("SELECT stock FROM variants WHERE id = ?", (vid,))[0][0]


def staff():
    """A browser signed in as the shop's staff."""
    c = srv.client()
    r = c.post("/account/login", {"email": "staff@shop.example",
                                  "password": af.PASSWORD}, headers=SAME)
    status(r, 303)
    return c


def paid_order(qty=2):
    """An order placed at checkout and paid at the gateway, its webhook
    applied: a dict of id, number, token, total, pi."""
    gw.set_faults()
    c = srv.client()
    status(c.post("/cart/items", {"variant_id": fx.HAT, "quantity": qty},
                  headers=SAME), 303)
    r = c.get("/checkout")
    key = re.search(r'name="checkout_key" value="([^"]+)"', r.text).group(1)
    total = re.search(r'name="total" value="([^"]+)"', r.text).group(1)
    r = c.post("/checkout", {"email": "ann@example.test", "name": "Ann Lee",
                             "line1": "1 Rue X", "city": "Paris",
                             "postcode": "75001", "country": "FR",
                             "shipping": "standard", "checkout_key": key,
                             "total": total}, headers={**SAME, **JSON})
    status(r, 201)
    o = r.json()["order"]
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    pi = gw.pay(sid)["payment_intent"]
    wait_state(o["id"], "paid")
    (number, token, amount), = sql("SELECT number, token, amount_paid FROM "
                                   "orders WHERE id = ?", (o["id"],))
    return {"id": o["id"], "number": number, "token": token,
            "total": amount, "pi": pi}


def refund(c, o, fields, json_=True):
    return c.post(f"/admin/orders/{o['number']}/refund", fields,
                  headers={**SAME, **(JSON if json_ else {})}, timeout=60)


def gateway_refunds(pi):
    got = gw.api("GET", "/v1/refunds", {"payment_intent": pi,
                                        "limit": 100})["data"]
    return [(r["amount"], r["status"]) for r in reversed(got)]


def refunds(oid):
    return sql("SELECT amount, state, actor FROM refunds WHERE order_id = ? "
               "ORDER BY id", (oid,))


def actions(oid):
    return [a for a, in sql("SELECT action FROM admin_log WHERE "
                            "object_type = 'order' AND object_id = ? "
                            "ORDER BY id", (oid,))]


def customer_page(o):
    return srv.client().get(f"/orders/{o['token']}").text


def audit_is_clean():
    p = shoptest.shopctl("audit", data_dir=_data, env=CTL, check=False)
    got = dict(re.findall(r"^([a-z_' ()]+): (\d+)$", p.stdout, re.M))
    eq((p.returncode, got.get("findings"), p.stderr), (0, "0", ""), p.stdout)
    eq(got["refunds not matching the gateway"], "0")
    eq(got["gateway refunds not recorded here"], "0")


def reconcile_later():
    with open(CLOCK, "w") as f:
        f.write("120\n")
    return shoptest.shopctl("reconcile", data_dir=_data, check=False,
                            env={**CTL, "SHOP_TEST_CLOCK": CLOCK})


# ------------------------------------------------------------ refunds

@test
def full_refund_from_the_back_office():
    o = paid_order(qty=2)                       # 2 x 15.00 + 4.95
    c = staff()
    r = refund(c, o, {"reason": "requested_by_customer"}, json_=False)
    status(r, 303)
    eq(r.header("Location"), f"/admin/orders/{o['number']}?done=refunded")
    eq(gateway_refunds(o["pi"]), [(3495, "succeeded")])
    eq(refunds(o["id"]), [(3495, "succeeded", "admin:staff@shop.example")])
    eq(state(o["id"]), "refunded")
    eq(actions(o["id"]), ["order.refund", "order.refund_result"])
    contains(customer_page(o), "€34.95 of this order has been refunded.")
    r = c.get(f"/admin/orders/{o['number']}?done=refunded")
    contains(r.text, "The refund is made.")
    contains(r.text, "<dt>Refunded</dt><dd>€34.95</dd>")
    # The webhook that follows changes nothing.
    wait_for("the charge.refunded webhook", lambda: sql(
        "SELECT count(*) FROM payment_events WHERE type = "
        "'charge.refunded' AND json_extract(payload, "
        "'$.data.object.payment_intent') = ?", (o["pi"],))[0][0] == 1)
    eq(state(o["id"]), "refunded")
    audit_is_clean()


@test
def partial_by_amount_then_by_line_with_restock():
    o = paid_order(qty=3)                       # 3 x 15.00 + 4.95 = 49.95
    c = staff()
    r = refund(c, o, {"amount": "12,50"})
    status(r, 200)
    eq((r.json()["refund"]["amount"], r.json()["order"]["state"]),
       (1250, "partially_refunded"))
    contains(customer_page(o), "€12.50 of this order has been refunded.")
    before = stock()
    r = refund(c, o, {"line_1": "2", "restock_1": "on"})
    status(r, 200)
    eq((r.json()["refund"]["amount"], r.json()["order"]["amount_refunded"]),
       (3000, 4250))
    eq(stock(), before + 2)
    eq(gateway_refunds(o["pi"]), [(1250, "succeeded"), (3000, "succeeded")])
    eq(refunds(o["id"]), [(1250, "succeeded", "admin:staff@shop.example"),
                          (3000, "succeeded", "admin:staff@shop.example")])
    contains(customer_page(o), "€42.50 of this order has been refunded.")
    # What is left is one hat's units at most, and 7.45 of money.
    r = refund(c, o, {"amount": "7,46"})
    status(r, 422)
    eq(r.json()["errors"]["amount"], "That is more than is left to refund "
       "of this order: €7.45.")
    r = refund(c, o, {"line_1": "2"})
    status(r, 422)
    eq(r.json()["errors"]["form"], "Line 1: 1 unit is left to refund, "
       "not 2.")
    eq(len(gateway_refunds(o["pi"])), 2)
    eq(actions(o["id"]), ["order.refund", "order.refund_result"] * 2)
    (after,), = sql("SELECT after FROM admin_log WHERE action = "
                    "'order.refund' AND object_id = ? ORDER BY id DESC "
                    "LIMIT 1", (o["id"],))
    eq(json.loads(after)["lines"][0] | {"order_line_id": None},
       {"order_line_id": None, "quantity": 2, "amount": 3000,
        "restock": True})
    wait_state(o["id"], "partially_refunded")
    audit_is_clean()


@test
def double_click_refunds_once():
    o = paid_order(qty=1)
    c1, c2 = staff(), staff()
    # Slow answers: the second post comes while the first is asked.
    gw.set_faults(slow_ms=800)
    got = {}

    def go(name, c):
        got[name] = refund(c, o, {}, json_=False)

    threads = [threading.Thread(target=go, args=(n, c))
               for n, c in (("a", c1), ("b", c2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(r.status for r in got.values())
    eq(codes, [303, 422])
    loser = [r for r in got.values() if r.status == 422][0]
    contains(loser.text, "Everything paid for this order is refunded or "
             "being refunded.")
    gw.set_faults()
    eq(gateway_refunds(o["pi"]), [(1995, "succeeded")])
    eq([(a, s) for a, s, _ in refunds(o["id"])], [(1995, "succeeded")])
    # Two JSON posts at once after it: nothing left, nothing more made.
    got.clear()
    threads = [threading.Thread(target=lambda n=n: got.__setitem__(
        n, refund(c1, o, {}))) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    eq([r.status for r in got.values()], [422, 422])
    eq(len(gateway_refunds(o["pi"])), 1)
    wait_state(o["id"], "refunded")
    audit_is_clean()


@test
def lost_answer_then_a_retry_refund_once():
    o = paid_order(qty=2)
    c = staff()
    # The refund is made and its answer lost; the retry gets no answer in
    # time: the shop does not know yet.
    gw.set_faults(lost_next=1, slow_ms=3500)
    r = refund(c, o, {})
    status(r, 200)
    eq((r.json()["pending"], r.json()["refund"]["state"],
        r.json()["message"]), (True, "requested", "The refund was sent; "
       "the payment service has not confirmed it yet. It is asked again "
       "until it does: do not refund again."))
    gw.set_faults()
    # Retried by the merchant: refused, the first is counted.
    r = refund(c, o, {"amount": "1,00"})
    status(r, 422)
    eq(gateway_refunds(o["pi"]), [(3495, "succeeded")])
    wait_state(o["id"], "refunded")             # by the webhook
    p = reconcile_later()
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, "\nrefunds completed: 1\n")
    eq(gateway_refunds(o["pi"]), [(3495, "succeeded")])
    eq([(a, s) for a, s, _ in refunds(o["id"])], [(3495, "succeeded")])
    eq(actions(o["id"]), ["order.refund"])
    r = c.get(f"/admin/orders/{o['number']}")
    contains(r.text, "<td>succeeded</td>")
    audit_is_clean()


if __name__ == "__main__":
    shoptest.run()
