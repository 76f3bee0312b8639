"""Reconcile and audit against the test gateway with every webhook lost:
orders paid there but not here are marked paid, a paid session whose
order never reached the database is rebuilt from it, expired sessions
and holds that ran out give their stock back, and `shopctl audit` finds
each of these before the repair and nothing after it. The worker's
reconcile_payments and release_reservations jobs do the same.

Orders are placed through the real checkout behind lighttpd; the
gateway drops every webhook, so only reconcile can tell the shop. Each
test leaves the books clean for the next."""

import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402
from workertest import Worker, q as queue_sql, wait_until  # noqa: E402

JSON = {"Accept": "application/json"}

_data = fx.datadir()
pf.pricing(_data)
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe",
             faults="drop=all").start()
srv = shoptest.Lighttpd(_data, port=_port, env=gw.shop_env()).start()
DB = os.path.join(_data, "shop.db")


def sql(query, params=()):
    return shoptest.sql(_data, query, params)


def ctl(*args, check=False):
    return shoptest.shopctl(*args, data_dir=_data, env=gw.shop_env(),
                            check=check)


def stock(vid=fx.HAT):
    return sql("SELECT stock FROM variants WHERE id = ?", (vid,))[0][0]


def order(oid):
    return sql("SELECT state, stock_held, recovered, amount_paid, number, "
               "token, session_id FROM orders WHERE id = ?", (oid,))[0]


def place(vid=fx.HAT, qty=1):
    """An order placed at checkout, its session open: (id, number, sid)."""
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin"}
    status(c.post("/cart/items", {"variant_id": vid, "quantity": qty},
                  headers=c.same), 303)
    r = c.get("/checkout")
    key = re.search(r'name="checkout_key" value="([^"]+)"', r.text).group(1)
    total = re.search(r'name="total" value="([^"]+)"', r.text).group(1)
    r = c.post("/checkout", {"email": "ann@example.test", "name": "Ann",
                             "line1": "1 Rue X", "city": "Paris",
                             "postcode": "75001", "country": "FR",
                             "shipping": "standard", "checkout_key": key,
                             "total": total}, headers={**c.same, **JSON})
    status(r, 201)
    o = r.json()["order"]
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    return o["id"], o["number"], sid


REPORT = ("sessions", "paid at the gateway", "marked paid",
          "recovered orders", "cancelled (expired)", "expired at the gateway",
          "released without a session", "sessions attached",
          "unresolved events", "refunds completed", "refunds failed",
          "refunds still waiting", "errors")


def report(out):
    """The numbers at the end of shopctl reconcile's output."""
    got = dict(re.findall(r"^([a-z ()]+): (\d+)$", out, re.M))
    return {k: int(got[k]) for k in REPORT}


def last_order_id():
    """The last id sqlite_sequence handed out for orders."""
    return sql("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE "
               "name = 'orders'")[0][0]


def paid_sessions():
    got = gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]
    return sum(s["payment_status"] == "paid" for s in got)


def clean_audit():
    """What shopctl audit prints for books that are right, from what the
    database and the gateway hold now."""
    seq = dict(sql("SELECT name, seq FROM sqlite_sequence"))
    lines = [f"audit of {DB}"]
    for t in ("orders", "payments", "payment_events", "order_events",
              "refunds"):
        lines += [f"{t} handed out: {seq.get(t, 0)}", f"{t} missing: 0"]
    refunds = sql("SELECT count(*) FROM refunds WHERE state = "
                  "'succeeded'")[0][0]
    lines += [
        f"paid orders: {sql('SELECT count(*) FROM payments')[0][0]}",
        f"paid sessions at the gateway: {paid_sessions()}",
        "lost paid orders: 0", "double charges: 0",
        f"refunds checked at the gateway: {refunds}",
        "refunds not matching the gateway: 0",
        "gateway refunds not recorded here: 0",
        "paid here, not at the gateway: 0",
        "paid here, another amount there: 0", "negative stock: 0",
        "totals not matching lines: 0", "paid without a payment: 0",
        "payments on unpaid orders: 0", "payments not matching totals: 0",
        "refunds past the amount paid: 0",
        "refunds past the order's refunded total: 0",
        "refund states not matching totals: 0",
        "refunds waiting for the gateway: 0",
        "events matching no order: 0",
        f"invoices issued: {sql('SELECT count(*) FROM invoices')[0][0]}",
        "credit notes issued: "
        f"{sql('SELECT count(*) FROM credit_notes')[0][0]}",
        "invoice and credit note numbers missing: 0",
        "invoices and credit notes not matching: 0",
        "paid or refunded without a document: 0", "findings: 0"]
    # What audit_log recorded (the repairs): shown, not findings.
    log = sql("SELECT a.created_at, a.kind, coalesce(' order ' || o.number, "
              "''), a.actor, a.detail FROM audit_log a LEFT JOIN orders o "
              "ON o.id = a.order_id ORDER BY a.id")
    lines.append(f"recorded in audit_log: {len(log)}")
    if log:
        lines += ["", "recorded in audit_log:"]
        lines += [f"{t} {k}{n} ({actor}): {detail}"
                  for t, k, n, actor, detail in log]
    return "\n".join(lines) + "\n"


