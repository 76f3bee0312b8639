"""The back office's orders (cgi-bin/admin/orders.c, refunds.c): the list
newest first in keyset pages, of a state, searched by number, email or
name; an order's page with the forms its state allows; shipping,
cancelling (the session expired at the real test gateway first, or the
order settled when the gateway says it is paid), refunding through the
gateway and notes, each in the admin log with before and after; the
refusals (wrong role, cross-site, a state that does not allow it, bad
amounts, lines, notes), which answer 422 and write nothing; and a paid
order told live on the "admin" channel."""

import json
import os
import secrets
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402
from gateway import Gateway  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
HOOK_ENV = {"STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_SECRET_KEY": "sk_test_unused",
            "STRIPE_API_BASE": "http://127.0.0.1:9"}
SAME = {"Sec-Fetch-Site": "same-origin"}
_gw = []


def gateway():
    """The real test gateway, started once for the file."""
    if not _gw:
        _gw.append(Gateway().start())
    return _gw[0]


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def sql(d, q, p=(), db="shop.db"):
    return shoptest.sql(d, q, p, db=db)


def state(d, oid):
    return sql(d, "SELECT state FROM orders WHERE id = ?", (oid,))[0][0]


def stock(d, vid=fx.HAT):
    return sql(d, "SELECT stock FROM variants WHERE id = ?", (vid,))[0][0]


def log(d):
    """The admin log: (actor, action, object_type, object_id, label,
    before, after) with the JSON read."""
    return [(a, act, t, i, lab, json.loads(b) if b else None,
             json.loads(af_) if af_ else None)
            for a, act, t, i, lab, b, af_ in sql(
                d, "SELECT actor, action, object_type, object_id, label, "
                "before, after FROM admin_log ORDER BY id")]


def written(d):
    """Everything a post may write, to compare before and after."""
    return {t: sql(d, f"SELECT count(*) FROM {t}")[0][0] for t in
            ("orders", "order_events", "order_notes", "refunds",
             "admin_log", "outbox", "audit_log", "stock_movements")} | {
        "states": sql(d, "SELECT group_concat(state) FROM orders")[0][0],
        "stock": sql(d, "SELECT group_concat(stock) FROM variants")[0][0]}


def paid_order(d, lines=((fx.HAT, 2),)):
    """An order paid by a signed webhook (a made-up payment intent)."""
    o = pf.pending_order(d, list(lines), session_id=pf.new_session_id())
    s = pf.session(o)
    body = pf.event("checkout.session.completed", s)
    r = shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                     headers=pf.signed(SECRET, body), env=HOOK_ENV,
                     data_dir=d)
    status(r, 200)
    o["pi"] = s["payment_intent"]
    return o


def gateway_session(d, o):
    """An open session at the gateway for pending order o, recorded on it
    as settle_start() records one."""
    gw = gateway()
    items = [(f"{l['product_name']}", l["unit_price"], l["quantity"])
             for l in o["lines"]]
    if o["shipping"]:
        items.append(("Shipping", o["shipping"], 1))
    s = gw.create_session(order_id=o["id"], items=items, metadata={
        "order_id": str(o["id"]), "order_token": o["token"],
        "order_number": o["number"]})
    sql(d, "UPDATE orders SET payment_attempt = 1, session_id = ?, "
        "session_url = ? WHERE id = ?", (s["id"], s["url"], o["id"]))
    return s


def gateway_paid_order(d, lines=((fx.HAT, 2),)):
    """An order paid at the gateway, its completed event applied."""
    gw = gateway()
    o = pf.pending_order(d, list(lines))
    s = gateway_session(d, o)
    gw.pay(s["id"])
    s = gw.api("GET", f"/v1/checkout/sessions/{s['id']}")
    body = pf.event("checkout.session.completed", s)
    status(shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                        headers=pf.signed(SECRET, body), env=HOOK_ENV,
                        data_dir=d), 200)
    eq(state(d, o["id"]), "paid")
    o["pi"] = s["payment_intent"]
    return o


def gw_env():
    return {**gateway().shop_env(), "SHOP_LOG_LEVEL": "error"}


