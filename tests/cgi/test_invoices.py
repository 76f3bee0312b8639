"""Invoices and credit notes (lib/shop/invoice.c) as the customer and the
back office see them: GET /orders/{token}/invoice and
/orders/{token}/credit-notes/{n} (checkout), /admin/orders/{number}/invoice
and /credit-notes/{n} (admin), each linked from its order's page; the
seller of the settings at issue, the buyer, the lines, the tax per rate
and the totals; an invoice and a credit note after a partial refund
through the real test gateway; the sequences proven by shopctl audit,
and a gap or a changed total written by SQL found by it. The bad-*
cases: no invoice before payment, unknown tokens and numbers, a
customer in the back office."""

import os
import secrets
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402
from gateway import Gateway  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
SELLER = {"SHOP_SELLER_NAME": "Chapeaux & Co SARL",
          "SHOP_SELLER_ADDRESS": r"12 rue des Lilas\n69001 Lyon\nFrance",
          "SHOP_SELLER_VAT": "FR40123456789"}
HOOK_ENV = {"STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_SECRET_KEY": "sk_test_unused",
            "STRIPE_API_BASE": "http://127.0.0.1:9", **SELLER}
SAME = {"Sec-Fetch-Site": "same-origin"}
YEAR = time.gmtime().tm_year
_gw = []


def gateway():
    if not _gw:
        _gw.append(Gateway().start())
    return _gw[0]


def gw_env():
    return {**gateway().shop_env(), "SHOP_LOG_LEVEL": "error", **SELLER}


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def sql(d, q, p=()):
    return shoptest.sql(d, q, p)


def webhook_paid(d, o, s):
    body = pf.event("checkout.session.completed", s)
    status(shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                        headers=pf.signed(SECRET, body), env=HOOK_ENV,
                        data_dir=d), 200)


def paid_order(d, lines=((fx.HAT, 2),), country="FR"):
    """An order paid by a signed webhook (a made-up payment intent)."""
    o = pf.pending_order(d, list(lines), country=country,
                         session_id=pf.new_session_id())
    webhook_paid(d, o, pf.session(o))
    return o


def gateway_paid_order(d, lines=((fx.HAT, 2),)):
    """An order paid at the real test gateway, its event applied, so the
    back office can refund it there."""
    gw = gateway()
    o = pf.pending_order(d, list(lines))
    items = [(l["product_name"], l["unit_price"], l["quantity"])
             for l in o["lines"]]
    if o["shipping"]:
        items.append(("Shipping", o["shipping"], 1))
    s = gw.create_session(order_id=o["id"], items=items, metadata={
        "order_id": str(o["id"]), "order_token": o["token"],
        "order_number": o["number"]})
    sql(d, "UPDATE orders SET payment_attempt = 1, session_id = ?, "
        "session_url = ? WHERE id = ?", (s["id"], s["url"], o["id"]))
    gw.pay(s["id"])
    webhook_paid(d, o, gw.api("GET", f"/v1/checkout/sessions/{s['id']}"))
    return o


def page(d, path, json=False):
    return shoptest.cgi("checkout", path, data_dir=d, headers={
        "Accept": "application/json"} if json else None)


def audit(d, check=False):
    return shoptest.shopctl("audit", "--local", data_dir=d, check=check)


# ------------------------------------------------------------ invoices

