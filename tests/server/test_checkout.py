"""Checkout behind a real lighttpd, paying at the test gateway, driven with
a cookie jar as a browser would and with JSON as a script would: the page
and its amounts, placing an order, paying it, the success and order
pages, repeated posts, and every way it can go wrong: an emptied or
changed cart, a sold-out item, a gateway that fails or is slow, a paid
order paid again, a declined card, bad tokens and links, cross-site
posts and wrong methods."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
import signups  # noqa: E402
from gateway import CARD_ASYNC_OK, CARD_DECLINED, Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
ASYNC_DELAY_MS = 2500
CONFIRMING = ("We are waiting for the payment service to confirm your "
              "payment. This can take a few seconds, and the status above "
              "changes by itself. You do not need to pay again.")
CANCELLED_NOTICE = ("You left the payment page without paying. Your order "
                    "is kept for a while: you can pay for it below.")
SAVED = ("is saved, but the payment service could not be reached. Nothing "
         "has been charged. Please try again in a moment with the button "
         "below.")
PAID_ALREADY = "This order is paid already; it cannot be paid again."

_data = fx.datadir()
pf.pricing(_data)
_port = shoptest.free_port()
gw = Gateway(webhook_url=f"http://127.0.0.1:{_port}/webhooks/stripe",
             env={"GATEWAY_ASYNC_DELAY_MS": str(ASYNC_DELAY_MS)}).start()
srv = shoptest.Lighttpd(_data, port=_port, env={
    **gw.shop_env(), "SHOP_INSECURE_FAST_PWHASH": "1",
    "SHOP_MAIL_FROM": "shop@shop.example"}).start()


def sql(query, params=()):
    return shoptest.sql(_data, query, params)


def browser():
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{_port}"}
    return c


def post(c, path, fields=None, headers=None):
    return c.post(path, fields if fields is not None else {},
                  headers={**c.same, **(headers or {})})


def add(c, vid, qty):
    status(post(c, "/cart/items", {"variant_id": vid, "quantity": qty}), 303)


def hidden(text, name):
    m = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">',
                  text)
    if m is None:
        raise AssertionError(f"no hidden {name} in the page")
    return m.group(1)


def summary(text):
    """The checkout page's summary, from its heading to its end."""
    i = text.index('<h2 id="summary-title">Summary</h2>')
    return text[i:text.index("</aside>", i)]


def page(c, query=""):
    """GET /checkout: the response and its form's key and total."""
    r = c.get("/checkout" + ("?" + query if query else ""))
    status(r, 200)
    return r, hidden(r.text, "checkout_key"), hidden(r.text, "total")


ADDRESS = {"email": "ann@example.test", "name": "Ann Lee",
           "line1": "1 Rue X", "line2": "", "city": "Paris",
           "postcode": "75001", "country": "FR", "shipping": "standard"}


def place(c, key, total, headers=JSON, **over):
    return post(c, "/checkout", {**ADDRESS, "checkout_key": key,
                                 "total": total, **over}, headers=headers)


def new_order(vid=fx.HAT, qty=1, **over):
    """A browser that placed an order (JSON); the browser and the answer."""
    c = browser()
    add(c, vid, qty)
    _, key, total = page(c)
    r = place(c, key, total, **over)
    status(r, 201)
    return c, r.json()


def session_id(url):
    m = re.fullmatch(re.escape(gw.base_url) + r"/c/pay/(cs_test_\w+)", url)
    if m is None:
        raise AssertionError(f"not a payment page: {url}")
    return m.group(1)


def orders():
    return sql("SELECT count(*) FROM orders")[0][0]


def order_row(token):
    return sql("SELECT id, state, session_id, payment_attempt FROM orders "
               "WHERE token = ?", (token,))[0]


def stock(vid=fx.HAT):
    return sql("SELECT stock FROM variants WHERE id = ?", (vid,))[0][0]


