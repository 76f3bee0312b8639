"""The mails around an order, each queued through the outbox in the write
that causes it and written by the worker (shop-worker -1, mail to
<data>/mail/) with a text and an HTML part: the confirmation linking
the invoice; the merchant's new order (SHOP_ORDER_NOTIFY); the order
cancelled; low stock at a variant's threshold (set in the back office),
once per crossing; and the
reminder of an unpaid order still within its payment window after
SHOP_REMINDER_AFTER, once, with its pay link, the time moved with the
test clock (SHOP_TEST_CLOCK) instead of waiting. The bad-* cases: no
merchant address (nothing sent, nothing failed), the reminder off, too
early, or for an order whose window has ended."""

import email
import email.policy
import glob
import os
import secrets
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
HOOK_ENV = {"STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_SECRET_KEY": "sk_test_unused",
            "STRIPE_API_BASE": "http://127.0.0.1:9"}
MERCHANT = "orders@shop.example"
BASE = "http://127.0.0.1:8080"
SAME = {"Sec-Fetch-Site": "same-origin"}
WORKER_ENV = {"SHOP_BASE_URL": BASE, "SHOP_NAME": "Hat Shop",
              "SHOP_ORDER_NOTIFY": MERCHANT}


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def sql(d, q, p=()):
    return shoptest.sql(d, q, p)


def hook(d, body):
    status(shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                        headers=pf.signed(SECRET, body), env=HOOK_ENV,
                        data_dir=d), 200)


def paid_order(d, lines=((fx.HAT, 2),)):
    o = pf.pending_order(d, list(lines), session_id=pf.new_session_id())
    hook(d, pf.event("checkout.session.completed", pf.session(o)))
    return o


def mails(d, env=None):
    """Run the worker, then every message in <data>/mail/ by recipient:
    {address: [message, ...]}, oldest first."""
    e = {k: v for k, v in {**WORKER_ENV, **(env or {})}.items()
         if v is not None}
    if "SHOP_ORDER_NOTIFY" not in e:
        e["SHOP_ORDER_NOTIFY"] = ""     # unset: empty is unset
    shoptest.worker_once(d, e)
    out = {}
    for p in sorted(glob.glob(os.path.join(d, "mail", "*.eml")),
                    key=os.path.getmtime):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        out.setdefault(m["To"].addresses[0].addr_spec, []).append(m)
    return out


def parts(m):
    """The text and the HTML of a message, both required."""
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert text is not None and html is not None, m
    return text.get_content(), html.get_content()


def failed_jobs(d):
    return shoptest.sql(d, "SELECT count(*) FROM failed_jobs",
                        db="queue.db")[0][0]


def clock(d, seconds):
    """The test clock's file, seconds ahead of real time."""
    path = os.path.join(d, "testclock")
    with open(path, "w") as f:
        f.write(str(seconds))
    return path


@test
def new_order_to_the_merchant_and_invoice_linked():
    d = datadir()
    o = paid_order(d)
    got = mails(d)
    eq(sorted(got), ["ann@example.test", MERCHANT])
    (m,), (c,) = got[MERCHANT], got["ann@example.test"]
    eq(m["Subject"], f"New order {o['number']}: €34.95")
    text, html = parts(m)
    contains(text, f"A new order is paid: {o['number']}, €34.95,\nfrom Ann "
             "Lee <ann@example.test>.")
    contains(text, "  2 x Wool hat  €30.00\n")
    contains(text, f"In the back office:\n{BASE}/admin/orders/{o['number']}\n")
    contains(html, f'<a href="{BASE}/admin/orders/{o["number"]}">The order '
             'in the back office</a>')
    # The customer's confirmation links the invoice.
    text, html = parts(c)
    contains(text, f"Your invoice:\n{BASE}/orders/{o['token']}/invoice\n")
    contains(html, f'<a href="{BASE}/orders/{o["token"]}/invoice">Your '
             'invoice</a>')
    eq(failed_jobs(d), 0)
    # Once: the same payment again mails nobody.
    hook(d, pf.event("checkout.session.completed", pf.session(
        o, payment_intent=sql(d, "SELECT payment_intent FROM orders")[0][0])))
    eq(sum(len(v) for v in mails(d).values()), 2)


