"""Refunds issued from the shop (`shopctl refund`, lib/shop/refund.c)
through the real test gateway, with its signed webhooks reaching the shop
behind lighttpd: a full refund, a partial one then the rest, lines put
back into stock, a double request, an answer the gateway lost and a
process killed mid-way, both completed exactly once by reconcile, the
charge.refunded webhook before and after the shop's own record, the
customer's mail, the audit clean after all of it and catching a tampered
refund, and the refusals, which write nothing."""

import email
import email.policy
import glob
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
BASE = "http://shop.test"

_data = fx.datadir()
pf.pricing(_data)
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe").start()
ENV = {**gw.shop_env(), "SHOP_BASE_URL": BASE}
srv = shoptest.Lighttpd(_data, port=_port, env=ENV).start()
DB = os.path.join(_data, "shop.db")
CLOCK = os.path.join(_data, "test-clock")
# shopctl's own answers only, not its log lines.
CTL = {**ENV, "SHOP_LOG_LEVEL": "error"}


def sql(query, params=()):
    return shoptest.sql(_data, query, params)


def ctl(*args, env=None):
    return shoptest.shopctl(*args, data_dir=_data, env={**CTL, **(env or {})},
                            check=False)


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


def paid_order(qty=2):
    """An order placed at checkout and paid at the gateway, its webhook
    applied: a dict of id, number, token, total, pi."""
    gw.set_faults()
    c = srv.client()
    same = {"Sec-Fetch-Site": "same-origin"}
    status(c.post("/cart/items", {"variant_id": fx.HAT, "quantity": qty},
                  headers=same), 303)
    r = c.get("/checkout")
    key = re.search(r'name="checkout_key" value="([^"]+)"', r.text).group(1)
    total = re.search(r'name="total" value="([^"]+)"', r.text).group(1)
    r = c.post("/checkout", {"email": "ann@example.test", "name": "Ann Lee",
                             "line1": "1 Rue X", "city": "Paris",
                             "postcode": "75001", "country": "FR",
                             "shipping": "standard", "checkout_key": key,
                             "total": total}, headers={**same, **JSON})
    status(r, 201)
    o = r.json()["order"]
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    pi = gw.pay(sid)["payment_intent"]
    wait_state(o["id"], "paid")
    (number, token, amount), = sql("SELECT number, token, amount_paid FROM "
                                   "orders WHERE id = ?", (o["id"],))
    return {"id": o["id"], "number": number, "token": token,
            "total": amount, "pi": pi}


def gateway_refunds(pi):
    """The gateway's refunds of pi, oldest first."""
    got = gw.api("GET", "/v1/refunds", {"payment_intent": pi,
                                        "limit": 100})["data"]
    return [(r["id"], r["amount"], r["status"]) for r in reversed(got)]


def refunds(oid):
    return sql("SELECT id, amount, state, gateway_id, "
               "idempotency_key IS NOT NULL FROM refunds WHERE order_id = ? "
               "ORDER BY id", (oid,))


def moves(oid):
    """The order's moves since it was paid: (from, to, source)."""
    return sql("SELECT from_state, to_state, source FROM order_events WHERE "
               "order_id = ? AND to_state NOT IN ('pending_payment', 'paid') "
               "ORDER BY id", (oid,))


def refund_events(pi):
    """The charge.refunded events the shop stored for pi, with outcomes."""
    return sql("SELECT json_extract(payload, '$.data.object.amount_refunded'),"
               " outcome FROM payment_events WHERE type = 'charge.refunded' "
               "AND json_extract(payload, '$.data.object.payment_intent') = ? "
               "ORDER BY id", (pi,))


def wait_refund_events(pi, n):
    return wait_for(f"{n} charge.refunded for {pi}",
                    lambda: (lambda e: e if len(e) >= n else None)(
                        refund_events(pi)))