def sessions_of(oid):
    """The gateway's sessions for an order id, newest first."""
    got = gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]
    return [s for s in got if s["client_reference_id"] == str(oid)]


def wait_state(token, want, timeout=10):
    end = time.monotonic() + timeout
    while True:
        st = order_row(token)[1]
        if st == want:
            return
        if time.monotonic() > end:
            raise AssertionError(f"order {token} is {st}, want {want}: "
                                 f"{gw.deliveries()[-3:]}")
        time.sleep(0.05)


def order_section(text):
    i = text.index('<section class="order"')
    return text[i:text.index("</section>", i)]


PAY_FORM = 'method="post" class="pay-again">'


# ------------------------------------------------------------ the page

@test
def guest_checkout_page_states_amounts_and_tax():
    c = browser()
    add(c, fx.HAT, 1)
    r, key, total = page(c)
    eq(r.header("Cache-Control"), "no-store")
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", key):
        raise AssertionError(f"checkout key {key!r}")
    eq(total, "1995")
    contains(r.text, '<input type="email" id="f-email" name="email" '
             'value="" required maxlength="254" autocomplete="email" '
             'aria-describedby="f-email-hint">')
    lacks(r.text, 'name="address_id"')
    contains(r.text, '<option value="FR" selected>France</option>')
    contains(r.text, '<input type="radio" id="ship-standard" '
             'name="shipping" value="standard" checked required>')
    contains(r.text, '<span class="choice-price">€4.95</span> <span '
             'class="hint">free from €50.00</span>')
    contains(r.text, '<button type="submit" class="button button-large">'
             'Place order and pay <span data-quote="total_formatted">€19.95'
             '</span></button>')
    eq(summary(r.text), """<h2 id="summary-title">Summary</h2>
<table>
<caption class="visually-hidden">What you are ordering</caption>
<tbody>
<tr><th scope="row">Wool hat × 1</th><td class="num">€15.00</td></tr>
</tbody>
<tfoot>
<tr><th scope="row">Subtotal</th><td class="num" data-quote="subtotal_formatted">€15.00</td></tr>
<tr class="discount" data-quote-if="has_discount" hidden><th scope="row">Discount <span data-quote="discount_code"></span> (<span data-quote="discount_label"></span>)</th><td class="num">−<span data-quote="discount_formatted"></span></td></tr>
<tr><th scope="row">Shipping<span data-quote-if="free_shipping" hidden> (free with <span data-quote="discount_code"></span>)</span></th><td class="num" data-quote="shipping_formatted">€4.95</td></tr>
<tr data-quote-if="tax_added" hidden><th scope="row"><span data-quote="tax_name">VAT</span> (<span data-quote="tax_rate">20%</span>, added)</th><td class="num" data-quote="tax_formatted">€3.33</td></tr>
<tr class="total"><th scope="row">Total</th><td class="num" data-quote="total_formatted">€19.95</td></tr>
</tfoot>
</table>
<p class="hint" data-quote-if="tax_included">Prices include <span data-quote="tax_name">VAT</span> at <span data-quote="tax_rate">20%</span>: <span data-quote="tax_formatted">€3.33</span> of the total.</p>
<p class="hint" data-quote-if="tax_added" hidden><span data-quote="tax_name">VAT</span> at <span data-quote="tax_rate">20%</span> is added to the prices shown in the shop.</p>
<p class="hint" data-quote-if="no_tax" hidden>No tax applies to orders shipped there.</p>

<p><a href="/cart">Change the cart</a></p>
""")
    # The same summary, folded above the form for small screens.
    contains(r.text, '<details class="summary-mobile">\n<summary><span '
             'class="summary-mobile-label">Order summary</span> <span '
             'class="summary-mobile-total" data-quote="total_formatted">'
             '€19.95</span></summary>')
    contains(r.text, '<script src="/static/checkout.js" defer></script>')
    # Exclusive tax (US), added to the prices and named on its line.
    r, key2, total = page(c, "country=US&shipping=standard")
    eq((key2 == key, total), (False, "2160"))
    s = summary(r.text)
    contains(s, '<tr data-quote-if="tax_added"><th scope="row"><span '
             'data-quote="tax_name">Sales tax</span> (<span data-quote="'
             'tax_rate">8.25%</span>, added)</th><td class="num" '
             'data-quote="tax_formatted">€1.65</td></tr>')
    contains(s, '<tr class="total"><th scope="row">Total</th>'
             '<td class="num" data-quote="total_formatted">€21.60</td></tr>')
    contains(s, '<p class="hint" data-quote-if="tax_added"><span data-quote='
             '"tax_name">Sales tax</span> at <span data-quote="tax_rate">'
             '8.25%</span> is added to the prices shown in the shop.</p>')
    contains(s, '<p class="hint" data-quote-if="tax_included" hidden>')
    # No rate for the country: no tax, and the page says so.
    r, _, total = page(c, "country=JP&shipping=express")
    eq(total, "2790")
    contains(summary(r.text), '<th scope="row">Shipping<span '
             'data-quote-if="free_shipping" hidden> (free with <span '
             'data-quote="discount_code"></span>)</span></th><td class="num" data-quote="shipping_formatted">€12.90</td>'
             '</tr>')
    contains(summary(r.text), '<p class="hint" data-quote-if="no_tax">No '
             'tax applies to orders shipped there.</p>')
    # JSON: every amount in minor units.
    r = c.get("/checkout?country=US", headers=JSON)
    status(r, 200)
    qt = r.json()["quote"]
    eq({k: qt[k] for k in ("currency", "subtotal", "shipping", "tax",
                           "total", "tax_inclusive", "tax_rate")},
       {"currency": "EUR", "subtotal": 1500, "shipping": 495, "tax": 165,
        "total": 2160, "tax_inclusive": False, "tax_rate": "8.25%"})
    r = c.request("HEAD", "/checkout")
    status(r, 200)
    eq(r.body, b"")