def audit_is_clean():
    p = ctl("audit")
    eq((p.returncode, p.stdout, p.stderr), (0, clean_audit(), ""))


# ------------------------------------------------------------ repairs

@test
def clean_books_audit_to_zero():
    audit_is_clean()
    p = ctl("audit", "--local")
    eq(p.returncode, 0, p.stdout)
    lacks(p.stdout, "paid sessions at the gateway")
    contains(p.stdout, "\npaid orders: 0\nnegative stock: 0\n")


@test
def paid_at_the_gateway_lost_webhook_is_repaired():
    oid, num, sid = place(qty=2)
    gw.pay(sid)
    eq([d["state"] for d in gw.flush()], ["dropped"])   # the webhook
    eq(order(oid)[:4], ("pending_payment", 1, 0, 0))
    # The audit sees the money the shop does not.
    p = ctl("audit")
    eq(p.returncode, 1, p.stdout)
    contains(p.stdout, "\nlost paid orders: 1\ndouble charges: 0\n")
    contains(p.stdout, "\nfindings: 1\n")
    contains(p.stdout, f"\nsession {sid} was paid (3495 eur) but order "
             f"{num} is pending_payment\n")
    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"marked order {num} paid (session {sid})\n")
    r = report(p.stdout)
    eq((r["marked paid"], r["recovered orders"], r["errors"]), (1, 0, 0))
    eq(order(oid)[:4], ("paid", 1, 0, 3495))
    eq(sql("SELECT from_state, to_state, source, ref FROM order_events "
           "WHERE order_id = ? ORDER BY id DESC LIMIT 1", (oid,)),
       [("pending_payment", "paid", "reconcile", "reconcile")])
    eq(sql("SELECT kind, actor, detail FROM audit_log WHERE order_id = ?",
           (oid,)), [("repaired", "reconcile", f"session {sid} was paid at "
                      f"the gateway but not here; marked paid")])
    # Run again: nothing left to do.
    r = report(ctl("reconcile").stdout)
    eq((r["marked paid"], r["errors"]), (0, 0))
    audit_is_clean()


@test
def lost_order_is_recovered_from_its_session():
    # A paid session for an order whose write never committed: its id was
    # never taken from sqlite_sequence, and no row has its token.
    seq = last_order_id()
    lost_id, token = seq + 1, secrets.token_urlsafe(24)
    s = gw.create_session(
        order_id=lost_id, idem=f"order-{lost_id}-session-1",
        items=[("Wool hat", 1500, 2), ("Shipping: Standard (3-5 days)", 495,
                                       1)],
        metadata={"order_id": str(lost_id), "order_token": token,
                  "order_number": f"SF-{lost_id:06d}"},
        customer_email="lost@example.test")
    gw.pay(s["id"])
    p = ctl("audit")
    eq(p.returncode, 1, p.stdout)
    contains(p.stdout, "\nlost paid orders: 1\n")
    contains(p.stdout, f"\nsession {s['id']} was paid (3495 eur) but no "
             "order here matches it\n")

    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    num = f"SF-{lost_id:06d}"
    contains(p.stdout, f"recovered order {num} from session {s['id']}\n")
    eq(report(p.stdout)["recovered orders"], 1)
    eq(order(lost_id), ("paid", 0, 1, 3495, num, token, s["id"]))
    eq(sql("SELECT email, currency, subtotal, shipping, tax, total FROM "
           "orders WHERE id = ?", (lost_id,)),
       [("lost@example.test", "EUR", 3495, 0, 0, 3495)])
    eq(sql("SELECT variant_id, product_name, unit_price, quantity, "
           "line_total FROM order_lines WHERE order_id = ? ORDER BY id",
           (lost_id,)),
       [(None, "Wool hat", 1500, 2, 3000),
        (None, "Shipping: Standard (3-5 days)", 495, 1, 495)])
    eq(sql("SELECT from_state, to_state, source FROM order_events WHERE "
           "order_id = ? ORDER BY id", (lost_id,)),
       [(None, "pending_payment", "reconcile"),
        ("pending_payment", "paid", "reconcile")])
    eq(sql("SELECT kind, actor, detail FROM audit_log WHERE order_id = ?",
           (lost_id,)),
       [("recovered", "reconcile", f"order {num} rebuilt from paid session "
         f"{s['id']} (metadata order {lost_id}): it had never reached this "
         f"database")])
    eq(sql("SELECT session_id, amount, source FROM payments WHERE "
           "order_id = ?", (lost_id,)), [(s["id"], 3495, "reconcile")])
    # The customer's link works for the rebuilt order.
    r = srv.client().get(f"/orders/{token}")
    status(r, 200)
    contains(r.text, 'Status: <strong data-live-field="label">Paid</strong>')
    eq(report(ctl("reconcile").stdout)["recovered orders"], 0)
    audit_is_clean()