def said_refunded(p, oid, money):
    """shopctl refund's answer for a refund that went through."""
    eq(p.returncode, 0, p.stdout + p.stderr)
    (rid, gid), = sql("SELECT id, gateway_id FROM refunds WHERE order_id = ? "
                      "ORDER BY id DESC LIMIT 1", (oid,))
    num = sql("SELECT number FROM orders WHERE id = ?", (oid,))[0][0]
    eq((p.stdout, p.stderr),
       (f"refund {rid} of order {num}: {money} refunded ({gid})\n", ""))
    return rid, gid


def audit():
    p = ctl("audit")
    got = dict(re.findall(r"^([a-z_' ()]+): (\d+)$", p.stdout, re.M))
    return p, {k: int(v) for k, v in got.items()}


def audit_is_clean():
    p, got = audit()
    eq((p.returncode, got["findings"], p.stderr), (0, 0, ""), p.stdout)
    succeeded = sql("SELECT count(*) FROM refunds WHERE state = "
                    "'succeeded'")[0][0]
    eq((got["refunds handed out"], got["refunds missing"],
        got["refunds checked at the gateway"],
        got["refunds not matching the gateway"],
        got["gateway refunds not recorded here"],
        got["refunds past the amount paid"],
        got["refunds past the order's refunded total"],
        got["refund states not matching totals"],
        got["refunds waiting for the gateway"]),
       (sql("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = "
            "'refunds'")[0][0], 0, succeeded, 0, 0, 0, 0, 0, 0))


def refund_mails():
    shoptest.worker_once(_data, ENV)
    out = {}
    for p in sorted(glob.glob(os.path.join(_data, "mail", "*.eml"))):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if "refunded" in m["Subject"]:
            out[m["Subject"]] = m
    return out


# ------------------------------------------------------------ refunds

@test
def full_refund_then_the_webhook():
    o = paid_order(qty=2)                       # 2 x 15.00 + 4.95
    eq(o["total"], 3495)
    # Deliveries wait: the shop records the refund before the webhook.
    gw.set_faults(delay=1)
    p = ctl("refund", o["number"], "--reason", "requested_by_customer")
    rid, gid = said_refunded(p, o["id"], "€34.95")
    eq(gateway_refunds(o["pi"]), [(gid, 3495, "succeeded")])
    got = gw.api("GET", f"/v1/refunds/{gid}")
    eq((got["reason"], got["metadata"]),
       ("requested_by_customer", {"refund_id": str(rid),
                                  "order_id": str(o["id"]),
                                  "order_number": o["number"]}))
    eq(state(o["id"]), "refunded")
    eq(refunds(o["id"]), [(rid, 3495, "succeeded", gid, 1)])
    eq(sql("SELECT idempotency_key FROM refunds WHERE id = ?", (rid,)),
       [(f"order-{o['id']}-{o['token']}-refund-{rid}",)])
    eq(moves(o["id"]), [("paid", "refunded", "admin")])
    eq(sql("SELECT amount_refunded FROM orders WHERE id = ?", (o["id"],)),
       [(3495,)])
    # The webhook then finds nothing to do.
    eq(wait_refund_events(o["pi"], 1), [(3495, "already")])
    eq(moves(o["id"]), [("paid", "refunded", "admin")])
    # Asked again: nothing is left, nothing is written.
    p = ctl("refund", o["number"])
    eq((p.returncode, p.stdout, p.stderr), (1, "", f"shopctl: order "
       f"{o['number']}: Only a paid, shipped or partly refunded order can "
       "be refunded.\n"))
    eq(len(refunds(o["id"])), 1)
    eq(len(gateway_refunds(o["pi"])), 1)
    p = ctl("orders", "show", o["number"])
    contains(p.stdout, "\nrefunded: €34.95\n")
    created = sql("SELECT created_at FROM refunds WHERE id = ?",
                  (rid,))[0][0]
    contains(p.stdout, f"\nrefund {rid}: €34.95 succeeded ({gid}) by shopctl "
             f"on {created}\n")
    contains(p.stdout, f"paid -> refunded  by admin: 3495 of 3495 EUR "
             f"refunded  ref {gid}\n")
    eq(sql("SELECT kind, actor, detail FROM audit_log WHERE order_id = ?",
           (o["id"],)), [("refund_requested", "shopctl", f"refund {rid} of "
                          f"€34.95 asked for order {o['number']}: "
                          "requested_by_customer")])
    m = refund_mails()[f"Order {o['number']}: €34.95 refunded"]
    eq(m["To"], "Ann Lee <ann@example.test>")
    body = m.get_body(("plain",)).get_content()
    contains(body, f"We have refunded €34.95 of your order {o['number']}.\n")
    contains(body, "The whole of the €34.95 you paid is refunded.\n")
    contains(body, f"Your order: {BASE}/orders/{o['token']}\n")
    html = m.get_body(("html",)).get_content()
    contains(html, f"We have refunded <strong>€34.95</strong> of your order "
             f"<strong>{o['number']}</strong>.")
    audit_is_clean()


