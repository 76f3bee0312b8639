"""The webhooks program as CGI: Stripe events signed here in Python with
the endpoint's secret, each type's effect on orders, duplicates and events
out of order, unknown types and unknown orders, amounts that disagree,
and every way a request can be refused with nothing written.

Orders are inserted by tests/lib/payfixture.py as order_create() leaves
them. Every CGI run here also runs under valgrind and ASan: the file
keeps to a few dozen of them."""

import fcntl
import json
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
ENV = {
    "STRIPE_WEBHOOK_SECRET": SECRET,
    "STRIPE_SECRET_KEY": "sk_test_unused",
    # Nothing here calls the gateway: a port where nothing listens.
    "STRIPE_API_BASE": "http://127.0.0.1:9",
}
COMPLETED = "checkout.session.completed"
HAT_STOCK = 100     # shopfixture: variant 3


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def hook(d, body, headers=None, method="POST", env=None):
    """POST body to /webhooks/stripe, signed now unless headers are given."""
    h = pf.signed(SECRET, body) if headers is None else headers
    return shoptest.cgi("webhooks", "/webhooks/stripe", method, body=body,
                        headers=h, env={**ENV, **(env or {})}, data_dir=d)


def ok(r, outcome):
    status(r, 200)
    eq(r.json(), {"ok": True, "outcome": outcome})
    eq(r.header("Content-Type"), "application/json")
    eq(r.header("Cache-Control"), "no-store")


def refused(r, code, error):
    status(r, code)
    eq(r.json(), {"ok": False, "error": error})


def q(d, query, params=()):
    return shoptest.sql(d, query, params)


def one(d, query, params=()):
    rows = q(d, query, params)
    eq(len(rows), 1, query)
    return rows[0]


def state(d, oid):
    return one(d, "SELECT state FROM orders WHERE id = ?", (oid,))[0]


def stock(d, vid=fx.HAT):
    return one(d, "SELECT stock FROM variants WHERE id = ?", (vid,))[0]


def events(d):
    """Stored webhook events: (event_id, type, session_id, order_id,
    outcome)."""
    return q(d, "SELECT event_id, type, session_id, order_id, outcome "
             "FROM payment_events ORDER BY id")


def moves(d, oid):
    return q(d, "SELECT from_state, to_state, source, cause, ref FROM "
             "order_events WHERE order_id = ? ORDER BY id", (oid,))


def audit(d):
    return q(d, "SELECT kind, order_id, actor, detail FROM audit_log "
             "ORDER BY id")


def counts(d):
    """Every table a webhook may write, and the stock."""
    return {t: q(d, f"SELECT count(*) FROM {t}")[0][0] for t in
            ("payment_events", "payments", "orders", "order_events",
             "audit_log", "outbox")} | {"stock": stock(d)}


def paid_order(d, lines=((fx.HAT, 1),)):
    """An order paid by a webhook; returns it with its payment intent."""
    o = pf.pending_order(d, list(lines), session_id=pf.new_session_id())
    s = pf.session(o)
    ok(hook(d, pf.event(COMPLETED, s)), "applied")
    o["payment_intent"] = s["payment_intent"]
    return o


# ------------------------------------------------------------ good events