@test
def invoice_page_after_payment():
    d = datadir()
    o = paid_order(d)
    eq((o["total"], o["tax"]), (3495, 583))
    number = f"INV-{YEAR}-000001"
    eq(sql(d, "SELECT number, order_id, seller_name, seller_address, "
           "seller_vat, buyer_name, buyer_email, total FROM invoices"),
       [(number, o["id"], "Chapeaux & Co SARL",
         "12 rue des Lilas\n69001 Lyon\nFrance", "FR40123456789", "Ann Lee",
         "ann@example.test", 3495)])
    r = page(d, f"/orders/{o['token']}/invoice")
    status(r, 200)
    eq(r.header("Cache-Control"), "no-store")
    contains(r.text, f"<title>Invoice {number}")
    contains(r.text, f'<h1 id="page-title">Invoice {number}</h1>')
    contains(r.text, "<address>Chapeaux &amp; Co SARL<br>12 rue des Lilas"
             "<br>69001 Lyon<br>France<br></address>")
    contains(r.text, "<p>VAT number: FR40123456789</p>")
    contains(r.text, "<address>Ann Lee<br>1 Rue X<br>75001 Paris<br>FR<br>"
             "ann@example.test</address>")
    contains(r.text, '<tr><th scope="row">Wool hat <span class="sku">HAT'
             '</span></th><td class="num">€15.00</td><td class="num">2</td>'
             '<td class="num">20%</td><td class="num">€5.00</td>'
             '<td class="num">€30.00</td></tr>')
    contains(r.text, '<tr><th scope="row">Shipping: Standard (3-5 days)'
             '</th><td class="num">€4.95</td><td class="num">1</td>'
             '<td class="num">20%</td><td class="num">€0.83</td>'
             '<td class="num">€4.95</td></tr>')
    contains(r.text, '<tr><th scope="row">VAT</th><td class="num">20%</td>'
             '<td class="num">€29.12</td><td class="num">€5.83</td></tr>')
    contains(r.text, '<tr class="total"><th scope="row">Total</th>'
             '<td class="num">€34.95</td></tr>')
    contains(r.text, f'<a href="/orders/{o["token"]}">Back to the order</a>')
    # The same as JSON.
    j = page(d, f"/orders/{o['token']}/invoice", json=True).json()
    v = j["doc"]
    eq((v["kind"], v["number"], v["order_number"], v["total"], v["tax"],
        v["net"], v["tax_inclusive"], v["currency"]),
       ("invoice", number, o["number"], 3495, 583, 2912, True, "EUR"))
    eq([(t["name"], t["rate_bp"], t["base"], t["tax"]) for t in v["taxes"]],
       [("VAT", 2000, 2912, 583)])
    eq([(l["position"], l["description"], l["quantity"], l["amount"],
         l["tax"]) for l in v["lines"]],
       [(1, "Wool hat", 2, 3000, 500),
        (2, "Shipping: Standard (3-5 days)", 1, 495, 83)])
    eq(v["seller"]["address"], [{"line": "12 rue des Lilas"},
                                {"line": "69001 Lyon"}, {"line": "France"}])
    # Linked from the order's page.
    r = page(d, f"/orders/{o['token']}")
    contains(r.text, f'<p class="order-documents"><a href="/orders/'
             f'{o["token"]}/invoice">Invoice {number}</a></p>')
    # The next paid order takes the next number; tax added in the US.
    o2 = paid_order(d, [(fx.HAT, 1)], country="US")
    eq(sql(d, "SELECT number, tax_inclusive, subtotal, shipping, tax, "
           "total FROM invoices WHERE order_id = ?", (o2["id"],)),
       [(f"INV-{YEAR}-000002", 0, 1500, 495, o2["tax"], o2["total"])])
    eq(o2["total"], 1500 + 495 + o2["tax"])


@test
def the_seller_is_kept_as_it_was_at_issue():
    """A snapshot: settings changed later do not change an invoice."""
    d = datadir()
    o = paid_order(d)
    r = shoptest.cgi("checkout", f"/orders/{o['token']}/invoice", data_dir=d,
                     env={"SHOP_SELLER_NAME": "Someone Else"})
    contains(r.text, "<address>Chapeaux &amp; Co SARL<br>")
    lacks(r.text, "Someone Else")
    p = shoptest.shopctl("orders", "show", o["number"], data_dir=d)
    eq(p.returncode, 0)
    eq(sql(d, "SELECT seller_name FROM invoices"), [("Chapeaux & Co SARL",)])


@test
def bad_no_invoice_before_payment_nor_for_others():
    d = datadir()
    o = pf.pending_order(d, [(fx.HAT, 1)])
    status(page(d, f"/orders/{o['token']}/invoice"), 404)
    r = page(d, f"/orders/{o['token']}")
    lacks(r.text, "order-documents")
    paid = paid_order(d)
    for path in ("/orders/" + "A" * 32 + "/invoice",
                 f"/orders/{paid['token']}/credit-notes/1",
                 f"/orders/{paid['token']}/credit-notes/0",
                 f"/orders/{paid['token']}/credit-notes/abc",
                 f"/orders/{paid['token']}/credit-notes/1234567",
                 f"/orders/{paid['token']}/invoice/",
                 f"/orders/{paid['token'][:-1]}/invoice"):
        status(page(d, path), 404)
    r = shoptest.cgi("checkout", f"/orders/{paid['token']}/invoice", "POST",
                     data_dir=d, headers=SAME)
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD")
    eq(sql(d, "SELECT count(*) FROM invoices"), [(1,)])