@test
def standard_shipping_is_free_from_the_threshold():
    c = browser()
    add(c, fx.SHIRT_M, 2)               # 2 x 25.00 = 50.00
    r, _, total = page(c)
    eq(total, "5000")
    s = summary(r.text)
    contains(s, '(free with <span data-quote="discount_code"></span>)'
             '</span></th><td class="num" data-quote="shipping_formatted">'
             'Free</td></tr>')
    contains(s, '<span data-quote="tax_formatted">€8.33</span> of the '
             'total.</p>')
    # Express is never free.
    eq(page(c, "shipping=express")[2], "6290")


@test
def customer_checkout_is_prefilled_with_saved_addresses():
    c = browser()
    status(post(c, "/account/signup", {"name": "Cy", "email":
                                       "cy@example.test", "password":
                                       "correct horse"}), 303)
    # The sign-up's mail has the link that makes the account.
    status(signups.confirm_client(c, _data, "cy@example.test",
                                  headers=c.same), 303)
    uid = sql("SELECT id FROM users WHERE email = 'cy@example.test'")[0][0]
    now = int(time.time())
    sql("INSERT INTO addresses (user_id, name, line1, city, postcode, "
        "country, is_default, created_at) VALUES (?, 'Cy Home', "
        "'2 Elm St', 'Boston', '02101', 'US', 0, ?), (?, 'Cy Work', "
        "'5 Quai Y', 'Lyon', '69001', 'FR', 1, ?)", (uid, now, uid, now))
    home, work = [r[0] for r in sql("SELECT id FROM addresses WHERE "
                                    "user_id = ? ORDER BY id", (uid,))]
    add(c, fx.HAT, 1)
    r, _, total = page(c)
    contains(r.text, 'name="email" value="cy@example.test"')
    contains(r.text, 'name="name" value="Cy Work"')
    contains(r.text, 'name="city" value="Lyon"')
    # The default address is filled in, and chosen in the list.
    contains(r.text, f'<option value="">Another address</option>\n'
             f'<option value="{work}" selected>Cy Work, 5 Quai Y, 69001 '
             f'Lyon</option>\n<option value="{home}">Cy Home, 2 Elm St, '
             f'02101 Boston</option>\n</select>')
    eq(total, "1995")
    # Choosing the other one fills it in, country and tax with it.
    r, _, total = page(c, f"address_id={home}")
    contains(r.text, 'name="line1" value="2 Elm St"')
    contains(r.text, f'<option value="{home}" selected>Cy Home,')
    lacks(r.text, f'<option value="{work}" selected>')
    contains(r.text, '<option value="US" selected>United States</option>')
    eq(total, "2160")
    # "Another address", typed in and sent back by the button that
    # updates the summary: it stays, and so does its country.
    t, _, other = page(c, "address_id=&name=Cy+Away&line1=9+Calle+Mayor&"
                       "city=Madrid&postcode=28013&country=ES&"
                       "shipping=standard")
    contains(t.text, 'name="name" value="Cy Away"')
    contains(t.text, 'name="line1" value="9 Calle Mayor"')
    contains(t.text, 'name="city" value="Madrid"')
    contains(t.text, '<option value="ES" selected>Spain</option>')
    lacks(t.text, " selected>Cy ")
    # An address typed without the list (a JSON client) stays too.
    t, _, other2 = page(c, "name=Cy+Away&line1=9+Calle+Mayor&city=Madrid&"
                        "postcode=28013&country=ES&shipping=standard")
    contains(t.text, 'name="line1" value="9 Calle Mayor"')
    contains(t.text, '<option value="ES" selected>Spain</option>')
    eq(other2, other)
    r = place(c, hidden(r.text, "checkout_key"), total, email=
              "cy@example.test", name="Cy Home", line1="2 Elm St",
              city="Boston", postcode="02101", country="US")
    status(r, 201)
    o = r.json()["order"]
    eq((o["total"], o["tax"], o["address"]["city"]), (2160, 165, "Boston"))
    eq(sql("SELECT user_id FROM orders WHERE token = ?", (o["token"],)),
       [(uid,)])