@test
def bad_no_merchant_address_sends_nothing_and_fails_nothing():
    d = datadir()
    paid_order(d)
    got = mails(d, {"SHOP_ORDER_NOTIFY": None})
    eq(sorted(got), ["ann@example.test"])
    eq(failed_jobs(d), 0)
    # The merchant's job ran and is done, its mail not sent.
    eq(shoptest.sql(d, "SELECT count(*) FROM jobs WHERE kind = 'send_mail' "
                    "AND json_extract(payload, '$.merchant') = 1",
                    db="queue.db"), [(1,)])


@test
def bad_a_merchant_address_that_is_not_one_stops_the_worker():
    d = datadir()
    try:
        shoptest.worker_once(d, {"SHOP_ORDER_NOTIFY": "a@b.example, c@d"})
    except AssertionError as e:
        contains(str(e), "SHOP_ORDER_NOTIFY must be one address")
    else:
        raise AssertionError("the worker started")


@test
def order_cancelled():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    hook(d, pf.event("checkout.session.expired", pf.session(
        o, status="expired", payment_status="unpaid")))
    eq(sql(d, "SELECT state FROM orders")[0][0], "cancelled")
    (m,) = mails(d)["ann@example.test"]
    eq(m["Subject"], f"Order {o['number']} is cancelled")
    text, html = parts(m)
    contains(text, f"Your order {o['number']} (€19.95) is cancelled: it was "
             "not paid in time.")
    contains(html, "Nothing was charged for it, and the items it held are "
             "back on sale.")
    contains(text, f"Your order: {BASE}/orders/{o['token']}\n")


@test
def low_stock_to_the_merchant_once():
    d = datadir()
    sql(d, "UPDATE variants SET low_stock_threshold = 96 WHERE id = ?",
        (fx.HAT,))
    pf.pending_order(d, [(fx.HAT, 2)])          # 100 -> 98
    eq(mails(d), {})
    pf.pending_order(d, [(fx.HAT, 3)])          # 98 -> 95: crossed
    pf.pending_order(d, [(fx.HAT, 1)])          # 95 -> 94: still below
    (m,) = mails(d)[MERCHANT]
    eq(m["Subject"], "Low stock: Wool hat, 95 left")
    text, html = parts(m)
    contains(text, "Wool hat, SKU HAT,\nhas 95 left for sale, at or below its "
             "threshold of 96.")
    contains(html, f'<a href="{BASE}/admin/variants/{fx.HAT}">Its stock in '
             'the back office</a>')
    # Restocked past it, then down again: a new mail.
    sql(d, "UPDATE variants SET stock = 100 WHERE id = ?", (fx.HAT,))
    pf.pending_order(d, [(fx.HAT, 10)])
    eq(len(mails(d)[MERCHANT]), 2)
    # A variant without a threshold never mails.
    pf.pending_order(d, [(fx.SHIRT_M, 5)])      # 5 -> 0
    eq(len(mails(d)[MERCHANT]), 2)


@test
def low_stock_threshold_set_in_the_back_office():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    r = af.admin(d, f"/admin/variants/{fx.HAT}", cookie=cookie)
    status(r, 200)
    contains(r.text, f'<form action="/admin/variants/{fx.HAT}/low-stock" '
             'method="post" novalidate>')
    contains(r.text, 'name="threshold"')
    r = af.admin(d, f"/admin/variants/{fx.HAT}/low-stock", "POST",
                 cookie=cookie, body={"threshold": "99"}, headers=SAME)
    status(r, 303)
    eq(r.header("Location"), f"/admin/variants/{fx.HAT}?done=low_stock")
    eq(sql(d, "SELECT low_stock_threshold FROM variants WHERE id = ?",
           (fx.HAT,)), [(99,)])
    eq(sql(d, "SELECT action, object_id, before, after FROM admin_log"),
       [("variant.low_stock", fx.HAT, '{"low_stock_threshold":0}',
         '{"low_stock_threshold":99}')])
    r = af.admin(d, f"/admin/variants/{fx.HAT}", cookie=cookie, json=True)
    eq(r.json()["variant"]["low_stock_threshold"], 99)
    pf.pending_order(d, [(fx.HAT, 1)])          # 100 -> 99
    eq(len(mails(d)[MERCHANT]), 1)