@test
def completed_paid_marks_the_order_paid_once():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 2)], session_id=pf.new_session_id())
    eq(o["total"], 3495)        # 3000 + 495 shipping, VAT included
    eq(stock(d), HAT_STOCK - 2)
    s = pf.session(o)
    body = pf.event(COMPLETED, s)
    ev = pf.event_id(body)
    ok(hook(d, body), "applied")

    eq(one(d, "SELECT state, amount_paid, payment_intent, paid_at IS NOT "
           "NULL, stock_held FROM orders WHERE id = ?", (o["id"],)),
       ("paid", 3495, s["payment_intent"], 1, 1))
    eq(q(d, "SELECT order_id, session_id, payment_intent, amount, currency, "
         "amount_refunded, source FROM payments"),
       [(o["id"], o["session_id"], s["payment_intent"], 3495, "EUR", 0,
         "webhook")])
    eq(moves(d, o["id"]), [
        (None, "pending_payment", "checkout", "order placed, stock reserved",
         None),
        ("pending_payment", "paid", "webhook",
         "payment of 3495 EUR received", ev)])
    eq(events(d), [(ev, COMPLETED, o["session_id"], o["id"], "applied")])
    # The raw event, byte for byte.
    eq(one(d, "SELECT payload FROM payment_events")[0], body.decode())
    # The confirmation mail is queued in the same write, once, and the
    # merchant's.
    eq(q(d, "SELECT name, sub, unique_key FROM outbox WHERE target = "
         "'job' ORDER BY id"), [
        ("send_mail", "mail", f"mail:order-confirmation:{o['id']}"),
        ("send_mail", "mail", f"mail:order-new:{o['id']}")])
    mail = json.loads(one(d, "SELECT payload FROM outbox WHERE target = "
                          "'job' AND unique_key LIKE 'mail:order-conf%'")[0])
    eq((mail["to"], mail["template"], mail["data"]["number"],
        mail["data"]["total"], mail["data"]["invoice_url"]),
       ("ann@example.test", "order_confirmation", o["number"], "€34.95",
        f"/orders/{o['token']}/invoice"))
    eq(q(d, "SELECT name, payload FROM outbox WHERE target = 'message' "
         "AND name = ?", (f"order:{o['id']}",)),
       [(f"order:{o['id']}", '{"state":"paid","label":"Paid"}')])
    eq(stock(d), HAT_STOCK - 2)         # sold: the hold stays taken
    eq(audit(d), [])

    # The same delivery again: acknowledged, nothing written.
    before = counts(d)
    ok(hook(d, body), "duplicate")
    eq(counts(d), before)
    # Another event saying the same (a second delivery path): stored,
    # nothing moves twice.
    body2 = pf.event(COMPLETED, s)
    ok(hook(d, body2), "already")
    eq(events(d)[1], (pf.event_id(body2), COMPLETED, o["session_id"],
                      o["id"], "already"))
    eq(counts(d), before | {"payment_events": 2})


@test
def async_payment_waits_then_succeeds():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    before = one(d, "SELECT reserved_until FROM orders")[0]
    # Completed, money on its way: the order waits and its stock is held
    # for the days such payments take.
    ok(hook(d, pf.event(COMPLETED, pf.session(
        o, payment_status="unpaid"))), "applied")
    st, until = one(d, "SELECT state, reserved_until FROM orders")
    eq(st, "pending_payment")
    if not (until > before and
            abs(until - (time.time() + 3 * 24 * 3600)) < 120):
        raise AssertionError(f"hold until {until}, want about 3 days")
    eq(stock(d), HAT_STOCK - 1)
    body = pf.event("checkout.session.async_payment_succeeded",
                    pf.session(o))
    ok(hook(d, body), "applied")
    eq(state(d, o["id"]), "paid")
    eq(moves(d, o["id"])[-1], ("pending_payment", "paid", "webhook",
                               "payment of 1995 EUR received",
                               pf.event_id(body)))
    eq([e[4] for e in events(d)], ["applied", "applied"])


@test
def async_payment_failure_cancels_and_releases_stock():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 3), (fx.SHIRT_M, 1)],
                         session_id=pf.new_session_id())
    eq((stock(d), stock(d, fx.SHIRT_M)), (HAT_STOCK - 3, 4))
    body = pf.event("checkout.session.async_payment_failed",
                    pf.session(o, payment_status="unpaid"))
    ok(hook(d, body), "applied")
    eq(one(d, "SELECT state, stock_held, amount_paid FROM orders"),
       ("cancelled", 0, 0))
    eq((stock(d), stock(d, fx.SHIRT_M)), (HAT_STOCK, 5))
    eq(moves(d, o["id"])[-1], ("pending_payment", "cancelled", "webhook",
                               "the payment failed", pf.event_id(body)))
    eq(q(d, "SELECT count(*) FROM payments"), [(0,)])


@test
def expired_session_releases_stock_once():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 4)], session_id=pf.new_session_id())
    s = pf.session(o, status="expired", payment_status="unpaid")
    body = pf.event("checkout.session.expired", s)
    ok(hook(d, body), "applied")
    eq(one(d, "SELECT state, stock_held FROM orders"), ("cancelled", 0))
    eq(stock(d), HAT_STOCK)
    eq(moves(d, o["id"])[-1], ("pending_payment", "cancelled", "webhook",
                               "the time to pay ended", pf.event_id(body)))
    # Told again under another event id: the stock is not given twice.
    ok(hook(d, pf.event("checkout.session.expired", s)), "already")
    eq(stock(d), HAT_STOCK)
    eq(len(moves(d, o["id"])), 2)


