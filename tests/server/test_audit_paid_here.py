"""`shopctl audit` in the shop's direction: every order paid here in the
window has a paid session at the gateway for the same amount. An order
marked paid by a forged payment (a signed event the gateway never sent,
a hand-edited row) is found, and so is a payment whose amount differs
from the session's; orders placed before the window are not looked at.
The audit also shows what audit_log recorded in its window, which is
history and not a finding.

Orders are placed through the real checkout behind lighttpd and paid at
the test gateway, whose webhooks reach the shop."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
SAME = {"Sec-Fetch-Site": "same-origin"}

D = fx.datadir()
pf.pricing(D)
PORT = shoptest.free_port()
GW = Gateway(webhook_url=f"http://127.0.0.1:{PORT}/webhooks/stripe").start()
SRV = shoptest.Lighttpd(D, port=PORT, env=GW.shop_env()).start()


def sql(query, params=()):
    return shoptest.sql(D, query, params)


def ctl(*args):
    return shoptest.shopctl(*args, data_dir=D, env=GW.shop_env(),
                            check=False)


def place():
    """An order through the real checkout: (id, number, session id)."""
    c = SRV.client()
    status(c.post("/cart/items", {"variant_id": fx.HAT, "quantity": 1},
                  headers=SAME), 303)
    r = c.post("/checkout", {"email": "ann@example.test", "name": "Ann",
                             "line1": "1 Rue X", "city": "Paris",
                             "postcode": "75001", "country": "FR",
                             "shipping": "standard"},
               headers={**SAME, **JSON})
    status(r, 201)
    o = r.json()["order"]
    return o["id"], o["number"], r.json()["payment_url"].rsplit("/", 1)[1], c


def paid_order():
    oid, num, sid, c = place()
    GW.pay(sid)
    # The success page answers the browser that placed the order only.
    c.get(f"/checkout/success?session_id={sid}")
    eq(sql("SELECT state FROM orders WHERE id = ?", (oid,)), [("paid",)])
    return oid, num, sid


def counts(out):
    return {k: int(v) for k, v in
            re.findall(r"^([a-z_ ,()]+): (\d+)$", out, re.M)}


@test
def sound_books_both_directions():
    paid_order()
    paid_order()
    p = ctl("audit")
    eq(p.returncode, 0, p.stdout + p.stderr)
    n = counts(p.stdout)
    eq((n["paid orders"], n["paid sessions at the gateway"],
        n["paid here, not at the gateway"],
        n["paid here, another amount there"], n["findings"]),
       (2, 2, 0, 0, 0), p.stdout)


@test
def bad_amount_paid_here_differs_from_the_session():
    oid, num, sid = paid_order()
    total, = sql("SELECT total FROM orders WHERE id = ?", (oid,))[0]
    # The order and its payment raised together: the books still add up.
    sql("UPDATE orders SET shipping = shipping + 100, total = total + 100, "
        "amount_paid = amount_paid + 100 WHERE id = ?", (oid,))
    sql("UPDATE payments SET amount = amount + 100 WHERE order_id = ?",
        (oid,))
    p = ctl("audit")
    eq(p.returncode, 1, p.stdout + p.stderr)
    n = counts(p.stdout)
    # The invoice, issued for the total that was paid, tells too.
    eq((n["totals not matching lines"], n["payments not matching totals"],
        n["paid here, another amount there"],
        n["invoices and credit notes not matching"], n["findings"]),
       (0, 0, 1, 1, 2), p.stdout)
    contains(p.stdout, f"\norder {num} is paid {total + 100} EUR here but "
             f"its session {sid} was paid {total} eur at the gateway\n")
    contains(p.stdout, f" is for order {num}, {total} EUR, but the order "
             f"({num}) is {total + 100} EUR\n")
    sql("UPDATE payments SET amount = amount - 100 WHERE order_id = ?",
        (oid,))
    sql("UPDATE orders SET shipping = shipping - 100, total = total - 100, "
        "amount_paid = amount_paid - 100 WHERE id = ?", (oid,))
    eq(ctl("audit").returncode, 0)


@test
def recorded_audit_log_shown_in_its_window():
    oid, num, _ = paid_order()
    # What the earlier tests' webhooks recorded (a delivery the gateway
    # retries can land while a test has changed a total) is not this
    # test's: it counts its own rows only.
    sql("DELETE FROM audit_log")
    sql("INSERT INTO audit_log (kind, order_id, actor, detail, created_at) "
        "VALUES ('amount_mismatch', ?, 'webhook', 'session cs_x paid 1 EUR, "
        "the order is 1995 EUR; not applied', strftime('%Y-%m-%dT%H:%M:%SZ',"
        " 'now', '-1 hours'))", (oid,))
    sql("INSERT INTO audit_log (kind, order_id, actor, detail, created_at) "
        "VALUES ('unknown_order', NULL, 'webhook', 'long ago', "
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-20 days'))")
    when, = sql("SELECT created_at FROM audit_log WHERE kind = "
                "'amount_mismatch'")[0]
    p = ctl("audit")
    # History, not findings: the books are sound.
    eq(p.returncode, 0, p.stdout + p.stderr)
    eq(counts(p.stdout)["recorded in audit_log"], 1, p.stdout)
    contains(p.stdout, f"\nrecorded in audit_log:\n{when} amount_mismatch "
             f"order {num} (webhook): session cs_x paid 1 EUR, the order "
             "is 1995 EUR; not applied\n")
    lacks(p.stdout, "long ago")
    p = ctl("audit", "--local", "--hours", "1000")
    contains(p.stdout, "\nrecorded in audit_log: 2\n")
    contains(p.stdout, "unknown_order (webhook): long ago\n")


# Last: the forged payment stays.
@test
def bad_order_marked_paid_without_payment_at_the_gateway():
    oid, num, sid, _ = place()
    total, = sql("SELECT total FROM orders WHERE id = ?", (oid,))[0]
    # What a forged, validly signed event would leave: a paid order with
    # a payment row of the right amount, for a session never paid.
    sql("UPDATE orders SET state = 'paid', amount_paid = total, "
        "stock_held = 0, session_id = 'cs_forged_1' WHERE id = ?", (oid,))
    sql("INSERT INTO payments (order_id, session_id, amount, currency, "
        "source) VALUES (?, 'cs_forged_1', ?, 'EUR', 'webhook')",
        (oid, total))
    p = ctl("audit")
    eq(p.returncode, 1, p.stdout + p.stderr)
    n = counts(p.stdout)
    # The payments alone look right: the gateway's side tells, and so
    # does the invoice the order lacks (a payment applied here issues one).
    eq((n["paid without a payment"], n["payments not matching totals"],
        n["lost paid orders"], n["paid here, not at the gateway"],
        n["paid or refunded without a document"], n["findings"]),
       (0, 0, 0, 1, 1, 2), p.stdout)
    contains(p.stdout, f"\norder {num} is paid here by session cs_forged_1, "
             "which the gateway does not report paid\n")
    contains(p.stdout, f"\norder {num} is paid but has no invoice\n")
    p = ctl("audit", "--local")
    eq(p.returncode, 1, p.stdout)
    eq(counts(p.stdout)["findings"], 1, p.stdout)
    lacks(p.stdout, "not at the gateway")
    # Placed before the window: not looked at.
    sql("UPDATE orders SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
        "'now', '-3 hours') WHERE id = ?", (oid,))
    p = ctl("audit", "--hours", "2")
    eq(counts(p.stdout)["paid here, not at the gateway"], 0, p.stdout)
    p = ctl("audit", "--hours", "4")
    eq(counts(p.stdout)["paid here, not at the gateway"], 1, p.stdout)


if __name__ == "__main__":
    shoptest.run()