# ------------------------------------------------------------ paying

@test
def guest_places_pays_and_sees_the_paid_order():
    c = browser()
    add(c, fx.HAT, 2)
    before, n = stock(), orders()
    _, key, total = page(c)
    eq(total, "3495")
    r = place(c, key, total)
    status(r, 201)
    j = r.json()
    o = j["order"]
    eq((j["ok"], o["state"], o["total"], o["subtotal"], o["shipping"],
        o["tax"], o["currency"], o["confirming"]),
       (True, "pending_payment", 3495, 3000, 495, 583, "EUR", False))
    sid = session_id(j["payment_url"])
    eq(orders(), n + 1)
    eq(stock(), before - 2)
    eq(c.get("/cart", headers=JSON).json()["cart"]["lines"], [])
    oid, st, db_sid, attempt = order_row(o["token"])
    eq((st, db_sid, attempt), ("pending_payment", sid, 1))
    s = gw.api("GET", f"/v1/checkout/sessions/{sid}")
    eq((s["amount_total"], s["currency"], s["client_reference_id"],
        s["metadata"], s["customer_email"]),
       (3495, "eur", str(oid), {"order_id": str(oid), "order_token":
                                o["token"], "order_number": o["number"]},
        "ann@example.test"))

    gw.pay(sid)
    wait_state(o["token"], "paid")      # by the webhook
    r = c.get(f"/checkout/success?session_id={sid}")
    status(r, 303)
    eq(r.header("Location"), f"/orders/{o['token']}")
    r = c.get(f"/orders/{o['token']}")
    status(r, 200)
    eq(r.header("Cache-Control"), "no-store")
    sec = order_section(r.text)
    contains(sec, f'<h1 id="page-title">Order {o["number"]}</h1>')
    contains(sec, 'Status: <strong data-live-field="label">Paid</strong>')
    contains(sec, '<p class="notice notice-ok">Thank you: your payment of '
             '€34.95 is received. A confirmation is on its way to '
             'ann@example.test.</p>')
    contains(sec, '<tr><th scope="row">Wool hat</th><td class="num">€15.00'
             '</td><td class="num">2</td><td class="num">€30.00</td></tr>')
    contains(sec, '<tr class="total"><th scope="row" colspan="3">Total</th>'
             '<td class="num">€34.95</td></tr>')
    contains(sec, '<p class="hint">The total includes VAT at 20%: €5.83.'
             '</p>')
    contains(sec, "<address>Ann Lee<br>1 Rue X<br>75001 Paris<br>France"
             "</address>")
    lacks(sec, PAY_FORM)
    lacks(sec, CONFIRMING)
    # The form posted again after paying: no second order, no charge.
    r = place(c, key, total)
    status(r, 409)
    eq((r.json()["notice"], r.json()["order"]["id"]), (PAID_ALREADY, oid))
    eq(orders(), n + 1)
    eq(len(sessions_of(oid)), 1)
    eq(sql("SELECT count(*) FROM payments WHERE order_id = ?", (oid,)),
       [(1,)])