# ------------------------------------------------------ credit notes

@test
def an_invoice_and_a_credit_note_after_a_partial_refund():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = gateway_paid_order(d, [(fx.HAT, 3)])        # 3 x 15.00 + 4.95
    eq(o["total"], 4995)
    inv = f"INV-{YEAR}-000001"
    # One hat back, by its line.
    (line_id,), = sql(d, "SELECT id FROM order_lines WHERE order_id = ?",
                      (o["id"],))
    r = af.admin(d, f"/admin/orders/{o['number']}/refund", "POST",
                 cookie=cookie, body={f"line_{line_id}": "1"}, json=True,
                 env=gw_env(), headers=SAME)
    status(r, 200)
    eq((r.json()["refund"]["amount"], r.json()["order"]["state"]),
       (1500, "partially_refunded"))
    (rid,), = sql(d, "SELECT id FROM refunds")
    cn = f"CN-{YEAR}-000001"
    eq(sql(d, "SELECT number, refund_id, ordinal, invoice_id, total, tax "
           "FROM credit_notes"), [(cn, rid, 1, 1, 1500, 250)])
    # The customer's "refund issued" mail links it.
    eq(sql(d, "SELECT json_extract(payload, '$.data.credit_note_url') FROM "
           "outbox WHERE unique_key = ?", (f"mail:refund-issued:{rid}",)),
       [(f"/orders/{o['token']}/credit-notes/1",)])
    r = page(d, f"/orders/{o['token']}/credit-notes/1")
    status(r, 200)
    contains(r.text, f'<h1 id="page-title">Credit note {cn}</h1>')
    contains(r.text, f"<dt>Corrects invoice</dt><dd>{inv}</dd>")
    contains(r.text, '<tr><th scope="row">Wool hat</th><td class="num">1</td>'
             '<td class="num">20%</td><td class="num">€2.50</td>'
             '<td class="num">€15.00</td></tr>')
    contains(r.text, '<tr class="total"><th scope="row">Refunded</th>'
             '<td class="num">€15.00</td></tr>')
    contains(r.text, "<p>VAT number: FR40123456789</p>")
    # The invoice is as it was issued.
    j = page(d, f"/orders/{o['token']}/invoice", json=True).json()
    eq((j["doc"]["number"], j["doc"]["total"]), (inv, 4995))
    # Then an amount: a second credit note, its own number.
    r = af.admin(d, f"/admin/orders/{o['number']}/refund", "POST",
                 cookie=cookie, body={"amount": "6.00"}, json=True,
                 env=gw_env(), headers=SAME)
    status(r, 200)
    j = page(d, f"/orders/{o['token']}/credit-notes/2", json=True).json()
    eq((j["doc"]["number"], j["doc"]["ordinal"], j["doc"]["total"],
        j["doc"]["tax"], j["doc"]["invoice_number"]),
       (f"CN-{YEAR}-000002", 2, 600, 100, inv))
    eq([(l["description"], l["amount"], l["tax"]) for l in j["doc"]["lines"]],
       [(f"Refund on order {o['number']}", 600, 100)])
    # The order's page lists them all.
    r = page(d, f"/orders/{o['token']}")
    contains(r.text, f'<a href="/orders/{o["token"]}/invoice">Invoice {inv}'
             f'</a> · <a href="/orders/{o["token"]}/credit-notes/1">Credit '
             f'note {cn}</a> · <a href="/orders/{o["token"]}/credit-notes/2">'
             f'Credit note CN-{YEAR}-000002</a>')
    # And the back office's.
    r = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie)
    contains(r.text, f'<li><a href="/admin/orders/{o["number"]}/invoice">'
             f'Invoice {inv}</a>')
    contains(r.text, f'<li><a href="/admin/orders/{o["number"]}/credit-notes'
             f'/1">Credit note {cn}</a>')
    r = af.admin(d, f"/admin/orders/{o['number']}/credit-notes/1",
                 cookie=cookie)
    status(r, 200)
    contains(r.text, f'<h1 id="page-title">Credit note {cn}</h1>')
    r = af.admin(d, f"/admin/orders/{o['number']}/invoice", cookie=cookie)
    status(r, 200)
    contains(r.text, f'<h1 id="page-title">Invoice {inv}</h1>')
    contains(r.text, f'<a href="/admin/orders/{o["number"]}">Order '
             f'{o["number"]}</a>')
    p = audit(d)
    eq(p.returncode, 0, p.stdout)
    contains(p.stdout, "\ninvoices issued: 1\ncredit notes issued: 2\n")