def post(d, o, what, body, cookie, json=False, env=None, headers=None):
    return af.admin(d, f"/admin/orders/{o['number']}/{what}", "POST",
                    cookie=cookie, body=body, json=json, env=env,
                    headers={**SAME, **(headers or {})})


def refused(r, code, field, msg):
    """A JSON answer refusing a form, with msg in field's error."""
    status(r, code)
    eq(r.json()["ok"], False)
    contains(r.json()["errors"][field], msg)


# ------------------------------------------------------------ the list

@test
def orders_newest_first_in_keyset_pages():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    for i in range(55):
        pf.pending_order(d, [(fx.HAT, 1)], email=f"c{i:02d}@example.test")
    r = af.admin(d, "/admin/orders", cookie=cookie, json=True)
    status(r, 200)
    got = r.json()["orders"]
    eq(len(got), 50)
    eq((got[0]["number"], got[0]["email"], got[0]["total_formatted"],
        got[0]["state"]), ("SF-000055", "c54@example.test", "€19.95",
                           "pending_payment"))
    eq(got[49]["number"], "SF-000006")
    eq(r.json()["next"], f"/admin/orders?before={got[49]['id']}")
    r = af.admin(d, r.json()["next"], cookie=cookie, json=True)
    eq([o["number"] for o in r.json()["orders"]],
       [f"SF-{i:06d}" for i in range(5, 0, -1)])
    eq("next" in r.json(), False)
    r = af.admin(d, "/admin/orders?state=pending_payment&q=", cookie=cookie)
    status(r, 200)
    contains(r.text, '<a href="/admin/orders?before=6&amp;state='
             'pending_payment" rel="next">Older orders</a>')
    contains(r.text, '<option value="pending_payment" selected>')
    contains(r.text, '<a href="/admin/orders/SF-000055">SF-000055</a>')


@test
def orders_of_a_state_searched_by_number_email_or_name():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    a = paid_order(d)
    b = pf.pending_order(d, [(fx.HAT, 1)], email="bob@example.test")
    sql(d, "UPDATE orders SET ship_name = 'Zoé Müller' WHERE id = ?",
        (b["id"],))

    def numbers(query):
        r = af.admin(d, "/admin/orders?" + query, cookie=cookie, json=True)
        status(r, 200)
        return [o["number"] for o in r.json()["orders"]]

    eq(numbers("state=paid"), [a["number"]])
    eq(numbers("state=pending_payment"), [b["number"]])
    eq(numbers("state=refunded"), [])
    eq(numbers("q=" + b["number"].lower()), [b["number"]])
    eq(numbers("q=2"), [b["number"]])
    eq(numbers("q=BOB%40example.test"), [b["number"]])
    eq(numbers("q=ann%40example.test"), [a["number"]])
    eq(numbers("q=zoe+mull"), [b["number"]])
    eq(numbers("q=lee"), [a["number"]])
    eq(numbers("q=example"), [b["number"], a["number"]])
    eq(numbers("q=example&state=paid"), [a["number"]])
    eq(numbers("q=%22%2A"), [])
    r = af.admin(d, "/admin/orders?q=nobody+%3Cb%3E", cookie=cookie)
    contains(r.text, "No order matches.")
    contains(r.text, 'value="nobody &lt;b&gt;"')


@test
def bad_list_inputs():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    for query, msg in (("before=abc", "The page asked for is not a number."),
                       ("before=-1", "The page asked for is not a number."),
                       ("state=lost", "There is no such state of an order."),
                       ("q=" + "x" * 201, "The search is too long.")):
        r = af.admin(d, "/admin/orders?" + query, cookie=cookie, json=True)
        status(r, 400)
        eq(r.json()["error"], msg)
    status(af.admin(d, "/admin/orders/SF-999999", cookie=cookie), 404)
    status(af.admin(d, "/admin/orders/x_y", cookie=cookie), 404)
    status(post(d, {"number": "SF-999999"}, "ship", {}, cookie), 404)


# ------------------------------------------------------------ access