@test
def success_page_settles_when_the_webhook_is_lost():
    c, j = new_order()
    tok, sid = j["order"]["token"], session_id(j["payment_url"])
    gw.set_faults(drop="all")
    try:
        gw.pay(sid)
        eq([d["state"] for d in gw.flush() if d["event"] ==
            gw.events("checkout.session.completed")[-1]["id"]], ["dropped"])
        eq(order_row(tok)[1], "pending_payment")
        r = c.get(f"/checkout/success?session_id={sid}")
        status(r, 303)
        eq(r.header("Location"), f"/orders/{tok}")
    finally:
        gw.set_faults()
    eq(order_row(tok)[1], "paid")
    eq(sql("SELECT from_state, to_state, source, ref FROM order_events "
           "WHERE order_id = ? ORDER BY id DESC LIMIT 1", (j["order"]["id"],)),
       [("pending_payment", "paid", "success_page", sid)])
    # Asked again: the same answer, nothing twice.
    status(c.get(f"/checkout/success?session_id={sid}"), 303)
    eq(sql("SELECT count(*) FROM order_events WHERE order_id = ?",
           (j["order"]["id"],)), [(2,)])


@test
def refund_at_the_gateway_reaches_the_order_page():
    c, j = new_order(qty=2)             # 34.95
    tok, sid = j["order"]["token"], session_id(j["payment_url"])
    gw.pay(sid)
    wait_state(tok, "paid")
    pi = gw.api("GET", f"/v1/checkout/sessions/{sid}")["payment_intent"]
    gw.api("POST", "/v1/refunds", {"payment_intent": pi, "amount": 500},
           idem=f"refund-{tok}-1")
    wait_state(tok, "partially_refunded")
    sec = order_section(c.get(f"/orders/{tok}").text)
    contains(sec, 'Status: <strong data-live-field="label">Partly refunded'
             '</strong>')
    contains(sec, '<p class="notice notice-info">€5.00 of this order has '
             'been refunded.</p>')
    gw.api("POST", "/v1/refunds", {"payment_intent": pi},
           idem=f"refund-{tok}-2")
    wait_state(tok, "refunded")
    eq(sql("SELECT amount_paid, amount_refunded FROM orders WHERE token = ?",
           (tok,)), [(3495, 3495)])