@test
def partial_then_the_rest_with_duplicated_webhooks():
    o = paid_order(qty=2)
    gw.set_faults(duplicate=1)
    p = ctl("refund", o["number"], "--amount", "5.00")
    r1, g1 = said_refunded(p, o["id"], "€5.00")
    wait_state(o["id"], "partially_refunded")
    contains(srv.client().get(f"/orders/{o['token']}").text,
             "€5.00 of this order has been refunded.")
    p = ctl("refund", o["number"], "--amount", "30.00")
    eq((p.returncode, p.stderr), (1, f"shopctl: order {o['number']}: That "
       "is more than is left to refund of this order.\n"))
    p = ctl("refund", o["number"])
    r2, g2 = said_refunded(p, o["id"], "€29.95")
    eq(gateway_refunds(o["pi"]), [(g1, 500, "succeeded"),
                                  (g2, 2995, "succeeded")])
    eq(refunds(o["id"]), [(r1, 500, "succeeded", g1, 1),
                          (r2, 2995, "succeeded", g2, 1)])
    wait_state(o["id"], "refunded")
    events = wait_refund_events(o["pi"], 2)
    time.sleep(0.5)                     # the duplicates, stored once
    eq(sorted(a for a, _ in refund_events(o["pi"])), [500, 3495])
    eq(len(refund_events(o["pi"])), 2, events)
    # Each total moved the order once, whoever came first.
    eq([m[1] for m in moves(o["id"])], ["partially_refunded", "refunded"])
    eq(sql("SELECT amount_refunded FROM payments WHERE order_id = ?",
           (o["id"],)), [(3495,)])
    audit_is_clean()


@test
def lines_back_into_stock():
    o = paid_order(qty=3)                       # 3 x 15.00 + 4.95
    before = stock()
    p = ctl("refund", o["number"], "--line", "1:2:restock")
    rid, gid = said_refunded(p, o["id"], "€30.00")
    eq(stock(), before + 2)
    eq(sql("SELECT quantity, amount, restock FROM refund_lines WHERE "
           "refund_id = ?", (rid,)), [(2, 3000, 1)])
    p = ctl("refund", o["number"], "--line", "1:2")
    eq((p.returncode, p.stderr), (1, f"shopctl: order {o['number']}: A "
       "line is not of this order, is named twice, or has fewer units left "
       "to refund.\n"))
    p = ctl("refund", o["number"], "--line", "1:1")
    said_refunded(p, o["id"], "€15.00")
    eq(stock(), before + 2)
    wait_state(o["id"], "partially_refunded")
    m = refund_mails()[f"Order {o['number']}: €30.00 refunded"]
    body = m.get_body(("plain",)).get_content()
    contains(body, "  2 x Wool hat  €30.00\n")
    contains(body, "€30.00 of the €49.95 you paid is refunded so far.\n")
    audit_is_clean()