@test
def bad_low_stock_thresholds_are_refused():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    for v in ("", "-1", "1.5", "ten", "1000000001"):
        r = af.admin(d, f"/admin/variants/{fx.HAT}/low-stock", "POST",
                     cookie=cookie, body={"threshold": v}, headers=SAME,
                     json=True)
        status(r, 422)
        eq(list(r.json()["errors"]), ["threshold"])
    r = af.admin(d, "/admin/variants/999/low-stock", "POST", cookie=cookie,
                 body={"threshold": "3"}, headers=SAME)
    status(r, 404)
    r = af.admin(d, f"/admin/variants/{fx.HAT}/low-stock", "POST",
                 cookie=af.signed_in(d, None), body={"threshold": "3"},
                 headers=SAME)
    status(r, 403)
    eq(sql(d, "SELECT count(*) FROM variants WHERE low_stock_threshold "
           "!= 0"), [(0,)])
    eq(sql(d, "SELECT count(*) FROM admin_log"), [(0,)])


def remind(d, ahead, env=None):
    """Queue the remind_unpaid task now and run the worker with the clock
    ahead seconds; the mails after."""
    e = {"SHOP_TEST_CLOCK": clock(d, ahead), **(env or {})}
    shoptest.shopctl("jobs", "enqueue", "remind_unpaid", data_dir=d, env=e)
    return mails(d, e)


@test
def abandoned_checkout_reminded_once():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)], hold=7200)
    eq(remind(d, 60), {})                       # too early
    got = remind(d, 3601)
    (m,) = got["ann@example.test"]
    eq(m["Subject"], f"Order {o['number']} is waiting for your payment")
    text, html = parts(m)
    contains(text, f"Your order {o['number']} (€19.95) is not paid yet.")
    contains(text, f"\n{BASE}/orders/{o['token']}\n")
    contains(html, f'<a href="{BASE}/orders/{o["token"]}">Pay for your '
             'order</a>')
    eq(sql(d, "SELECT reminded_at IS NOT NULL FROM orders")[0][0], 1)
    # Once.
    eq(len(remind(d, 3900)["ann@example.test"]), 1)
    eq(failed_jobs(d), 0)


@test
def default_reminder_within_the_default_payment_window():
    # The default waits an hour, or half the payment window when that is
    # shorter: with the 31-minute window, 930 s, in time to pay.
    d = datadir()
    pf.pending_order(d, [(fx.HAT, 1)], hold=1860)
    eq(remind(d, 900, {"SHOP_PAYMENT_WINDOW": "1860"}), {})
    got = remind(d, 931, {"SHOP_PAYMENT_WINDOW": "1860"})
    eq(len(got["ann@example.test"]), 1)
    # A window of two hours or more: the hour.
    d = datadir()
    pf.pending_order(d, [(fx.HAT, 1)], hold=7200)
    eq(remind(d, 3540, {"SHOP_PAYMENT_WINDOW": "7200"}), {})
    eq(len(remind(d, 3601, {"SHOP_PAYMENT_WINDOW": "7200"})
           ["ann@example.test"]), 1)


@test
def bad_reminder_off_or_out_of_the_window():
    d = datadir()
    pf.pending_order(d, [(fx.HAT, 1)], hold=7200)
    eq(remind(d, 3601, {"SHOP_REMINDER_AFTER": "off"}), {})
    # The window of this one ends before the hour: never reminded.
    d = datadir()
    pf.pending_order(d, [(fx.HAT, 1)], hold=1800)
    eq(remind(d, 3601), {})
    # A shorter wait, in seconds; a paid order is not reminded.
    d = datadir()
    o = paid_order(d)
    eq(sorted(remind(d, 700, {"SHOP_REMINDER_AFTER": "600"})),
       ["ann@example.test", MERCHANT])
    for m in mails(d)["ann@example.test"]:
        lacks(m["Subject"], "waiting for your payment")
    eq(sql(d, "SELECT reminded_at FROM orders WHERE id = ?", (o["id"],)),
       [(None,)])
    try:
        shoptest.worker_once(d, {"SHOP_REMINDER_AFTER": "soon"})
    except AssertionError as e:
        contains(str(e), "SHOP_REMINDER_AFTER must be 0 to 604800 seconds")
    else:
        raise AssertionError("the worker started")


shoptest.run()