@test
def double_post_makes_one_order_and_one_session():
    c = browser()
    add(c, fx.HAT, 1)
    n = orders()
    _, key, total = page(c)
    r1 = place(c, key, total, headers={})
    r2 = place(c, key, total, headers={})
    status(r1, 303)
    status(r2, 303)
    eq(r2.header("Location"), r1.header("Location"))
    sid = session_id(r1.header("Location"))
    eq(orders(), n + 1)
    oid = sql("SELECT id FROM orders WHERE session_id = ?", (sid,))[0][0]
    eq([s["id"] for s in sessions_of(oid)], [sid])
    r3 = place(c, key, total)           # and as JSON
    status(r3, 200)
    eq(r3.json()["payment_url"], r1.header("Location"))
    eq(orders(), n + 1)


@test
def open_payment_keeps_the_order_payable():
    c, j = new_order()
    tok = j["order"]["token"]
    # Back from the payment page without paying (its cancel link).
    r = c.get(f"/orders/{tok}?cancelled=1")
    status(r, 200)
    sec = order_section(r.text)
    contains(sec, f'<p class="notice notice-ok" role="status">'
             f'{CANCELLED_NOTICE}</p>')
    contains(sec, f'<form action="/orders/{tok}/pay" {PAY_FORM}\n'
             f'<button type="submit" class="button">Pay €19.95 now'
             f'</button>')
    lacks(sec, CONFIRMING)
    # A declined card changes nothing: the same session is handed out.
    sid = session_id(j["payment_url"])
    gw.pay(sid, card=CARD_DECLINED, want=402)
    r = post(c, f"/orders/{tok}/pay", headers=JSON)
    status(r, 200)
    eq(r.json()["payment_url"], j["payment_url"])
    r = post(c, f"/orders/{tok}/pay")
    status(r, 303)
    eq(r.header("Location"), j["payment_url"])
    gw.pay(sid)
    wait_state(tok, "paid")
    # Paying a paid order again is refused; the gateway is not asked for
    # another session.
    r = post(c, f"/orders/{tok}/pay")
    status(r, 409)
    contains(r.text, f'<p class="notice notice-ok" role="status">'
             f'{PAID_ALREADY}</p>')
    lacks(r.text, PAY_FORM)
    eq(len(sessions_of(order_row(tok)[0])), 1)


@test
def async_payment_is_shown_as_being_confirmed():
    c, j = new_order()
    tok, sid = j["order"]["token"], session_id(j["payment_url"])
    gw.pay(sid, card=CARD_ASYNC_OK)
    # The success page asks the gateway: complete, money on its way.
    r = c.get(f"/checkout/success?session_id={sid}", headers=JSON)
    status(r, 200)
    eq((r.json()["order"]["state"], r.json()["order"]["confirming"]),
       ("pending_payment", True))
    r = c.get(f"/orders/{tok}")
    sec = order_section(r.text)
    contains(sec, 'Status: <strong data-live-field="label">Awaiting payment'
             '</strong>')
    contains(sec, f'<p class="notice notice-info order-waiting">{CONFIRMING}'
             f' <a href="/orders/{tok}">Check again</a></p>')
    lacks(sec, PAY_FORM)
    # Paying again now is not asked for.
    r = post(c, f"/orders/{tok}/pay", headers=JSON)
    status(r, 200)
    eq(r.json()["notice"], "Your payment is on its way; there is nothing "
       "more to pay.")
    wait_state(tok, "paid", timeout=ASYNC_DELAY_MS / 1000 + 10)
    sec = order_section(c.get(f"/orders/{tok}").text)
    contains(sec, 'Status: <strong data-live-field="label">Paid</strong>')
    lacks(sec, CONFIRMING)


# ------------------------------------------------------------ bad carts