@test
def bad_roles_and_cross_site_posts_are_refused():
    d = datadir()
    o = paid_order(d)
    r = af.admin(d, "/admin/orders")
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Fadmin%2Forders")
    status(af.admin(d, f"/admin/orders/{o['number']}", json=True), 401)
    customer = af.signed_in(d, None)
    staff = af.signed_in(d, "staff")
    before = written(d)
    for path, method in (("/admin/orders", "GET"),
                         (f"/admin/orders/{o['number']}", "GET")):
        status(af.admin(d, path, method, cookie=customer), 403)
    for what, body in (("ship", {"carrier": "DHL"}), ("cancel", {}),
                       ("refund", {"amount": "1.00"}),
                       ("notes", {"note": "hello"})):
        status(post(d, o, what, body, None), 303)
        status(post(d, o, what, body, customer), 403)
        r = post(d, o, what, body, staff, headers={
            "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
        status(r, 403)
        contains(r.text, "This form was sent from another site")
    eq(written(d), before)


# ------------------------------------------------------------ the page

@test
def an_order_page_shows_what_its_state_allows():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    p = pf.pending_order(d, [(fx.HAT, 2), (fx.SHIRT_M, 1)])
    r = af.admin(d, f"/admin/orders/{p['number']}", cookie=cookie)
    status(r, 200)
    contains(r.text, f"<h1>Order {p['number']} <span class=\"admin-state "
             "admin-state-pending_payment\">Awaiting payment</span></h1>")
    contains(r.text, "<tr><td>1. Wool hat</td><td>HAT</td><td class=\"num\">"
             "€15.00</td><td class=\"num\">2</td><td class=\"num\">€30.00"
             "</td></tr>")
    contains(r.text, "<td>2. Linen shirt (M)</td>")
    contains(r.text, "<strong>€55.00</strong>")
    contains(r.text, f'action="/admin/orders/{p["number"]}/cancel"')
    contains(r.text, f'action="/admin/orders/{p["number"]}/notes"')
    lacks(r.text, "/ship\"")
    lacks(r.text, "/refund\"")
    contains(r.text, "ann@example.test (guest)")

    o = paid_order(d)
    r = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie)
    contains(r.text, f'action="/admin/orders/{o["number"]}/ship"')
    contains(r.text, f'action="/admin/orders/{o["number"]}/refund"')
    lacks(r.text, "/cancel\"")
    contains(r.text, '<input id="f-line_1" name="line_1" type="number" '
             'inputmode="numeric" min="0" max="2" value="" '
             'class="admin-units">')
    contains(r.text, '<input type="checkbox" id="f-restock_1" '
             'name="restock_1">')
    contains(r.text, f"<code>{o['pi']}</code>")
    contains(r.text, "<td>pending_payment → paid</td><td>webhook</td>")

    j = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie,
                 json=True).json()
    eq((j["can_ship"], j["can_cancel"], j["can_refund"]), (True, False,
                                                         True))
    eq(j["order"]["payment"] | {"hold_ends": None}, {
        "attempt": 1, "session_id": o["session_id"],
        "payment_intent": o["pi"], "amount_paid": 3495,
        "paid_formatted": "€34.95", "amount_refunded": 0,
        "refunded_formatted": "€0.00", "left": 3495,
        "left_formatted": "€34.95", "stock_held": True, "hold_ends": None})
    eq([(l["line"], l["name"], l["quantity"], l["left"]) for l in
        j["lines"]], [(1, "Wool hat", 2, 2)])
    eq([(e["from"], e["to"], e["source"]) for e in j["events"]],
       [("", "pending_payment", "checkout"),
        ("pending_payment", "paid", "webhook")])
    eq((j["refunds"], j["notes"], j["admin_log"]), ([], [], []))
    eq("ship_form" in j, False)
    sql(d, "UPDATE orders SET state = 'fulfilled' WHERE id = ?", (o["id"],))
    j = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie,
                 json=True).json()
    eq((j["can_ship"], j["can_cancel"], j["can_refund"]), (False, False,
                                                         True))


# ------------------------------------------------------------ ship

