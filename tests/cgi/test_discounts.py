"""Discount codes as CGI: the back office creates and changes them (HTML
and JSON, with their admin log rows), the cart keeps one, the checkout
applies it as the order does, and a bad, expired, used-up or too-small
code is 422 on discount_code with its reason, nothing written. The
order keeps the discount in its snapshot and the test gateway charges
exactly its total; twenty checkouts racing for a code of one use give
one discounted order; a cancelled order gives its use back."""

import email
import email.policy
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
ADDRESS = {"email": "ann@example.test", "name": "Ann Lee",
           "line1": "1 Rue X", "line2": "", "city": "Paris",
           "postcode": "75001", "country": "FR", "shipping": "standard"}

gw = Gateway().start()
GW = {**gw.shop_env(), "SHOP_INSECURE_FAST_PWHASH": "1"}


def shop():
    """A data directory with the fixture catalog, shipping and tax, and a
    signed-in administrator's cookie."""
    d = fx.datadir()
    pf.pricing(d)
    return d, af.signed_in(d, "admin")


def sql(d, q, params=()):
    return shoptest.sql(d, q, params)


def code(d, cookie, want=200, **fields):
    """POST /admin/discounts as JSON; the answer."""
    body = {"kind": "percent", "active": "on", **fields}
    r = af.admin(d, "/admin/discounts", "POST", cookie=cookie, body=body,
                 json=True)
    status(r, want)
    return r.json()


def add(d, vid, qty, cookie=None):
    h = {"Cookie": cookie} if cookie else {}
    r = shoptest.cgi("cart", "/cart/items", "POST",
                     body=shoptest.form(variant_id=vid, quantity=qty),
                     headers=h, data_dir=d)
    status(r, 303)
    got = [v.split(";")[0] for v in r.header_all("Set-Cookie")
           if v.startswith("sid=")]
    return got[-1] if got else cookie


def checkout(d, cookie, method="GET", body=None, query=""):
    return shoptest.cgi("checkout", "/checkout", method, query=query,
                        body=shoptest.form(**body) if body else b"",
                        headers={"Cookie": cookie, **JSON}, data_dir=d,
                        env=GW)


def form_of(d, cookie, query=""):
    p = checkout(d, cookie, query=query).json()
    return p["checkout_key"]["value"], p["total"]["value"], p


# ------------------------------------------------------------ back office

@test
def admin_creates_and_changes_a_code():
    d, admin = shop()
    r = af.admin(d, "/admin/discounts", cookie=admin)
    status(r, 200)
    contains(r.text, '<form action="/admin/discounts" method="post" '
                     'novalidate>')
    contains(r.text, '<a href="/admin/discounts" aria-current="page">'
                     'Discounts</a>')
    r = af.admin(d, "/admin/discounts", "POST", cookie=admin, body={
        "code": "Spring10", "kind": "percent", "value": "12.5",
        "min_subtotal": "20.00", "starts_at": "2026-01-01 00:00",
        "ends_at": "2030-01-01T00:00", "usage_limit": "100",
        "per_customer_limit": "1", "active": "on"})
    status(r, 303)
    eq(r.header("Location"), "/admin/discounts?done=created")
    eq(sql(d, "SELECT code, kind, value, currency, min_subtotal, starts_at, "
              "ends_at, usage_limit, per_customer_limit, active FROM "
              "discounts"),
       [("Spring10", "percent", 1250, "EUR", 2000, 1767225600, 1893456000,
         100, 1, 1)])
    (did, after), = sql(d, "SELECT object_id, after FROM admin_log WHERE "
                           "action = 'discount.create'")
    eq(json.loads(after)["value"], 1250)
    got = af.admin(d, "/admin/discounts", cookie=admin, json=True).json()
    eq([(x["code"], x["label"], x["uses"], x["usage_limit"])
        for x in got["discounts"]], [("Spring10", "12.5% off", 0, 100)])
    r = af.admin(d, f"/admin/discounts/{did}", cookie=admin)
    status(r, 200)
    contains(r.text, 'name="value" value="12.5"')
    contains(r.text, 'name="starts_at" value="2026-01-01 00:00"')
    # Changed: a fixed amount, no limit, turned off.
    r = af.admin(d, f"/admin/discounts/{did}", "POST", cookie=admin, body={
        "code": "SPRING10", "kind": "fixed", "value": "5.00",
        "usage_limit": "", "per_customer_limit": ""}, json=True)
    status(r, 200)
    eq(r.json()["discount"]["label"], "€5.00 off")
    eq(sql(d, "SELECT code, kind, value, usage_limit, active, min_subtotal "
              "FROM discounts"), [("SPRING10", "fixed", 500, None, 0, 0)])
    eq(sql(d, "SELECT count(*) FROM admin_log WHERE action = "
              "'discount.update'"), [(1,)])
    status(af.admin(d, "/admin/discounts/999", cookie=admin), 404)
    status(af.admin(d, "/admin/discounts/999", "POST", cookie=admin,
                    body={"code": "X", "kind": "free_shipping"}), 404)