@test
def bad_empty_cart():
    c = browser()
    r = c.get("/checkout")
    status(r, 200)
    contains(r.text, '<p>Your cart is empty. <a href="/products">Browse the '
             'products</a> first.</p>')
    n = orders()
    r = post(c, "/checkout", {**ADDRESS, "total": "1995"}, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"form": "Your cart is empty."}})
    # Emptied after the page was shown: the page's key made no order.
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    status(post(c, "/cart/empty"), 303)
    r = place(c, key, total)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"form": "Your cart is empty."}})
    eq(orders(), n)


@test
def bad_changed_price_is_asked_about_not_charged():
    c = browser()
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    n, before = orders(), stock()
    sql("UPDATE variants SET price = 1600 WHERE id = ?", (fx.HAT,))
    try:
        r = place(c, key, total, headers={})
        status(r, 409)
        eq(total, "1995")
        said = ("The total for this address and shipping is €20.95, not "
                "the €19.95 shown. Check the summary, then place your order.")
        contains(r.text, '<div class="form-errors" id="form-errors" '
                 'role="alert" tabindex="-1" autofocus>\n<h2>'
                 'Please check what you entered</h2>\n<ul>\n<li>' + said +
                 '</li>')
        contains(r.text, 'Place order and pay <span data-quote="'
                 'total_formatted">€20.95</span></button>')
        eq(hidden(r.text, "total"), "2095")
        eq((orders(), stock()), (n, before))
        r = place(c, key, total)
        status(r, 409)
        eq(r.json(), {"ok": False, "errors": {"form": said}})
        eq((orders(), stock()), (n, before))
        # The new total, confirmed: ordered at the new price.
        r = place(c, key, "2095")
        status(r, 201)
        eq(r.json()["order"]["lines"][0]["unit_price"], 1600)
    finally:
        sql("UPDATE variants SET price = 1500 WHERE id = ?", (fx.HAT,))


@test
def bad_sold_out_between_page_and_post():
    c = browser()
    add(c, fx.SCRIPT_MUG, 2)
    _, key, total = page(c)
    n = orders()
    sql("UPDATE variants SET stock = 1 WHERE id = ?", (fx.SCRIPT_MUG,))
    try:
        r = place(c, key, total)
        status(r, 409)
        said = ("Sorry, {} has sold out, or there are fewer left than "
                "you asked for. Your cart shows what is left.")
        eq(r.json(), {"ok": False, "errors": {"form": said.format(
            "<script>alert(1)</script> Mug")}})
        eq((orders(), stock(fx.SCRIPT_MUG)), (n, 1))
        # The page says it too, the name escaped.
        r = place(c, key, total, headers={})
        status(r, 409)
        contains(r.text, "<li>" + said.format(
            "&lt;script&gt;alert(1)&lt;/script&gt; Mug") + "</li>")
        eq((orders(), stock(fx.SCRIPT_MUG)), (n, 1))
    finally:
        sql("UPDATE variants SET stock = 3 WHERE id = ?", (fx.SCRIPT_MUG,))


@test
def bad_form_fields():
    c = browser()
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    n = orders()
    r = place(c, key, total, email="not an email", country="F1",
              name="")
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {
        "email": "Enter an email address like name@example.com.",
        "name": "Full name is required.",
        "country": "Enter a two-letter country code, like FR or US."}})
    r = place(c, key, total, shipping="teleport")
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"shipping": "Please choose a "
                                          "shipping method."}})
    r = place(c, key, total, country="KP")
    status(r, 422)
    eq(r.json()["errors"]["country"], "We do not ship to that country.")
    eq(orders(), n)


# ------------------------------------------------------------ the gateway