@test
def lost_unpaid_session_does_not_block_the_order_taking_its_id():
    # An order lost after its session was made and then expired (a
    # database restored from a backup, say): its id is handed out again,
    # and the gateway already holds the keys it used.
    seq = last_order_id()
    n = seq + 1
    lost = gw.create_session(
        order_id=n, idem=f"order-{n}-session-1",
        items=[("Linen shirt (M)", 2500, 1)],
        metadata={"order_id": str(n), "order_token":
                  secrets.token_urlsafe(24), "order_number": f"SF-{n:06d}"})
    gw.api("POST", f"/v1/checkout/sessions/{lost['id']}/expire",
           idem=f"order-{n}-expire-1")
    before = stock()
    oid, num, sid = place(qty=2)
    eq(oid, n)
    if sid == lost["id"]:
        raise AssertionError("the new order was handed the lost session")
    s = gw.api("GET", f"/v1/checkout/sessions/{sid}")
    eq((s["status"], s["amount_total"], s["metadata"]["order_id"]),
       ("open", 3495, str(n)))
    # Its hold ends with its session open: expiring it there works too.
    sql("UPDATE orders SET reserved_until = ? WHERE id = ?",
        (int(time.time()) - 120, oid))
    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    r = report(p.stdout)
    eq((r["expired at the gateway"], r["recovered orders"], r["errors"]),
       (1, 0, 0))
    eq(order(oid)[:2], ("cancelled", 0))
    eq(stock(), before)
    eq(gw.api("GET", f"/v1/checkout/sessions/{sid}")["status"], "expired")
    audit_is_clean()


@test
def expired_session_and_ended_holds_release_stock():
    before = stock()
    # Expired at the gateway; its webhook lost.
    a, anum, asid = place(qty=3)
    eq(gw.expire_sessions(asid), [asid])
    # Its hold ended here while its session is still open there.
    b, bnum, bsid = place(qty=2)
    sql("UPDATE orders SET reserved_until = ? WHERE id = ?",
        (int(time.time()) - 120, b))
    # Its hold ended and no session was ever recorded (the gateway failed).
    c = pf.pending_order(_data, [(fx.HAT, 1)], hold=-120)
    eq(stock(), before - 6)

    p = ctl("reconcile", "--no-release")
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"cancelled order {anum}: its session {asid} "
             "expired; stock released\n")
    r = report(p.stdout)
    eq((r["cancelled (expired)"], r["expired at the gateway"],
        r["released without a session"]), (1, 0, 0))
    eq([order(x)[:2] for x in (a, b, c["id"])],
       [("cancelled", 0), ("pending_payment", 1), ("pending_payment", 1)])
    eq(stock(), before - 3)

    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"cancelled order {bnum}: its session expired; "
             "stock released\n")
    contains(p.stdout, f"cancelled order {c['number']}: never paid; stock "
             "released\n")
    r = report(p.stdout)
    eq((r["expired at the gateway"], r["released without a session"],
        r["errors"]), (1, 1, 0))
    eq([order(x)[:2] for x in (a, b, c["id"])], [("cancelled", 0)] * 3)
    eq(stock(), before)
    eq(gw.api("GET", f"/v1/checkout/sessions/{bsid}")["status"], "expired")
    eq(sql("SELECT source, cause FROM order_events WHERE order_id = ? AND "
           "to_state = 'cancelled'", (c["id"],)),
       [("expiry", "unpaid: the time to pay ended")])
    # Paying the expired session now is refused by the gateway.
    gw.pay(asid, want=400)
    audit_is_clean()