@test
def double_request_refunds_once():
    o = paid_order(qty=1)
    # Slow answers: the second request comes while the first is asked.
    gw.set_faults(slow_ms=800)
    e = dict(os.environ, SHOP_DATA_DIR=_data,
             SHOP_TEMPLATE_DIR=shoptest.TEMPLATES, **CTL)
    cmd = [os.path.join(shoptest.BUILD, "bin", "shopctl"), "refund",
           o["number"]]
    first = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    wait_for("the first refund requested", lambda: refunds(o["id"]))
    second = subprocess.run(cmd, env=e, capture_output=True, text=True,
                            timeout=60)
    out, err = first.communicate(timeout=60)
    eq((first.returncode, err), (0, ""))
    eq((second.returncode, second.stdout, second.stderr),
       (1, "", f"shopctl: order {o['number']}: Everything paid for this "
        "order is refunded or being refunded.\n"))
    eq([(a, s) for _, a, s, _, _ in refunds(o["id"])], [(1995, "succeeded")])
    eq([a for _, a, _ in gateway_refunds(o["pi"])], [1995])
    gw.set_faults()
    wait_state(o["id"], "refunded")
    audit_is_clean()


def reconcile_later():
    """shopctl reconcile as it runs a while after: the clock two minutes
    on, for this program only (webhooks are checked by the real one)."""
    with open(CLOCK, "w") as f:
        f.write("120\n")
    return ctl("reconcile", env={"SHOP_TEST_CLOCK": CLOCK})


@test
def lost_answer_is_completed_once_by_reconcile():
    o = paid_order(qty=2)
    # The refund is made and its answer lost; the client's retry gets no
    # answer in time: the shop does not know, and the webhook comes first.
    gw.set_faults(lost_next=1, slow_ms=3500)
    p = ctl("refund", o["number"])
    eq(p.returncode, 1, p.stdout + p.stderr)
    (rid, amount, st, gid, _), = refunds(o["id"])
    eq((amount, st, gid), (3495, "requested", None))
    eq(p.stderr, f"shopctl: refund {rid} of order {o['number']}: €34.95 "
       "asked; The refund was sent; the payment service has not confirmed "
       "it yet. It is asked again until it does: do not refund again. "
       f"(POST /v1/refunds: Stripe did not answer in time: 2 attempts in "
       + re.search(r"in time: 2 attempts in (.*)\)\n", p.stderr).group(1)
       + ")\n")
    gw.set_faults()
    ((made, _, _),) = gateway_refunds(o["pi"])
    wait_state(o["id"], "refunded")             # by the webhook
    eq(refund_events(o["pi"]), [(3495, "applied")])
    # Nothing more can be asked meanwhile.
    p = ctl("refund", o["number"])
    eq(p.returncode, 1)
    # Reconcile now, too soon: the refund may still be on its way.
    p = ctl("reconcile")
    eq((p.returncode, re.findall(r"^refunds .*$", p.stdout, re.M)),
       (0, ["refunds completed: 0", "refunds failed: 0",
            "refunds still waiting: 0"]), p.stdout + p.stderr)
    p = reconcile_later()
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"refund {rid} of order {o['number']}: completed "
             f"({made})\n")
    contains(p.stdout, "\nrefunds completed: 1\nrefunds failed: 0\n"
             "refunds still waiting: 0\n")
    eq(gateway_refunds(o["pi"]), [(made, 3495, "succeeded")])
    eq(refunds(o["id"]), [(rid, 3495, "succeeded", made, 1)])
    eq(moves(o["id"]), [("paid", "refunded", "webhook")])
    eq(sql("SELECT count(*) FROM outbox WHERE unique_key = ?",
           (f"mail:refund-issued:{rid}",)), [(1,)])
    p = reconcile_later()
    contains(p.stdout, "\nrefunds completed: 0\n")
    audit_is_clean()