@test
def bad_gateway_5xx_leaves_the_order_saved_and_payable():
    c = browser()
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    before = stock()
    gw.set_faults(api_500=1)
    try:
        r = place(c, key, total, headers={})
    finally:
        gw.set_faults()
    status(r, 503)
    eq(r.header("Retry-After"), "5")
    tok, st, sid, _ = sql("SELECT token, state, session_id, payment_attempt "
                          "FROM orders ORDER BY id DESC LIMIT 1")[0]
    eq((st, sid), ("pending_payment", None))
    num = sql("SELECT number FROM orders WHERE token = ?", (tok,))[0][0]
    sec = order_section(r.text)
    contains(sec, f"Your order {num} {SAVED}")
    contains(sec, f'<form action="/orders/{tok}/pay" {PAY_FORM}')
    eq(stock(), before - 1)             # held for the shopper
    eq(c.get("/cart", headers=JSON).json()["cart"]["lines"], [])
    # Once the gateway answers, the same order is paid.
    r = post(c, f"/orders/{tok}/pay", headers=JSON)
    status(r, 200)
    sid = session_id(r.json()["payment_url"])
    gw.pay(sid)
    wait_state(tok, "paid")
    eq(len(sessions_of(order_row(tok)[0])), 1)


@test
def bad_gateway_timeout_leaves_the_order_payable_once():
    c = browser()
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    gw.set_faults(slow_ms=7000)         # beyond the client's 6 s deadline
    t0 = time.monotonic()
    try:
        r = place(c, key, total)
    finally:
        gw.set_faults()
    took = time.monotonic() - t0
    status(r, 503)
    j = r.json()
    eq(j["order"]["state"], "pending_payment")
    eq(j["notice"], f"Your order {j['order']['number']} {SAVED}")
    if not 5 < took < 9:
        raise AssertionError(f"answered after {took:.1f}s")
    tok = j["order"]["token"]
    time.sleep(1.5)                     # the slow requests finish
    r = post(c, f"/orders/{tok}/pay", headers=JSON)
    status(r, 200)
    sid = session_id(r.json()["payment_url"])
    gw.pay(sid)
    wait_state(tok, "paid")
    # The retry used the same key: one session, whatever the slow
    # requests did.
    eq([s["id"] for s in sessions_of(order_row(tok)[0])], [sid])


# ------------------------------------------------------------ bad input

@test
def bad_tokens_links_and_methods():
    c = browser()
    for path in ["/orders/" + "A" * 32, "/orders/short",
                 "/orders/" + "A" * 33, "/orders/" + "A" * 31 + "!",
                 "/orders/../checkout"]:
        status(c.get(path), 404)
    status(post(c, "/orders/" + "B" * 32 + "/pay"), 404)
    for q, want in [("", 400), ("session_id=", 400),
                    ("session_id=cs_%3Cscript%3E", 400),
                    ("session_id=pi_123456", 400),
                    ("session_id=" + "cs_" + "a" * 300, 400),
                    ("session_id=cs_test_unknown000000000000", 404)]:
        r = c.get("/checkout/success" + ("?" + q if q else ""),
                  headers=JSON)
        status(r, want)
        eq(r.json()["error"], "This link does not name a payment."
           if want == 400 else "We cannot show this payment here. If "
           "you have paid, your order is safe, and its confirmation email "
           "is on its way.", q)
    r = c.request("PUT", "/checkout")
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD, POST")
    r = c.get("/orders/" + "A" * 32 + "/pay")
    status(r, 405)
    eq(r.header("Allow"), "POST")
    r = post(c, "/checkout/success")
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD")


@test
def bad_cross_site_post_is_refused():
    c = browser()
    add(c, fx.HAT, 1)
    _, key, total = page(c)
    n = orders()
    for h in [{"Sec-Fetch-Site": "cross-site"},
              {"Origin": "https://evil.example"}]:
        r = c.post("/checkout", {**ADDRESS, "checkout_key": key,
                                 "total": total}, headers=h)
        status(r, 403)
    c2, j = new_order()
    r = c2.post(f"/orders/{j['order']['token']}/pay", {},
                headers={"Sec-Fetch-Site": "cross-site"})
    status(r, 403)
    eq(orders(), n + 1)
    eq(len(c.get("/cart", headers=JSON).json()["cart"]["lines"]), 1)


shoptest.run()