@test
def bad_admin_fields_are_422_and_write_nothing():
    d, admin = shop()
    code(d, admin, code="SAVE10", value="10")
    cases = [
        ({"code": "with space", "value": "10"}, "code"),
        ({"code": "save10", "value": "10"}, "code"),
        ({"code": "A", "value": "0"}, "value"),
        ({"code": "A", "value": "100.01"}, "value"),
        ({"code": "A", "value": "ten"}, "value"),
        ({"code": "A", "kind": "fixed", "value": "0"}, "value"),
        ({"code": "A", "kind": "fixed", "value": "1e3"}, "value"),
        ({"code": "A", "kind": "free_shipping", "value": "3"}, "value"),
        ({"code": "A", "kind": "bogus", "value": "3"}, "kind"),
        ({"code": "A", "value": "5", "min_subtotal": "-1"}, "min_subtotal"),
        ({"code": "A", "value": "5", "starts_at": "tomorrow"}, "starts_at"),
        ({"code": "A", "value": "5", "starts_at": "2027-01-02",
          "ends_at": "2027-01-01"}, "ends_at"),
        ({"code": "A", "value": "5", "usage_limit": "-1"}, "usage_limit"),
        ({"code": "A", "value": "5", "per_customer_limit": "1.5"},
         "per_customer_limit"),
        ({"code": "", "value": "5"}, "code"),
        ({"code": "A" * 41, "value": "5"}, "code"),
    ]
    for fields, field in cases:
        got = code(d, admin, want=422, **fields)
        eq((fields, got["ok"], field in got["errors"]), (fields, False, True))
    eq(sql(d, "SELECT count(*) FROM discounts"), [(1,)])
    eq(sql(d, "SELECT count(*) FROM admin_log WHERE action LIKE "
              "'discount.%'"), [(1,)])
    # The HTML answer is the list with the form and its message.
    r = af.admin(d, "/admin/discounts", "POST", cookie=admin,
                 body={"code": "save10", "kind": "percent", "value": "5"})
    status(r, 422)
    contains(r.text, "Another discount has this code (upper and lower case "
                     "are the same).")


@test
def bad_roles_cannot_change_codes():
    d, admin = shop()
    staff = af.signed_in(d, "staff")
    customer = af.signed_in(d, None)
    status(af.admin(d, "/admin/discounts", cookie=staff), 200)
    status(af.admin(d, "/admin/discounts", "POST", cookie=staff,
                    body={"code": "X", "kind": "percent", "value": "5"}),
           403)
    status(af.admin(d, "/admin/discounts", cookie=customer), 403)
    r = af.admin(d, "/admin/discounts")
    status(r, 303)
    eq(sql(d, "SELECT count(*) FROM discounts"), [(0,)])


# ------------------------------------------------------------ the cart