@test
def ship_a_paid_order_mailed_and_logged():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d)
    r = post(d, o, "ship", {"carrier": "La Poste", "tracking": "6A123",
                            "url": "https://track.example/6A123"}, cookie)
    status(r, 303)
    eq(r.header("Location"), f"/admin/orders/{o['number']}?done=shipped")
    eq(state(d, o["id"]), "fulfilled")
    eq(sql(d, "SELECT cause, ref FROM order_events WHERE order_id = ? "
           "ORDER BY id DESC LIMIT 1", (o["id"],)),
       [("shipped by La Poste, tracking 6A123", "6A123")])
    eq(sql(d, "SELECT count(*) FROM outbox WHERE unique_key = ?",
           (f"mail:order-shipped:{o['id']}",)), [(1,)])
    eq(log(d), [("staff@shop.example", "order.ship", "order", o["id"],
                 o["number"], {"state": "paid"},
                 {"state": "fulfilled", "carrier": "La Poste",
                  "tracking": "6A123",
                  "url": "https://track.example/6A123"})])
    r = af.admin(d, f"/admin/orders/{o['number']}?done=shipped",
                 cookie=cookie)
    contains(r.text, "The order is marked shipped; the customer is mailed.")
    contains(r.text, "order.ship")
    # Again: it is shipped already.
    r = post(d, o, "ship", {}, cookie, json=True)
    refused(r, 422, "form", "This order is marked shipped already.")
    eq(len(log(d)), 1)


@test
def ship_answers_json():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d)
    r = post(d, o, "ship", {}, cookie, json=True)
    status(r, 200)
    eq((r.json()["ok"], r.json()["order"]["number"],
        r.json()["order"]["state"]), (True, o["number"], "fulfilled"))
    eq(log(d)[0][5:], ({"state": "paid"}, {"state": "fulfilled"}))


@test
def bad_ships_get_422_and_write_nothing():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    unpaid = pf.pending_order(d, [(fx.HAT, 1)])
    o = paid_order(d)
    before = written(d)
    r = post(d, unpaid, "ship", {"carrier": "DHL"}, cookie, json=True)
    refused(r, 422, "form", "Only a paid order can be shipped; this one "
            "is Awaiting payment.")
    r = post(d, unpaid, "ship", {"carrier": "DHL"}, cookie)
    status(r, 422)
    contains(r.text, "Only a paid order can be shipped")
    for body, field, msg in (
            ({"url": "ftp://x.example/1"}, "url", "Tracking address: an "
             "address that starts with https:// or http://"),
            ({"url": "https://x.example/a b"}, "url", "without spaces"),
            ({"carrier": "x" * 201}, "carrier", "at most 200 characters"),
            ({"carrier": "é" * 150}, "carrier", "at most 200 bytes"),
            ({"tracking": "a\x01b"}, "tracking", "Tracking number")):
        refused(post(d, o, "ship", body, cookie, json=True), 422, field, msg)
        r = post(d, o, "ship", body, cookie)
        status(r, 422)
        contains(r.text, f'href="#f-{field}"')
        contains(r.text, f'id="f-{field}-error"')
    eq(written(d), before)


# ------------------------------------------------------------ cancel

@test
def cancel_an_unpaid_order_without_a_session():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = pf.pending_order(d, [(fx.HAT, 3)])
    eq(stock(d), 97)
    r = post(d, o, "cancel", {"cause": "asked by phone"}, cookie)
    status(r, 303)
    eq(r.header("Location"), f"/admin/orders/{o['number']}?done=cancelled")
    eq((state(d, o["id"]), stock(d)), ("cancelled", 100))
    cause = "cancelled by staff@shop.example: asked by phone"
    eq(sql(d, "SELECT source, cause FROM order_events WHERE order_id = ? "
           "ORDER BY id DESC LIMIT 1", (o["id"],)), [("admin", cause)])
    eq(log(d), [("staff@shop.example", "order.cancel", "order", o["id"],
                 o["number"], {"state": "pending_payment",
                               "stock_held": True},
                 {"state": "cancelled", "stock_held": False,
                  "cause": cause})])