@test
def killed_mid_way_is_completed_once_by_reconcile():
    o = paid_order(qty=1)
    gw.set_faults(slow_ms=1500)
    e = dict(os.environ, SHOP_DATA_DIR=_data,
             SHOP_TEMPLATE_DIR=shoptest.TEMPLATES, **CTL)
    proc = subprocess.Popen([os.path.join(shoptest.BUILD, "bin", "shopctl"),
                             "refund", o["number"]], env=e,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_for("the refund requested", lambda: refunds(o["id"]))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (rid, _, st, _, _), = refunds(o["id"])
    eq(st, "requested")
    gw.set_faults()
    p = reconcile_later()
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, "\nrefunds completed: 1\n")
    # The request the killed process left at the gateway ends as a replay.
    time.sleep(1.6)
    ((made, amount, _),) = gateway_refunds(o["pi"])
    eq(refunds(o["id"]), [(rid, 1995, "succeeded", made, 1)])
    eq(amount, 1995)
    wait_state(o["id"], "refunded")
    eq(len(moves(o["id"])), 1)
    audit_is_clean()


@test
def key_taken_by_another_generation_finds_its_refund():
    o = paid_order(qty=2)
    # The gateway fails every try: the refund waits, requested.
    gw.set_faults(api_500_next=3)
    p = ctl("refund", o["number"], "--amount", "10.00")
    eq(p.returncode, 1, p.stdout + p.stderr)
    (rid, _, st, _, _), = refunds(o["id"])
    eq(st, "requested")
    key = sql("SELECT idempotency_key FROM refunds WHERE id = ?",
              (rid,))[0][0]
    # Another generation of the programs sent it otherwise (a reason this
    # one does not send) and lost the answer: the key is taken.
    gw.set_faults()
    other = gw.api("POST", "/v1/refunds", {
        "payment_intent": o["pi"], "amount": 1000, "reason": "duplicate",
        "metadata[refund_id]": str(rid), "metadata[order_id]": str(o["id"])},
        idem=key)
    p = reconcile_later()
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"refund {rid} of order {o['number']}: completed "
             f"({other['id']})\n")
    eq(refunds(o["id"]), [(rid, 1000, "succeeded", other["id"], 1)])
    eq(gateway_refunds(o["pi"]), [(other["id"], 1000, "succeeded")])
    wait_state(o["id"], "partially_refunded")
    # A key taken by a request that is not this refund: it failed.
    gw.set_faults(api_500_next=3)
    p = ctl("refund", o["number"], "--amount", "2.00")
    eq(p.returncode, 1)
    (rid2, _, st, _, _) = refunds(o["id"])[1]
    key = sql("SELECT idempotency_key FROM refunds WHERE id = ?",
              (rid2,))[0][0]
    gw.set_faults()
    gw.api("POST", "/v1/refunds", {"payment_intent": o["pi"],
                                   "amount": 300}, idem=key)
    p = reconcile_later()
    contains(p.stdout, f"refund {rid2} of order {o['number']}: failed: "
             "Keys for idempotent requests can only be used with the same "
             "parameters they were first used with.")
    contains(p.stdout, "\nrefunds completed: 0\nrefunds failed: 1\n")
    eq(refunds(o["id"])[1][2], "failed")
    # That stray refund is not ours: the webhook brings it to the order.
    wait_for("the stray refund's webhook", lambda: sql(
        "SELECT amount_refunded FROM orders WHERE id = ?",
        (o["id"],))[0][0] == 1300)
    audit_is_clean()


@test
def audit_catches_a_tampered_refund():
    o = paid_order(qty=1)
    p = ctl("refund", o["number"], "--amount", "4.00")
    rid, gid = said_refunded(p, o["id"], "€4.00")
    wait_refund_events(o["pi"], 1)
    audit_is_clean()
    sql("UPDATE refunds SET amount = 1400 WHERE id = ?", (rid,))
    p, got = audit()
    eq(p.returncode, 1, p.stdout)
    # Its credit note, issued for 400, is not the refund's any more.
    eq((got["refunds not matching the gateway"],
        got["refunds past the order's refunded total"],
        got["invoices and credit notes not matching"], got["findings"]),
       (1, 1, 1, 3), p.stdout)
    (cn,), = sql("SELECT number FROM credit_notes WHERE refund_id = ?",
                 (rid,))
    contains(p.stdout, f"\ncredit note {cn} of 400 is not refund {rid}'s, "
             "which is succeeded, of 1400, or of another order or "
             "currency\n")
    contains(p.stdout, f"\norder {o['number']}: its refunds that succeeded "
             "add up to 1400, but only 400 is refunded\n")
    contains(p.stdout, f"\nrefund {rid} of order {o['number']} is 1400 of "
             f"{o['pi']} here, the gateway's {gid} is 400 of {o['pi']}\n")
    sql("UPDATE refunds SET amount = 400 WHERE id = ?", (rid,))
    audit_is_clean()