@test
def bad_reconcile_arguments_and_unreachable_gateway():
    for args, msg in [(["--hours", "0"], "--hours takes a number of hours"),
                      (["--hours", "1e3"], "--hours takes a number of hours"),
                      (["--hours", "8761"], "--hours takes a number of hours"),
                      (["extra"], 'unexpected argument "extra"')]:
        p = ctl("reconcile", *args)
        eq(p.returncode, 2, args)
        contains(p.stderr, msg)
    p = shoptest.shopctl("reconcile", data_dir=_data, check=False, env={
        **gw.shop_env(), "STRIPE_API_BASE": "http://127.0.0.1:9"})
    eq(p.returncode, 1)
    contains(p.stderr, "reconcile: the gateway could not be listed; nothing "
             "was repaired from it")
    p = shoptest.shopctl("audit", data_dir=_data, check=False, env={
        **gw.shop_env(), "STRIPE_SECRET_KEY": ""})
    eq(p.returncode, 1)
    contains(p.stderr, "STRIPE_SECRET_KEY is not set")


@test
def worker_jobs_reconcile_and_release():
    oid, num, sid = place()
    gw.pay(sid)
    x, xnum, xsid = place(qty=4)
    sql("UPDATE orders SET reserved_until = ? WHERE id = ?",
        (int(time.time()) - 120, x))
    before = stock()
    w = Worker(_data, **gw.shop_env(),
               SHOP_SCHEDULE_RECONCILE_PAYMENTS="off",
               SHOP_SCHEDULE_RELEASE_RESERVATIONS="off")
    ctl("jobs", "enqueue", "reconcile_payments", check=True)
    wait_until(lambda: order(oid)[0] == "paid", 20, "order paid by the job")
    eq(sql("SELECT kind FROM audit_log WHERE order_id = ?", (oid,)),
       [("repaired",)])
    eq(order(x)[0], "pending_payment")
    ctl("jobs", "enqueue", "release_reservations", check=True)
    wait_until(lambda: order(x)[0] == "cancelled", 20,
               "hold released by the job")
    eq(stock(), before + 4)
    wait_until(lambda: queue_sql(_data, "SELECT count(*) FROM jobs WHERE "
                                 "kind IN ('reconcile_payments', "
                                 "'release_reservations') AND state = "
                                 "'done'")[0][0] == 2, 10, "jobs done")
    eq(queue_sql(_data, "SELECT count(*) FROM failed_jobs"), [(0,)])
    eq(w.stop(), 0)
    audit_is_clean()


# Last: it leaves a finding in the books for good, as a real one would.
@test
def second_paid_session_is_a_double_charge_in_the_audit():
    oid, num, sid = place()
    gw.pay(sid)
    ctl("reconcile", check=True)
    eq(order(oid)[0], "paid")
    audit_is_clean()
    # A second session for the same order, paid too (by a bug, or by hand
    # at the gateway): the shop refuses it, the audit names it.
    token = order(oid)[5]
    s2 = gw.create_session(order_id=oid, items=[("Wool hat", 1500, 1),
                                                ("Shipping", 495, 1)],
                           metadata={"order_id": str(oid),
                                     "order_token": token})
    gw.pay(s2["id"])
    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    eq(report(p.stdout)["marked paid"], 0)
    eq(sql("SELECT session_id FROM payments WHERE order_id = ?", (oid,)),
       [(sid,)])
    eq(sql("SELECT kind, actor, detail FROM audit_log WHERE order_id = ? "
           "AND kind = 'double_payment'", (oid,)),
       [("double_payment", "reconcile", f"session {s2['id']} paid order "
         f"{num}, which session {sid} had already paid: refund one of "
         f"them")])
    p = ctl("audit")
    eq(p.returncode, 1, p.stdout)
    contains(p.stdout, "\nlost paid orders: 1\ndouble charges: 1\n")
    contains(p.stdout, "\nfindings: 2\n")
    contains(p.stdout, f"\nsession {s2['id']} was paid (1995 eur) but order "
             f"{num} is paid\n")
    contains(p.stdout, f"\norder {oid} was paid by sessions ")
    # An id handed out whose row is gone is a finding of its own.
    last = last_order_id()
    sql("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'orders'")
    p = ctl("audit", "--local")
    eq(p.returncode, 1, p.stdout)
    contains(p.stdout, f"\norders handed out: {last + 1}\norders missing: "
             "1\n")
    contains(p.stdout, "\nfindings: 1\n")
    contains(p.stdout, f"\norders: id {last + 1} was handed out but its row "
             "is missing\n")


shoptest.run()
