"""shopctl orders: listing, showing, and shipping a paid order, which
moves it to fulfilled and mails the customer through the outbox and the
worker; every refusal with its exit status and nothing written.

Orders are placed by tests/lib/payfixture.py and paid by a signed webhook
through the real webhooks program."""

import email
import email.policy
import glob
import os
import secrets
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, shopctl, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
ENV = {
    "STRIPE_WEBHOOK_SECRET": SECRET,
    "STRIPE_SECRET_KEY": "sk_test_unused",
    "STRIPE_API_BASE": "http://127.0.0.1:9",
}
BASE = "http://127.0.0.1:8080"


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def paid_order(d, lines):
    o = pf.pending_order(d, lines, session_id=pf.new_session_id())
    body = pf.event("checkout.session.completed", pf.session(o))
    r = shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                     headers=pf.signed(SECRET, body), env=ENV, data_dir=d)
    status(r, 200)
    eq(r.json(), {"ok": True, "outcome": "applied"})
    return o


def ctl(d, *args):
    return shopctl(*args, data_dir=d, check=False,
                   env={"SHOP_BASE_URL": BASE})


def written(d):
    """What shipping may write: order states, events, outbox rows."""
    return (shoptest.sql(d, "SELECT id, state FROM orders ORDER BY id"),
            shoptest.sql(d, "SELECT count(*) FROM order_events"),
            shoptest.sql(d, "SELECT count(*) FROM outbox"))


def mails(d):
    shoptest.worker_once(d, {"SHOP_BASE_URL": BASE})
    out = []
    for p in glob.glob(os.path.join(d, "mail", "*.eml")):
        with open(p, "rb") as f:
            out.append(email.message_from_binary_file(
                f, policy=email.policy.default))
    return out


@test
def list_and_show():
    d = datadir()
    paid = paid_order(d, [(fx.HAT, 2)])
    pending = pf.pending_order(d, [(fx.HAT, 1)], email="bob@example.test")
    p = ctl(d, "orders")
    eq(p.returncode, 0, p.stderr)
    rows = p.stdout.splitlines()
    eq(rows[0].split(), ["number", "state", "total", "placed", "(UTC)",
                         "email"])
    # Newest first.
    eq([r.split()[:3] for r in rows[1:]],
       [[pending["number"], "pending_payment", "€19.95"],
        [paid["number"], "paid", "€34.95"]])
    contains(rows[2], "ann@example.test")
    # Totals end under their heading, counted in characters.
    eq(rows[1].index("€19.95") + 6, rows[0].index("total") + 5)
    p = ctl(d, "orders", "list", "--state", "paid")
    eq(p.returncode, 0, p.stderr)
    eq([r.split()[0] for r in p.stdout.splitlines()[1:]], [paid["number"]])
    p = ctl(d, "orders", "--state", "refunded")
    eq((p.returncode, p.stdout), (0, "no refunded orders\n"))
    p = ctl(d, "orders", "list", "--limit", "1")
    eq(len(p.stdout.splitlines()), 2)

    p = ctl(d, "orders", "show", paid["number"])
    eq(p.returncode, 0, p.stderr)
    out = p.stdout
    contains(out, f"order {paid['number']}: Paid\n")
    contains(out, "email: ann@example.test\n")
    contains(out, "  2 x Wool hat")
    contains(out, "€30.00\n")
    contains(out, "total: €34.95\n")
    contains(out, "paid: €34.95 on ")
    contains(out, "ship to: Ann Lee, 1 Rue X, 75001 Paris, FR\n")
    contains(out, f"payment: session {paid['session_id']} (attempt 1)")
    contains(out, "(new) -> pending_payment  by checkout: order placed")
    contains(out, "pending_payment -> paid  by webhook")


@test
def bad_list_and_show_arguments():
    d = datadir()
    for args, code, said in (
            (("orders", "--state", "lost"), 2,
             'no order state is called "lost"'),
            (("orders", "--limit", "0"), 2, "--limit takes a number"),
            (("orders", "--limit", "12x"), 2, "--limit takes a number"),
            (("orders", "list", "extra"), 2, 'unexpected argument "extra"'),
            (("orders", "show"), 2, "usage: shopctl orders"),
            (("orders", "show", "SF-999999"), 1,
             "no order is numbered SF-999999"),
            (("orders", "burn"), 2, 'no such command "burn"')):
        p = ctl(d, *args)
        eq(p.returncode, code, f"{args}: {p.stdout}{p.stderr}")
        contains(p.stderr, said, str(args))