@test
def bad_back_office_documents():
    d = datadir()
    o = paid_order(d)
    customer = af.signed_in(d, None)
    staff = af.signed_in(d, "staff")
    r = af.admin(d, f"/admin/orders/{o['number']}/invoice", cookie=customer)
    status(r, 403)
    r = af.admin(d, f"/admin/orders/{o['number']}/invoice")
    eq(r.status, 303)
    for path in (f"/admin/orders/{o['number']}/credit-notes/1",
                 "/admin/orders/SF-999999/invoice",
                 f"/admin/orders/{o['number']}/credit-notes/0"):
        status(af.admin(d, path, cookie=staff), 404)
    pending = pf.pending_order(d, [(fx.HAT, 1)])
    status(af.admin(d, f"/admin/orders/{pending['number']}/invoice",
                    cookie=staff), 404)


# ---------------------------------------------------------- the audit

@test
def sequences_proven_by_the_audit():
    d = datadir()
    for _ in range(3):
        paid_order(d, [(fx.HAT, 1)])
    p = audit(d)
    eq(p.returncode, 0, p.stdout)
    contains(p.stdout, "\ninvoices issued: 3\ncredit notes issued: 0\n"
             "invoice and credit note numbers missing: 0\n"
             "invoices and credit notes not matching: 0\n"
             "paid or refunded without a document: 0\nfindings: 0\n")
    eq([r[0] for r in sql(d, "SELECT number FROM invoices ORDER BY id")],
       [f"INV-{YEAR}-{n:06d}" for n in (1, 2, 3)])


@test
def bad_a_gap_written_by_sql_fails_the_audit():
    d = datadir()
    orders = [paid_order(d, [(fx.HAT, 1)]) for _ in range(3)]
    # The schema refuses it...
    try:
        sql(d, "DELETE FROM invoices WHERE seq = 2")
    except Exception as e:
        contains(str(e), "an invoice is never deleted")
    else:
        raise AssertionError("an invoice was deleted")
    # ...so only a hand that drops the triggers first can.
    sql(d, "DROP TRIGGER invoices_no_delete")
    sql(d, "DROP TRIGGER invoice_lines_no_delete")
    sql(d, "DELETE FROM invoice_lines WHERE invoice_id = 2")
    sql(d, "DELETE FROM invoices WHERE id = 2")
    p = audit(d)
    eq(p.returncode, 1)
    contains(p.stdout, "\ninvoice and credit note numbers missing: 2\n"
             "invoices and credit notes not matching: 0\n"
             "paid or refunded without a document: 1\nfindings: 3\n")
    contains(p.stdout, f"\ninvoices of {YEAR}: INV-{YEAR}-000002 is missing "
             "(2 issued, numbered up to 3)\n"
             "invoices: 1 row id(s) handed out but their rows are gone\n"
             f"order {orders[1]['number']} is paid but has no invoice\n")


@test
def bad_a_changed_total_fails_the_audit():
    d = datadir()
    o = paid_order(d, [(fx.HAT, 1)])
    try:
        sql(d, "UPDATE invoices SET total = 1")
    except Exception as e:
        contains(str(e), "an invoice is never changed once issued")
    else:
        raise AssertionError("an invoice was changed")
    sql(d, "DROP TRIGGER invoices_no_update")
    sql(d, "UPDATE invoices SET total = total - 100, tax = tax - 1")
    p = audit(d)
    eq(p.returncode, 1)
    contains(p.stdout, "\ninvoices and credit notes not matching: 2\n")
    contains(p.stdout, f"invoice INV-{YEAR}-000001 is for order "
             f"{o['number']}, 1895 EUR, but the order ({o['number']}) is "
             "1995 EUR\n")
    contains(p.stdout, f"invoice INV-{YEAR}-000001 does not add up: lines "
             "1995 for subtotal and shipping 1995, tax 333 of lines for "
             "332, or a total that is not their sum\n")


shoptest.run()