@test
def expiry_of_an_older_attempt_changes_nothing():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    # A session of an earlier attempt, found by the order's metadata.
    old = pf.session(o, session_id=pf.new_session_id(), status="expired",
                     payment_status="unpaid")
    ok(hook(d, pf.event("checkout.session.expired", old)), "ignored")
    eq(one(d, "SELECT state, stock_held FROM orders"),
       ("pending_payment", 1))
    eq(stock(d), HAT_STOCK - 1)


@test
def out_of_order_events():
    d = datadir()
    # Expired after completed: the paid order stays paid, stock sold.
    a = paid_order(d)
    ok(hook(d, pf.event("checkout.session.expired", pf.session(
        a, status="expired", payment_status="unpaid"))), "ignored")
    eq(state(d, a["id"]), "paid")
    eq(stock(d), HAT_STOCK - 1)
    eq(len(moves(d, a["id"])), 2)

    # Completed after expired: the money is real, so the cancelled order
    # is paid after all, its stock taken again, and it is raised.
    b = pf.pending_order(d, [(fx.HAT, 2)], session_id=pf.new_session_id())
    ok(hook(d, pf.event("checkout.session.expired", pf.session(
        b, status="expired", payment_status="unpaid"))), "applied")
    eq(stock(d), HAT_STOCK - 1)
    ok(hook(d, pf.event(COMPLETED, pf.session(b))), "applied")
    eq(one(d, "SELECT state, stock_held FROM orders WHERE id = ?",
           (b["id"],)), ("paid", 1))
    eq(stock(d), HAT_STOCK - 3)
    eq([m[:3] for m in moves(d, b["id"])], [
        (None, "pending_payment", "checkout"),
        ("pending_payment", "cancelled", "webhook"),
        ("cancelled", "paid", "webhook")])
    eq(audit(d), [("paid_after_cancel", b["id"], "webhook",
                   f"order {b['number']} was cancelled, then paid by "
                   f"session {b['session_id']}")])


@test
def refunds_move_forward_only():
    d = datadir()
    o = paid_order(d)                   # 1995
    pi = o["payment_intent"]
    refund = "charge.refunded"
    b1 = pf.event(refund, pf.charge(pi, 1995, 500))
    ok(hook(d, b1), "applied")
    eq(one(d, "SELECT state, amount_refunded FROM orders"),
       ("partially_refunded", 500))
    eq(one(d, "SELECT amount_refunded FROM payments"), (500,))
    eq(moves(d, o["id"])[-1], ("paid", "partially_refunded", "webhook",
                               "500 of 1995 EUR refunded",
                               pf.event_id(b1)))
    # An older total arriving late moves nothing.
    ok(hook(d, pf.event(refund, pf.charge(pi, 1995, 300))), "already")
    # More than was paid: raised, not applied.
    ok(hook(d, pf.event(refund, pf.charge(pi, 1995, 2500))), "mismatch")
    eq(one(d, "SELECT state, amount_refunded FROM orders"),
       ("partially_refunded", 500))
    eq(audit(d), [("amount_mismatch", o["id"], "webhook",
                   "refund total 2500 exceeds the 1995 paid")])
    ok(hook(d, pf.event(refund, pf.charge(pi, 1995, 1995))), "applied")
    eq(one(d, "SELECT state, amount_refunded FROM orders"),
       ("refunded", 1995))
    eq([e[2] for e in events(d)[1:]], [None] * 4)   # charges: no session
    eq([e[4] for e in events(d)], ["applied", "applied", "already",
                                   "mismatch", "applied"])


# ------------------------------------------------------------ raised