@test
def shipping_a_paid_order_mails_the_customer_once():
    d = datadir()
    o = paid_order(d, [(fx.HAT, 1)])
    eq(len(mails(d)), 1)        # the order confirmation
    p = ctl(d, "orders", "ship", o["number"], "--carrier", "La Poste",
            "--tracking", "8X12345", "--url",
            "https://track.example/8X12345")
    eq(p.returncode, 0, p.stderr)
    eq(p.stdout, f"order {o['number']} shipped; the customer is mailed at "
       "ann@example.test\n")
    eq(shoptest.sql(d, "SELECT state FROM orders WHERE id = ?", (o["id"],)),
       [("fulfilled",)])
    eq(shoptest.sql(d, "SELECT from_state, to_state, source, cause, ref "
                    "FROM order_events WHERE order_id = ? ORDER BY id DESC "
                    "LIMIT 1", (o["id"],)),
       [("paid", "fulfilled", "admin", "shipped by La Poste, tracking "
         "8X12345", "8X12345")])
    # The order's live channel hears of it too.
    eq(shoptest.sql(d, "SELECT count(*) FROM outbox WHERE target = "
                    "'message' AND name = ? AND payload LIKE "
                    "'%\"fulfilled\"%'", (f"order:{o['id']}",)), [(1,)])
    sent = [m for m in mails(d) if "on its way" in m["Subject"]]
    eq(len(sent), 1, [m["Subject"] for m in mails(d)])
    m = sent[0]
    eq(m["To"], "Ann Lee <ann@example.test>")
    text = m.get_body(("plain",)).get_content()
    contains(text, f"Your order {o['number']} has been sent.")
    contains(text, "Carrier: La Poste\n")
    contains(text, "Tracking number: 8X12345\n")
    contains(text, "Track it here: https://track.example/8X12345\n")
    contains(text, f"{BASE}/orders/{o['token']}")
    html = m.get_body(("html",)).get_content()
    contains(html, "https://track.example/8X12345")

    # Again: nothing more happens.
    before = written(d)
    p = ctl(d, "orders", "ship", o["number"])
    eq((p.returncode, p.stdout), (0, f"order {o['number']} was shipped "
                                     "already\n"))
    eq(written(d), before)
    eq(len([m for m in mails(d) if "on its way" in m["Subject"]]), 1)

    # The customer's order page says so.
    r = shoptest.cgi("checkout", f"/orders/{o['token']}", data_dir=d,
                     env=ENV)
    status(r, 200)
    contains(r.text, 'Status: <strong data-live-field="label">Shipped'
             '</strong>')
    lacks(r.text, "Place order and pay")


@test
def only_a_paid_order_is_shipped():
    d = datadir()
    pending = pf.pending_order(d, [(fx.HAT, 1)])
    before = written(d)
    p = ctl(d, "orders", "ship", pending["number"])
    eq(p.returncode, 1, p.stdout)
    contains(p.stderr, f"order {pending['number']} is Awaiting payment: only "
             "a paid order can be shipped")
    for args, code, said in (
            (("orders", "ship", "SF-424242"), 1,
             "no order is numbered SF-424242"),
            (("orders", "ship"), 2, "usage: shopctl orders"),
            (("orders", "ship", pending["number"], "--url",
              "javascript:alert(1)"), 2,
             "--url takes an http or https address"),
            (("orders", "ship", pending["number"], "--carrier", ""), 2,
             "--carrier takes one line of text"),
            (("orders", "ship", pending["number"], "--tracking",
              "a\nb"), 2, "--tracking takes one line of text"),
            (("orders", "ship", pending["number"], "--carrier",
              "x" * 201), 2, "at most 200 bytes")):
        p = ctl(d, *args)
        eq(p.returncode, code, f"{args}: {p.stdout}{p.stderr}")
        contains(p.stderr, said, str(args))
    eq(written(d), before)


if __name__ == "__main__":
    shoptest.run()