@test
def the_cart_keeps_a_code_and_shows_it():
    d, admin = shop()
    code(d, admin, code="SAVE10", value="10")
    c = add(d, fx.HAT, 3)		# 45.00
    r = shoptest.cgi("cart", "/cart/discount", "POST",
                     body=shoptest.form(discount_code="save10"),
                     headers={"Cookie": c}, data_dir=d)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=discount")
    eq(sql(d, "SELECT discount_code FROM carts"), [("SAVE10",)])
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": c, **JSON},
                     data_dir=d)
    got = r.json()["cart"]
    eq((got["discount"]["code"], got["discount"]["amount"],
        got["total_after_discount"]), ("SAVE10", 450, 4050))
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": c}, data_dir=d)
    contains(r.text, '<tr class="cart-discount"><th scope="row" colspan="3">'
                     'Discount SAVE10 (10% off)</th><td class="num">'
                     '−€4.50</td><td></td></tr>')
    # The checkout takes it from the cart.
    _, total, page = form_of(d, c)
    eq((page["discount_code_field"]["value"], total), ("SAVE10", "4545"))
    eq((page["quote"]["discount"], page["quote"]["discount_code"]),
       (450, "SAVE10"))
    # A script posting without the field gets the cart's code; one that
    # sends it empty gets none.
    key, _, _ = form_of(d, c)
    r = checkout(d, c, "POST", {**ADDRESS, "checkout_key": key})
    status(r, 201)
    eq((r.json()["order"]["discount_code"], r.json()["order"]["total"]),
       ("SAVE10", 4545))
    c = add(d, fx.HAT, 3, cookie=c)
    shoptest.cgi("cart", "/cart/discount", "POST",
                 body=shoptest.form(discount_code="save10"),
                 headers={"Cookie": c}, data_dir=d)
    key, _, _ = form_of(d, c)
    r = checkout(d, c, "POST", {**ADDRESS, "checkout_key": key,
                                "discount_code": ""})
    status(r, 201)
    eq((r.json()["order"]["discount"], r.json()["order"]["total"]),
       (0, 4995))
    # The order took the cart's code away with its lines.
    eq(sql(d, "SELECT discount_code FROM carts"), [("",)])
    c = add(d, fx.HAT, 1, cookie=c)
    shoptest.cgi("cart", "/cart/discount", "POST",
                 body=shoptest.form(discount_code="save10"),
                 headers={"Cookie": c}, data_dir=d)
    # Removed with an empty code.
    r = shoptest.cgi("cart", "/cart/discount", "POST",
                     body=shoptest.form(discount_code=""),
                     headers={"Cookie": c}, data_dir=d)
    status(r, 303)
    eq(sql(d, "SELECT discount_code FROM carts"), [("",)])


@test
def bad_codes_in_the_cart_are_422_with_the_reason():
    d, admin = shop()
    now = int(time.time())
    code(d, admin, code="BIG", value="10", min_subtotal="100.00")
    code(d, admin, code="OFF", value="10", active="")
    code(d, admin, code="USED", value="10", usage_limit="0")
    code(d, admin, code="SOON", value="10")
    code(d, admin, code="OLD", value="10")
    sql(d, "UPDATE discounts SET starts_at = ? WHERE code = 'SOON'",
        (now + 3600,))
    sql(d, "UPDATE discounts SET starts_at = ?, ends_at = ? WHERE "
           "code = 'OLD'", (now - 7200, now - 3600))
    c = add(d, fx.HAT, 1)
    cases = [
        ("NOPE", "There is no such discount code."),
        ("bad code!", "There is no such discount code."),
        ("BIG", "This discount code needs an order of at least €100.00 "
                "before the discount."),
        ("OFF", "This discount code is no longer valid."),
        ("USED", "This discount code has been used up."),
        ("SOON", "This discount code is not valid yet."),
        ("OLD", "This discount code has expired."),
        ("x" * 41, "Discount code must be at most 40 characters."),
    ]
    for value, msg in cases:
        r = shoptest.cgi("cart", "/cart/discount", "POST",
                         body=shoptest.form(discount_code=value),
                         headers={"Cookie": c, **JSON}, data_dir=d)
        status(r, 422)
        eq((value, r.json()["errors"]), (value, {"discount_code": msg}))
    eq(sql(d, "SELECT discount_code FROM carts"), [("",)])
    r = shoptest.cgi("cart", "/cart/discount", "POST",
                     body=shoptest.form(discount_code="OLD"),
                     headers={"Cookie": c}, data_dir=d)
    status(r, 422)
    contains(r.text, "This discount code has expired.")
    # An empty cart takes no code.
    r = shoptest.cgi("cart", "/cart/discount", "POST",
                     body=shoptest.form(discount_code="BIG"), headers=JSON,
                     data_dir=d)
    status(r, 422)
    eq(r.json()["errors"], {"discount_code": "Add something to your cart "
                                             "first."})