@test
def cancel_expires_the_session_at_the_gateway_first():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = pf.pending_order(d, [(fx.HAT, 2)])
    s = gateway_session(d, o)
    eq(s["status"], "open")
    r = post(d, o, "cancel", {}, cookie, json=True, env=gw_env())
    status(r, 200)
    eq((r.json()["ok"], r.json()["order"]["state"]), (True, "cancelled"))
    got = gateway().api("GET", f"/v1/checkout/sessions/{s['id']}")
    eq(got["status"], "expired")
    eq((state(d, o["id"]), stock(d)), ("cancelled", 100))
    eq([e[1] for e in log(d)], ["order.cancel"])
    # The customer's page cannot be paid any more.
    status(gateway().request("POST", f"/_gateway/sessions/{s['id']}/pay",
                             {"card": "4242424242424242"}), 400)


@test
def cancel_of_an_order_paid_at_the_gateway_settles_it():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = pf.pending_order(d, [(fx.HAT, 2)])
    s = gateway_session(d, o)
    gateway().pay(s["id"])              # its webhook never arrived
    r = post(d, o, "cancel", {}, cookie, json=True, env=gw_env())
    refused(r, 409, "form", "The customer has paid this order at the "
            "payment service: it is marked paid now, and was not cancelled.")
    eq((state(d, o["id"]), stock(d)), ("paid", 98))
    eq(sql(d, "SELECT source FROM payments WHERE order_id = ?", (o["id"],)),
       [("admin",)])
    eq(log(d), [])
    r = post(d, o, "cancel", {}, cookie, env=gw_env())
    status(r, 422)
    contains(r.text, "Only an order awaiting payment can be cancelled; this "
             "one is Paid.")


@test
def bad_cancels_write_nothing():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d)
    done = pf.pending_order(d, [(fx.HAT, 1)])
    status(post(d, done, "cancel", {}, cookie), 303)
    # A session with no gateway to ask: refused, nothing changed.
    s = pf.pending_order(d, [(fx.HAT, 1)], session_id=pf.new_session_id())
    before = written(d)
    refused(post(d, o, "cancel", {}, cookie, json=True), 422, "form",
            "Only an order awaiting payment can be cancelled; this one is "
            "Paid.")
    refused(post(d, done, "cancel", {}, cookie, json=True), 422, "form",
            "this one is Cancelled.")
    refused(post(d, s, "cancel", {}, cookie, json=True), 503, "form",
            "payments are not configured")
    refused(post(d, s, "cancel", {"cause": "x" * 201}, cookie, json=True),
            422, "cause", "at most 200 characters")
    eq(written(d), before)


# ------------------------------------------------------------ refunds

@test
def refund_all_through_the_gateway():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = gateway_paid_order(d)
    r = post(d, o, "refund", {"reason": "requested_by_customer"}, cookie,
             json=True, env=gw_env())
    status(r, 200)
    j = r.json()
    eq((j["ok"], j["pending"], j["refund"]["amount"], j["refund"]["state"],
        j["order"]["state"], j["order"]["amount_refunded"]),
       (True, False, 3495, "succeeded", "refunded", 3495))
    (rid, gid, actor), = sql(d, "SELECT id, gateway_id, actor FROM refunds")
    eq((j["refund"]["id"], j["refund"]["gateway_id"], actor),
       (rid, gid, "admin:staff@shop.example"))
    got = gateway().api("GET", "/v1/refunds", {"payment_intent": o["pi"]})
    eq([(g["id"], g["amount"], g["reason"]) for g in got["data"]],
       [(gid, 3495, "requested_by_customer")])
    eq(log(d), [
        ("staff@shop.example", "order.refund", "order", o["id"], o["number"],
         {"state": "paid", "amount_paid": 3495, "amount_refunded": 0,
          "left": 3495},
         {"refund_id": rid, "amount": 3495, "shipping": 0,
          "reason": "requested_by_customer", "state": "requested",
          "lines": []}),
        ("staff@shop.example", "order.refund_result", "order", o["id"],
         o["number"],
         {"refund_id": rid, "refund_state": "requested", "state": "paid",
          "amount_refunded": 0},
         {"refund_id": rid, "refund_state": "succeeded",
          "state": "refunded", "amount_refunded": 3495, "gateway_id": gid}),
    ])
    eq(sql(d, "SELECT count(*) FROM outbox WHERE unique_key = ?",
           (f"mail:refund-issued:{rid}",)), [(1,)])
    # Posted again (a retry, a second tab): nothing is left.
    r = post(d, o, "refund", {}, cookie, json=True, env=gw_env())
    refused(r, 422, "form", "Only a paid, shipped or partly refunded order "
            "can be refunded.")
    eq(len(gateway().api("GET", "/v1/refunds",
                         {"payment_intent": o["pi"]})["data"]), 1)
    r = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie)
    contains(r.text, f"<td>admin:staff@shop.example</td><td class=\"num\">"
             f"€34.95</td><td>succeeded</td><td><code>{gid}</code> "
             "(requested_by_customer) </td>")
    lacks(r.text, "/refund\"")