@test
def refund_before_payment_is_stored_and_raised():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    body = pf.event("charge.refunded", pf.charge("pi_unseen", 1995, 1995))
    ok(hook(d, body), "unknown_order")
    eq(events(d), [(pf.event_id(body), "charge.refunded", None, None,
                    "unknown_order")])
    eq(state(d, o["id"]), "pending_payment")
    eq(audit(d), [("unknown_order", None, "webhook", "refund of 1995 on "
                   "payment pi_unseen matches no paid order")])
    p = shoptest.shopctl("audit", "--local", data_dir=d, check=False)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stdout, "\nevents matching no order: 1\n")
    contains(p.stdout, "\nfindings: 1\n")
    contains(p.stdout, f"event {pf.event_id(body)} (charge.refunded, "
             "session ) matches no order\n")


@test
def unknown_type_is_stored_and_ignored():
    d = datadir()
    before = counts(d)
    body = pf.event("customer.created", {"id": "cus_123",
                                         "object": "customer"})
    ok(hook(d, body), "ignored")
    eq(events(d), [(pf.event_id(body), "customer.created", None, None,
                    "ignored")])
    eq(counts(d), before | {"payment_events": 1})


@test
def event_for_unknown_order_is_stored_and_audited():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    s = pf.session(metadata={"order_id": "999", "order_token": "x" * 32},
                   amount=1995)
    body = pf.event(COMPLETED, s)
    ok(hook(d, body), "unknown_order")
    eq(events(d), [(pf.event_id(body), COMPLETED, s["id"], None,
                    "unknown_order")])
    eq(audit(d), [("unknown_order", 999, "webhook", f"payment for session "
                   f"{s['id']} (metadata order 999) matches no order")])
    # The right order id with another order's token is not that order.
    forged = pf.session(o, session_id=pf.new_session_id(), token="y" * 32)
    ok(hook(d, pf.event(COMPLETED, forged)), "unknown_order")
    eq(state(d, o["id"]), "pending_payment")
    eq(q(d, "SELECT count(*) FROM payments"), [(0,)])
    p = shoptest.shopctl("audit", "--local", data_dir=d, check=False)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stdout, "\nevents matching no order: 2\n")
    contains(p.stdout, "\nfindings: 2\n")
    contains(p.stdout, f"event {pf.event_id(body)} ({COMPLETED}, session "
             f"{s['id']}) matches no order\n")


@test
def amounts_that_disagree_are_raised_not_paid():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    ok(hook(d, pf.event(COMPLETED, pf.session(o, amount=1994))),
       "mismatch")
    ok(hook(d, pf.event(COMPLETED, pf.session(o, currency="usd"))),
       "mismatch")
    eq(one(d, "SELECT state, amount_paid, paid_at FROM orders"),
       ("pending_payment", 0, None))
    eq(q(d, "SELECT count(*) FROM payments"), [(0,)])
    eq(len(moves(d, o["id"])), 1)
    sid, n = o["session_id"], o["number"]
    eq(audit(d), [
        ("amount_mismatch", o["id"], "webhook", f"session {sid} says 1994 "
         f"eur, order {n} is 1995 EUR; not marked paid"),
        ("amount_mismatch", o["id"], "webhook", f"session {sid} says 1995 "
         f"usd, order {n} is 1995 EUR; not marked paid")])
    eq([e[3:] for e in events(d)], [(o["id"], "mismatch")] * 2)


@test
def second_payment_for_a_paid_order_is_refused():
    d = datadir()
    o = paid_order(d)
    other = pf.session(o, session_id=pf.new_session_id())
    ok(hook(d, pf.event(COMPLETED, other)), "ignored")
    eq(q(d, "SELECT session_id, amount FROM payments"),
       [(o["session_id"], 1995)])
    eq(one(d, "SELECT state, session_id FROM orders"),
       ("paid", o["session_id"]))
    eq(audit(d), [("double_payment", o["id"], "webhook",
                   f"session {other['id']} paid order {o['number']}, which "
                   f"session {o['session_id']} had already paid: refund one "
                   f"of them")])


# ------------------------------------------------------------ signatures