# ------------------------------------------------------------ checkout

def place(d, c, **over):
    key, total, _ = form_of(d, c, query=shoptest.form(**over)
                            if over else "")
    return checkout(d, c, "POST", {**ADDRESS, "checkout_key": key,
                                   "total": total, **over})


@test
def a_purchase_with_a_code_is_charged_its_discounted_total():
    d, admin = shop()
    code(d, admin, code="SAVE10", value="10")
    c = add(d, fx.HAT, 2)				# 2 x 15.00 = 30.00
    c = add(d, fx.SCRIPT_MUG, 1, cookie=c)		# 12.00
    r = place(d, c, discount_code="save10")
    status(r, 201)
    o = r.json()["order"]
    # 42.00 - 4.20 + 4.95 shipping (VAT included).
    eq((o["subtotal"], o["discount"], o["shipping"], o["total"],
        o["discount_code"]), (4200, 420, 495, 4275, "SAVE10"))
    (oid, sub, disc, total, dcode, kind), = sql(
        d, "SELECT id, subtotal, discount, total, discount_code, "
           "discount_kind FROM orders")
    eq((sub, disc, total, dcode, kind), (3780, 420, 4275, "SAVE10",
                                         "percent"))
    # Shares: 3000/4200 and 1200/4200 of 420 = 300 and 120; VAT 20%
    # held in 27.00 and 10.80.
    eq(sql(d, "SELECT line_total, discount, tax FROM order_lines "
              "ORDER BY id"), [(3000, 300, 450), (1200, 120, 180)])
    eq(sql(d, "SELECT discount_id, order_id, email, released FROM "
              "discount_uses"), [(1, oid, "ann@example.test", 0)])
    # The gateway charges exactly the order's total, line by line.
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    s = gw.api("GET", f"/v1/checkout/sessions/{sid}")
    eq(s["amount_total"], 4275)
    items = gw.api("GET", f"/v1/checkout/sessions/{sid}/line_items")["data"]
    eq([(i["description"], i["quantity"], i["amount_total"]) for i in items],
       [("Wool hat, with code SAVE10", 2, 2700),
        (fx.SCRIPT_NAME + ", with code SAVE10", 1, 1080),
        ("Shipping: Standard (3-5 days)", 1, 495)])
    gw.pay(sid)
    # Back from paying: the success page settles the order.
    r = shoptest.cgi("checkout", "/checkout/success",
                     query=f"session_id={sid}", headers={"Cookie": c},
                     data_dir=d, env=GW)
    status(r, 303)
    eq(sql(d, "SELECT state, amount_paid FROM orders"), [("paid", 4275)])
    # The confirmation mail says the discount, in both parts.
    shoptest.worker_once(d, env=GW)
    mails = glob.glob(os.path.join(d, "mail", "*.eml"))
    eq(len(mails), 1)
    msg = email.message_from_binary_file(open(mails[0], "rb"),
                                         policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    contains(text, "  Discount SAVE10  -€4.20\n")
    contains(html, "Discount SAVE10</td><td style=\"text-align: right;\">"
                   "−€4.20</td>")
    r = shoptest.cgi("checkout", f"/orders/{o['token']}", data_dir=d,
                     env=GW)
    contains(r.text, '<tr class="discount"><th scope="row" colspan="3">'
                     'Discount SAVE10</th><td class="num">−€4.20</td></tr>')
    # The audit's sums hold.
    p = shoptest.shopctl("audit", data_dir=d, check=False, env=GW)
    if "lines sum to" in p.stdout + p.stderr:
        raise AssertionError(p.stdout + p.stderr)
    # Its invoice: each line net of its share, the subtotal after the
    # code, the books' audit of it clean.
    eq(sql(d, "SELECT subtotal, shipping, tax, total FROM invoices"),
       [(3780, 495, 713, 4275)])
    eq(sql(d, "SELECT description, amount, tax FROM invoice_lines "
              "ORDER BY position"),
       [("Wool hat, less €3.00 with code SAVE10", 2700, 450),
        (fx.SCRIPT_NAME + ", less €1.20 with code SAVE10", 1080, 180),
        ("Shipping: Standard (3-5 days)", 495, 83)])
    lacks(p.stdout + p.stderr, "does not add up")
    # A line refunded unit by unit gives back what it was charged: 13.50
    # each of the hats' 27.00, never their 15.00 price.
    for _ in range(2):
        shoptest.shopctl("refund", o["number"], "--line", "1:1",
                         data_dir=d, env=GW)
    eq(sql(d, "SELECT amount FROM refunds ORDER BY id"), [(1350,), (1350,)])
    shoptest.shopctl("refund", o["number"], "--line", "2:1", data_dir=d,
                     env=GW)
    eq(sql(d, "SELECT state, amount_refunded FROM orders"),
       [("partially_refunded", 2700 + 1080)])


@test
def uneven_shares_are_charged_as_whole_lines():
    d, admin = shop()
    code(d, admin, code="THIRD", value="33.33")
    c = add(d, fx.HAT, 3)				# 45.00 -> 15.00 off
    r = place(d, c, discount_code="THIRD", country="US")
    status(r, 201)
    o = r.json()["order"]
    # 33.33% of 45.00 = 14.9985 -> 15.00; tax 8.25% on 30.00 + 4.95.
    eq((o["discount"], o["tax"], o["total"]), (1500, 248 + 41,
                                               4500 - 1500 + 495 + 289))
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    eq(gw.api("GET", f"/v1/checkout/sessions/{sid}")["amount_total"],
       o["total"])
    code(d, admin, code="SEVEN", kind="fixed", value="0.07")
    c = add(d, fx.HAT, 3)				# 45.00 - 0.07
    r = place(d, c, discount_code="SEVEN")
    status(r, 201)
    sid = r.json()["payment_url"].rsplit("/", 1)[1]
    items = gw.api("GET", f"/v1/checkout/sessions/{sid}/line_items")["data"]
    eq([(i["description"], i["quantity"], i["amount_total"]) for i in items],
       [("3 x Wool hat, with code SEVEN", 1, 4493),
        ("Shipping: Standard (3-5 days)", 1, 495)])
    eq(gw.api("GET", f"/v1/checkout/sessions/{sid}")["amount_total"],
       4493 + 495)


@test
def free_shipping_waives_the_shipping():
    d, admin = shop()
    code(d, admin, code="SHIPFREE", kind="free_shipping", value="")
    c = add(d, fx.HAT, 1)
    _, total, page = form_of(d, c, query="discount_code=shipfree")
    eq((total, page["quote"]["shipping"],
        page["quote"]["shipping_discount"]), ("1500", 0, 495))
    r = place(d, c, discount_code="shipfree")
    status(r, 201)
    eq(sql(d, "SELECT subtotal, discount, shipping, shipping_discount, total "
              "FROM orders"), [(1500, 0, 0, 495, 1500)])


@test
def bad_codes_at_checkout_are_422_and_order_nothing():
    d, admin = shop()
    code(d, admin, code="ONCE", value="10", per_customer_limit="1")
    code(d, admin, code="BIG", value="10", min_subtotal="100.00")
    c = add(d, fx.HAT, 1)
    status(place(d, c, discount_code="ONCE"), 201)
    c = add(d, fx.HAT, 1)
    for value, msg in [
            ("ONCE", "You have already used this discount code."),
            ("NOPE", "There is no such discount code."),
            ("BIG", "This discount code needs an order of at least "
                    "€100.00 before the discount.")]:
        key, total, _ = form_of(d, c)
        r = checkout(d, c, "POST", {**ADDRESS, "checkout_key": key,
                                    "total": total, "discount_code": value})
        status(r, 422)
        eq((value, r.json()["errors"]), (value, {"discount_code": msg}))
        # Without the total shown, order_create() refuses it the same way.
        r = checkout(d, c, "POST", {**ADDRESS, "checkout_key": key,
                                    "discount_code": value})
        status(r, 422)
        eq((value, r.json()["errors"]), (value, {"discount_code": msg}))
    eq(sql(d, "SELECT count(*) FROM orders"), [(1,)])
    eq(sql(d, "SELECT count(*) FROM cart_items"), [(1,)])


@test
def a_cancelled_order_gives_its_use_back():
    d, admin = shop()
    code(d, admin, code="ONE", value="10", usage_limit="1")
    c = add(d, fx.HAT, 1)
    r = place(d, c, discount_code="ONE")
    status(r, 201)
    number = r.json()["order"]["number"]
    c2 = add(d, fx.HAT, 1)
    status(place(d, c2, discount_code="ONE"), 422)
    got = af.admin(d, "/admin/discounts", cookie=admin, json=True).json()
    eq(got["discounts"][0]["uses"], 1)
    # Its session is expired at the gateway first, then it is cancelled.
    r = af.admin(d, f"/admin/orders/{number}/cancel", "POST", cookie=admin,
                 body={"cause": "customer asked"}, json=True, env=GW)
    status(r, 200)
    eq(sql(d, "SELECT released FROM discount_uses"), [(1,)])
    got = af.admin(d, "/admin/discounts", cookie=admin, json=True).json()
    eq(got["discounts"][0]["uses"], 0)
    status(place(d, c2, discount_code="ONE"), 201)
    eq(sql(d, "SELECT count(*) FROM discount_uses WHERE NOT released"),
       [(1,)])


@test
def twenty_concurrent_checkouts_for_one_use_give_one_discounted_order():
    d, admin = shop()
    code(d, admin, code="LAST", value="50", usage_limit="1")
    procs = []
    env = dict(os.environ)
    env.update(GW)
    env.update({"SHOP_DATA_DIR": d, "SHOP_TEMPLATE_DIR": shoptest.TEMPLATES,
                "SHOP_BASE_URL": "http://127.0.0.1:8080"})
    prog = os.path.join(shoptest.BUILD, "cgi-bin", "checkout")
    for i in range(20):
        c = add(d, fx.HAT, 1)
        key, total, _ = form_of(d, c)
        body = shoptest.form(**{**ADDRESS, "email": f"p{i}@example.test",
                                "checkout_key": key,
                                "discount_code": "LAST"})
        e = dict(env, GATEWAY_INTERFACE="CGI/1.1",
                 SERVER_PROTOCOL="HTTP/1.1", SERVER_NAME="127.0.0.1",
                 SERVER_PORT="8080", REMOTE_ADDR="127.0.0.1",
                 REQUEST_METHOD="POST", REQUEST_URI="/checkout",
                 QUERY_STRING="", SCRIPT_NAME="", PATH_INFO="/checkout",
                 HTTP_HOST="127.0.0.1:8080", HTTP_COOKIE=c,
                 HTTP_ACCEPT="application/json",
                 CONTENT_LENGTH=str(len(body.encode())),
                 CONTENT_TYPE="application/x-www-form-urlencoded")
        procs.append((subprocess.Popen([prog], env=e, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE), body))
    # All twenty started before any is fed its body: they race.
    for p, body in procs:
        p.stdin.write(body.encode())
        p.stdin.close()
    codes = []
    for p, _ in procs:
        out = p.stdout.read()
        p.wait(timeout=60)
        codes.append(shoptest.parse_cgi(out, "").status)
    eq(sorted(codes), [201] + [422] * 19)
    eq(sql(d, "SELECT count(*), sum(discount > 0) FROM orders"), [(1, 1)])
    eq(sql(d, "SELECT count(*) FROM discount_uses"), [(1,)])


shoptest.run()