@test
def refund_by_amount_then_lines_with_restock():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = gateway_paid_order(d, [(fx.HAT, 3)])        # 3 x 15.00 + 4.95
    r = post(d, o, "refund", {"amount": "4,95"}, cookie, env=gw_env())
    status(r, 303)
    eq(r.header("Location"), f"/admin/orders/{o['number']}?done=refunded")
    eq(state(d, o["id"]), "partially_refunded")
    before = stock(d)
    r = post(d, o, "refund", {"line_1": "2", "restock_1": "on"}, cookie,
             json=True, env=gw_env())
    status(r, 200)
    eq((r.json()["refund"]["amount"], r.json()["order"]["amount_refunded"]),
       (3000, 3495))
    eq(stock(d), before + 2)
    eq(sql(d, "SELECT quantity, amount, restock FROM refund_lines"),
       [(2, 3000, 1)])
    eq(log(d)[-2][6]["lines"], [{"order_line_id": 1, "quantity": 2,
                                 "amount": 3000, "restock": True}])
    j = af.admin(d, f"/admin/orders/{o['number']}", cookie=cookie,
                 json=True).json()
    eq(([l["left"] for l in j["lines"]], j["order"]["payment"]["left"]),
       ([1], 1500))
    refused(post(d, o, "refund", {"line_1": "2"}, cookie, json=True,
                 env=gw_env()), 422, "form",
            "Line 1: 1 unit is left to refund, not 2.")


@test
def bad_refunds_get_422_and_write_nothing():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d)                           # 34.95, 2 hats
    unpaid = pf.pending_order(d, [(fx.HAT, 1)])
    before = written(d)
    for body, field, msg in (
            ({"amount": "34,96"}, "amount", "That is more than is left to "
             "refund of this order: €34.95."),
            ({"amount": "1000"}, "amount", "more than is left"),
            ({"amount": "12,5x"}, "amount", "Amount: an amount of EUR above "
             "zero, such as 12,50 or 12.50."),
            ({"amount": "0"}, "amount", "above zero"),
            ({"amount": "-1"}, "amount", "above zero"),
            ({"amount": "1e3"}, "amount", "above zero"),
            ({"amount": "1,234.50"}, "amount", "above zero"),
            ({"amount": "12.555"}, "amount", "above zero"),
            ({"amount": "5", "line_1": "1"}, "amount", "Refund an amount, "
             "or lines and the shipping, not both."),
            ({"amount": "5", "shipping": "on"}, "amount", "not both"),
            ({"line_1": "3"}, "form", "Line 1: 2 units are left to refund, "
             "not 3."),
            ({"line_1": "x"}, "form", "Line 1: the units to refund are a "
             "whole number"),
            ({"line_1": "-1"}, "form", "whole number"),
            ({"line_2": "1"}, "form", "This order has 1 line; there is no "
             "line 2."),
            ({"restock_0": "on"}, "form", "there is no line 0."),
            ({"reason": "bored"}, "reason", "Reason")):
        refused(post(d, o, "refund", body, cookie, json=True), 422, field,
                msg)
    r = post(d, o, "refund", {"line_1": "3", "restock_1": "on"}, cookie)
    status(r, 422)
    contains(r.text, 'name="line_1" type="number" inputmode="numeric" '
             'min="0" max="2" value="3" class="admin-units" '
             'aria-invalid="true">')
    contains(r.text, 'name="restock_1" checked>')
    r = post(d, o, "refund", {"amount": "12,5x"}, cookie)
    status(r, 422)
    contains(r.text, 'value="12,5x"')
    contains(r.text, '<a href="#f-amount">Amount: an amount of EUR')
    refused(post(d, unpaid, "refund", {}, cookie, json=True), 422, "form",
            "Only a paid, shipped or partly refunded order can be refunded.")
    eq(written(d), before)
    # With everything right but no gateway configured: 503, nothing.
    r = post(d, o, "refund", {"amount": "5"}, cookie, json=True)
    status(r, 503)
    eq(r.json()["error"], "Payments are not configured: no refund can be "
       "made.")
    eq(written(d), before)