@test
def bad_requests_are_refused_with_nothing_written():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    body = pf.event(COMPLETED, pf.session(o))
    now = int(time.time())
    good = pf.signed(SECRET, body)
    before = counts(d)
    mismatch = "signature: no signature matches the payload"
    malformed = "signature: malformed or missing Stripe-Signature header"
    cases = [
        ("forged", body, {**good, "Stripe-Signature":
                          f"t={now},v1={secrets.token_hex(32)}"}, mismatch),
        ("wrong secret", body, pf.signed("whsec_other", body), mismatch),
        ("old", body, pf.signed(SECRET, body, t=now - 301 - 60),
         "signature: timestamp outside the tolerance"),
        ("future", body, pf.signed(SECRET, body, t=now + 400),
         "signature: timestamp outside the tolerance"),
        ("truncated", body[:-20], good, mismatch),
        ("missing header", body, {"Content-Type": "application/json"},
         malformed),
        ("unsigned", body, {**good, "Stripe-Signature": f"t={now}"},
         "signature: no v1 signature in the Stripe-Signature header"),
        ("v0 only", body, {**good, "Stripe-Signature": good[
            "Stripe-Signature"].replace("v1=", "v0=")},
         "signature: no v1 signature in the Stripe-Signature header"),
        ("garbage header", body, {**good, "Stripe-Signature": "sha256=abc"},
         malformed),
        ("signed, not JSON", b"not json at all",
         pf.signed(SECRET, b"not json at all"), "not a Stripe event"),
        ("signed, not an event", b'{"id":"evt_1"}',
         pf.signed(SECRET, b'{"id":"evt_1"}'), "not a Stripe event"),
    ]
    for what, b, h, err in cases:
        r = hook(d, b, headers=h)
        try:
            refused(r, 400, err)
        except AssertionError as e:
            raise AssertionError(f"{what}: {e}") from None
        eq(counts(d), before, what)
    # A signed event sent as a form is not what Stripe sends.
    r = hook(d, body, headers={**good, "Content-Type":
                               "application/x-www-form-urlencoded"})
    refused(r, 415, "events are sent as application/json")
    eq(counts(d), before, "content type")
    r = hook(d, b"", headers={}, method="GET")
    status(r, 405)
    eq(r.header("Allow"), "POST")
    eq(counts(d), before, "GET")
    eq(state(d, o["id"]), "pending_payment")


@test
def any_v1_of_a_rotated_secret_within_tolerance_is_accepted():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    body = pf.event(COMPLETED, pf.session(o))
    t = int(time.time()) - 200
    # The old secret's signature first, the current one second.
    h = pf.signed("whsec_retired", body, t=t)
    h["Stripe-Signature"] += ",v1=" + pf.stripe_signature(SECRET, t, body)
    ok(hook(d, body, headers=h), "applied")
    eq(state(d, o["id"]), "paid")


@test
def unconfigured_endpoint_refuses():
    d = datadir()
    before = counts(d)
    body = pf.event("customer.created", {"id": "cus_1", "object": "customer"})
    r = hook(d, body, env={"STRIPE_WEBHOOK_SECRET": None})
    refused(r, 503, "payments are not configured")
    eq(counts(d), before)


# ------------------------------------------------------------ commit

@test
def failed_write_answers_500_and_stores_nothing():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    # The order's move fails after the event and the payment were
    # written: all of it must roll back, and the gateway must be told to
    # send it again.
    q(d, "CREATE TRIGGER test_fail BEFORE INSERT ON order_events BEGIN "
      "SELECT RAISE(ABORT, 'disk full (test)'); END")
    before = counts(d)
    body = pf.event(COMPLETED, pf.session(o))
    refused(hook(d, body), 500, "not applied; send it again")
    eq(counts(d), before)
    eq(one(d, "SELECT state, amount_paid FROM orders"),
       ("pending_payment", 0))
    # Sent again once the database is well: applied, not a duplicate.
    q(d, "DROP TRIGGER test_fail")
    ok(hook(d, body), "applied")
    eq(state(d, o["id"]), "paid")


@test
def write_lock_timeout_answers_503_and_stores_nothing():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    before = counts(d)
    body = pf.event(COMPLETED, pf.session(o))
    # Another writer holds the shop's write lock past the 5 s timeout.
    with open(os.path.join(d, "shop.db.lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        t0 = time.monotonic()
        r = hook(d, body)
        waited = time.monotonic() - t0
    refused(r, 503, "busy; send it again")
    if waited < 4.5:
        raise AssertionError(f"answered after {waited:.1f}s, before the "
                             f"lock timeout")
    eq(counts(d), before)
    eq(state(d, o["id"]), "pending_payment")


shoptest.run()