@test
def bad_refunds_write_nothing():
    o = paid_order(qty=1)
    pending = pf.pending_order(_data, [(fx.HAT, 1)], email="bob@example.test")
    before = sql("SELECT count(*), coalesce(max(id), 0) FROM refunds")
    for args, code, said in (
            ((pending["number"],), 1, f"shopctl: order {pending['number']}: "
             "Only a paid, shipped or partly refunded order can be "
             "refunded.\n"),
            (("SF-999999",), 1, "shopctl: no order is numbered SF-999999\n"),
            ((o["number"], "--amount", "19.96"), 1, f"shopctl: order "
             f"{o['number']}: That is more than is left to refund of this "
             "order.\n"),
            ((o["number"], "--line", "2:1"), 1, f"shopctl: order "
             f"{o['number']} has 1 lines, not 2\n"),
            ((o["number"], "--amount", "0"), 2, "shopctl: --amount takes an "
             "amount of EUR above zero, such as 5.00: 0\n"),
            ((o["number"], "--amount", "1e3"), 2, "shopctl: --amount takes an "
             "amount of EUR above zero, such as 5.00: 1e3\n"),
            ((o["number"], "--line", "1:x"), 2, "shopctl: --line takes N:QTY "
             "or N:QTY:restock, N a line of the order from 1: 1:x\n"),
            ((o["number"], "--reason", "bored"), 2, "shopctl: --reason is "
             "requested_by_customer, duplicate or fraudulent: bored\n")):
        p = ctl("refund", *args)
        eq((p.returncode, p.stderr), (code, said), args)
    p = ctl("refund", o["number"], "--amount", "1.00", "--line", "1:1")
    eq(p.returncode, 2)
    contains(p.stderr, "usage: shopctl refund")
    eq(sql("SELECT count(*), coalesce(max(id), 0) FROM refunds"), before)
    eq(gateway_refunds(o["pi"]), [])
    # The gateway refuses (more than it holds: another refund was made
    # at its dashboard meanwhile, its webhook lost): failed, nothing else.
    gw.set_faults(drop="all")
    gw.api("POST", "/v1/refunds", {"payment_intent": o["pi"],
                                   "amount": 1000})
    gw.set_faults()
    p = ctl("refund", o["number"])
    eq(p.returncode, 1)
    (rid, amount, st, gid, _), = refunds(o["id"])
    eq((amount, st, gid), (1995, "failed", None))
    eq(p.stderr, f"shopctl: refund {rid} of order {o['number']}: The payment "
       "service refused the refund: nothing was refunded. (Refund amount "
       "(€19.95) is greater than unrefunded amount on charge (€9.95))\n")
    eq(state(o["id"]), "paid")
    p = ctl("orders", "show", o["number"])
    contains(p.stdout, f"\nrefund {rid}: €19.95 failed by shopctl on ")
    contains(p.stdout, ": Refund amount (€19.95) is greater than unrefunded "
             "amount on charge (€9.95)\n")
    eq(sql("SELECT error FROM refunds WHERE id = ?", (rid,)),
       [("Refund amount (€19.95) is greater than unrefunded amount on "
         "charge (€9.95)",)])
    # What is left at the gateway can be refunded; the gateway's list,
    # read after it, brings the dashboard's refund into the order's total.
    p = ctl("refund", o["number"], "--amount", "9.95")
    said_refunded(p, o["id"], "€9.95")
    eq(state(o["id"]), "refunded")
    eq(sql("SELECT amount_refunded FROM orders WHERE id = ?", (o["id"],)),
       [(1995,)])
    audit_is_clean()


if __name__ == "__main__":
    shoptest.run()