# ------------------------------------------------------------ notes

@test
def notes_kept_with_their_author():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = pf.pending_order(d, [(fx.HAT, 1)])
    r = post(d, o, "notes", {"note": "Called <b>Ann</b>:\nleave at the door"},
             cookie)
    status(r, 303)
    eq(r.header("Location"), f"/admin/orders/{o['number']}?done=noted")
    r = post(d, o, "notes", {"note": "é" * 4000}, cookie, json=True)
    status(r, 200)
    eq((r.json()["ok"], r.json()["note"]["author"]),
       (True, "staff@shop.example"))
    eq(sql(d, "SELECT author_id IS NOT NULL, author, length(body) FROM "
           "order_notes ORDER BY id"), [(1, "staff@shop.example", 36),
                                        (1, "staff@shop.example", 4000)])
    (nid,), = sql(d, "SELECT min(id) FROM order_notes")
    eq(log(d)[0], ("staff@shop.example", "order.note", "order", o["id"],
                   o["number"], None,
                   {"note_id": nid,
                    "body": "Called <b>Ann</b>:\nleave at the door"}))
    r = af.admin(d, f"/admin/orders/{o['number']}?done=noted", cookie=cookie)
    contains(r.text, "The note is added.")
    contains(r.text, '<p class="admin-note">Called &lt;b&gt;Ann&lt;/b&gt;:\n'
             'leave at the door</p>')
    lacks(r.text, "<b>Ann</b>")


@test
def bad_notes_get_422_and_write_nothing():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = pf.pending_order(d, [(fx.HAT, 1)])
    before = written(d)
    for body, msg in (({"note": "x" * 4001}, "Note must be at most 4000 "
                       "characters."),
                      ({"note": "   "}, "Note is required."),
                      ({}, "Note is required."),
                      ({"note": "a\x01b"}, "Note must not hold control characters.")):
        refused(post(d, o, "notes", body, cookie, json=True), 422, "note",
                msg)
    r = post(d, o, "notes", {"note": "x" * 4001}, cookie)
    status(r, 422)
    contains(r.text, '<a href="#f-note">Note must be at most 4000')
    contains(r.text, 'aria-invalid="true"')
    eq(written(d), before)


# ------------------------------------------------------------ live

@test
def a_paid_order_is_told_on_the_admin_channel():
    d = datadir()
    staff = af.signed_in(d, "staff")
    o = paid_order(d)
    shoptest.worker_once(d)
    (mid, data), = sql(d, "SELECT id, data FROM messages WHERE channel = "
                       "'admin'", db="cable.db")
    eq(json.loads(data), {"number": o["number"], "total": "€34.95",
                          "amount": 3495, "currency": "EUR",
                          "summary": f"{o['number']} paid, €34.95"})
    r = shoptest.cgi("live", "/live/admin", query="since=0", data_dir=d,
                     headers={"Cookie": staff},
                     env={"SHOP_LIVE_MAX_SECONDS": "1",
                          "SHOP_LIVE_POLL_MS": "50",
                          "SHOP_LIVE_HEARTBEAT_SECONDS": "300"})
    status(r, 200)
    eq(r.body, b"retry: 3000\nid: 0\n\nid: %d\nevent: order\ndata: %s\n\n"
       % (mid, data.encode()))
    r = af.admin(d, "/admin", cookie=staff)
    contains(r.text, 'data-live-channel="admin" data-live-events="order"')
    contains(r.text, f'<a href="/admin/orders/{o["number"]}">'
             f'{o["number"]}</a>')


shoptest.run()
