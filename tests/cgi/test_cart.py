"""The cart program as CGI: a guest cart tied to a lazily made session,
quantities validated against the catalog, prices read at viewing time,
unavailable lines, escaping, and bad input of every kind."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

JSON = {"Accept": "application/json"}
QTY_MSG = "Enter a whole number from 1 to 99."


def cart(path="/cart", method="GET", body=b"", cookie=None, headers=None,
         data_dir=None, **kw):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return shoptest.cgi("cart", path, method, body=body, headers=h,
                        data_dir=data_dir, **kw)


def session_cookie(resp):
    """The "sid=..." pair the response sets (the last one wins)."""
    got = [v.split(";")[0] for v in resp.header_all("Set-Cookie")
           if v.startswith("sid=")]
    if not got:
        raise AssertionError(f"no session cookie in {resp.headers}")
    return got[-1]


def items(d):
    return shoptest.sql(d, "SELECT variant_id, quantity FROM cart_items "
                        "ORDER BY variant_id")


def nsessions(d):
    return shoptest.sql(d, "SELECT count(*) FROM sessions")[0][0]


def add(d, variant, qty, cookie=None, headers=None):
    return cart("/cart/items", "POST",
                body=shoptest.form(variant_id=variant, quantity=qty),
                cookie=cookie, headers=headers, data_dir=d)


@test
def empty_cart_makes_no_session():
    d = fx.datadir()
    r = cart(data_dir=d)
    status(r, 200)
    contains(r.text, "Your cart is empty.")
    eq(r.header_all("Set-Cookie"), [])
    eq(nsessions(d), 0)


@test
def guest_add_makes_session_and_redirects():
    d = fx.datadir()
    r = add(d, fx.SHIRT_M, 2)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=added")
    sc = r.header("Set-Cookie")
    if not re.fullmatch(r"sid=[A-Za-z0-9_-]{43}; Path=/; Max-Age=2592000; "
                        r"HttpOnly; SameSite=Lax", sc):
        raise AssertionError(f"session cookie: {sc!r}")
    eq(items(d), [(fx.SHIRT_M, 2)])
    eq(nsessions(d), 1)
    # Only the hash of the id is stored.
    sid = sc.split(";")[0].split("=", 1)[1]
    stored = shoptest.sql(d, "SELECT hex(id_hash) FROM sessions")[0][0]
    import hashlib
    import base64
    raw = base64.urlsafe_b64decode(sid + "=")
    eq(stored, hashlib.sha256(raw).hexdigest().upper())

    r = cart("/cart", query="notice=added", cookie=sc.split(";")[0],
             data_dir=d)
    status(r, 200)
    contains(r.text, '<p class="notice notice-ok" role="status">Added to '
             'your cart.</p>')
    contains(r.text, '<a href="/products/linen-shirt">Linen shirt</a><br>'
             '<span class="variant-title">M</span>')
    contains(r.text, '<td class="num" data-label="Price">€25.00</td>')
    contains(r.text, '<td class="num" data-label="Total">€50.00</td>')
    contains(r.text, 'Subtotal (2 items)</th><td class="num">€50.00</td>')
    contains(r.text, '<span class="badge">2<span class="visually-hidden"> '
             'items</span></span>')
    contains(r.text, '<a class="button" href="/checkout">Check out</a>')
    eq(r.header("Cache-Control"), "private, no-store")


@test
def one_item_badge_is_singular():
    d = fx.datadir()
    sc = session_cookie(add(d, fx.HAT, 1))
    r = cart("/cart", cookie=sc, data_dir=d)
    status(r, 200)
    contains(r.text, '<span class="badge">1<span class="visually-hidden"> '
             'item</span></span>')
    contains(r.text, 'Subtotal (1 item)</th>')


@test
def lines_keep_the_order_they_were_added_in():
    d = fx.datadir()
    # Within one second, higher variant first: the order stays.
    cookie = session_cookie(add(d, fx.SCRIPT_MUG, 1))
    add(d, fx.HAT, 1, cookie=cookie)
    add(d, fx.SHIRT_M, 1, cookie=cookie)
    add(d, fx.SCRIPT_MUG, 2, cookie=cookie)   # added to: keeps its place
    r = cart(cookie=cookie, headers=JSON, data_dir=d)
    status(r, 200)
    eq([(l["variant_id"], l["quantity"]) for l in r.json()["cart"]["lines"]],
       [(fx.SCRIPT_MUG, 3), (fx.HAT, 1), (fx.SHIRT_M, 1)])


@test
def add_json_answers_cart_resource():
    d = fx.datadir()
    r = add(d, fx.HAT, 3, headers=JSON)
    status(r, 200)
    j = r.json()
    eq(j["ok"], True)
    eq(j["cart"]["count"], 3)
    eq(j["cart"]["subtotal"], 4500)
    eq(j["cart"]["subtotal_formatted"], "€45.00")
    eq(j["cart"]["checkout_ok"], True)
    eq(j["cart"]["lines"], [{
        "variant_id": 3, "product_name": "Wool hat",
        "product_url": "/products/wool-hat", "variant_title": "", "sku": "HAT",
        "quantity": 3, "currency": "EUR", "unit_price": 1500,
        "line_total": 4500, "unit_price_formatted": "€15.00",
        "line_total_formatted": "€45.00", "stock": 100, "max_quantity": 99,
        "state": "ok", "available": True}])
    # Adding again adds to the line.
    r = add(d, fx.HAT, 2, cookie=session_cookie(r), headers=JSON)
    status(r, 200)
    eq(r.json()["cart"]["count"], 5)
    eq(items(d), [(fx.HAT, 5)])


@test
def bad_quantities_write_nothing():
    d = fx.datadir()
    for q in ["0", "-1", "1e9", "abc", "", "100", "1000000000", " 2x",
              "1.5", "0x10", "9" * 40, "1' OR '1'='1"]:
        r = add(d, fx.SHIRT_M, q, headers=JSON)
        status(r, 422)
        want = "Quantity is required." if q == "" else QTY_MSG
        eq(r.json(), {"ok": False, "errors": {"quantity": want}}, q)
    eq(nsessions(d), 0)
    eq(items(d), [])


@test
def bad_variants_write_nothing():
    d = fx.datadir()
    for v, msg in [(999, "This product is not available."),
                   (fx.OLD_MUG, "This product is not available."),
                   (fx.RED_HAT, "This product is not available."),
                   ("abc", "Choose a product."),
                   ("1; DROP TABLE carts", "Choose a product.")]:
        r = add(d, v, 1, headers=JSON)
        status(r, 422)
        field = "variant_id"
        eq(r.json(), {"ok": False, "errors": {field: msg}}, v)
    r = add(d, fx.SHIRT_L, 1, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"quantity":
                                          "This product is sold out."}})
    r = add(d, fx.SHIRT_M, 6, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"quantity": "Only 5 can be added: "
                                          "that is all we have in stock."}})
    eq(nsessions(d), 0)
    eq(shoptest.sql(d, "SELECT count(*) FROM carts")[0][0], 0)


@test
def bad_add_in_browser_is_422_with_message():
    d = fx.datadir()
    r = add(d, fx.SHIRT_M, "abc")
    status(r, 422)
    contains(r.text, '<div class="form-errors" id="form-errors" role="alert" '
             'tabindex="-1" autofocus>')
    contains(r.text, f'<a href="#f-quantity">{QTY_MSG}</a>')
    contains(r.text, "Your cart is empty.")


@test
def stock_is_checked_against_the_cart():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SHIRT_M, 4))
    r = add(d, fx.SHIRT_M, 2, cookie=c, headers=JSON)
    status(r, 422)
    eq(r.json()["errors"], {"quantity": "Only 1 can be added: that is all "
                            "we have in stock."})
    status(add(d, fx.SHIRT_M, 1, cookie=c), 303)
    r = add(d, fx.SHIRT_M, 1, cookie=c, headers=JSON)
    eq(r.json()["errors"], {"quantity": "Your cart already holds all we "
                            "have in stock."})
    eq(items(d), [(fx.SHIRT_M, 5)])


@test
def change_quantity_and_remove():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SHIRT_M, 1))
    r = cart("/cart/items/1", "POST", body="quantity=3", cookie=c,
             data_dir=d)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=updated")
    eq(items(d), [(fx.SHIRT_M, 3)])
    # More than the stock: the message stands beside the line.
    r = cart("/cart/items/1", "POST", body="quantity=6", cookie=c,
             data_dir=d)
    status(r, 422)
    contains(r.text, 'aria-invalid="true" aria-describedby="line-1-error"')
    contains(r.text, '<p class="field-error" id="line-1-error">Only 5 in '
             'stock.</p>')
    r = cart("/cart/items/1", "POST", body="quantity=0", cookie=c,
             data_dir=d, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"quantity": QTY_MSG}})
    # A line that is not in the cart.
    status(cart("/cart/items/3", "POST", body="quantity=1", cookie=c,
                data_dir=d), 404)
    eq(items(d), [(fx.SHIRT_M, 3)])
    r = cart("/cart/items/1/delete", "POST", cookie=c, data_dir=d)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=removed")
    eq(items(d), [])
    status(cart("/cart/items/1/delete", "POST", cookie=c, data_dir=d), 404)


@test
def empty_the_cart():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SHIRT_M, 1))
    status(add(d, fx.HAT, 1, cookie=c), 303)
    r = cart("/cart/empty", "POST", cookie=c, data_dir=d, headers=JSON)
    status(r, 200)
    eq(r.json()["cart"]["count"], 0)
    eq(r.json()["cart"]["empty"], True)
    eq(items(d), [])


@test
def unavailable_lines_block_checkout():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SHIRT_M, 2))
    for v in (fx.HAT, fx.SCRIPT_MUG):
        status(add(d, v, 1, cookie=c), 303)
    shoptest.sql(d, "UPDATE variants SET stock = 0 WHERE id = 1")
    shoptest.sql(d, "UPDATE products SET active = 0 WHERE id = 2")
    shoptest.sql(d, "DELETE FROM variants WHERE id = 5")
    r = cart(cookie=c, data_dir=d, headers=JSON)
    status(r, 200)
    c_ = r.json()["cart"]
    eq([(x["variant_id"], x["state"], x.get("problem")) for x in c_["lines"]],
       [(1, "sold_out", "This item is sold out. Please remove it."),
        (3, "unavailable", "This item is not for sale at the moment. "
         "Please remove it."),
        (5, "gone", "This item is no longer sold. Please remove it.")])
    eq(c_["checkout_ok"], False)
    eq(c_["problems"], 3)
    eq(c_["subtotal"], 0)
    r = cart(cookie=c, data_dir=d)
    lacks(r.text, 'href="/checkout"')
    contains(r.text, "Some items cannot be bought as they are.")
    contains(r.text, '<tr class="cart-line cart-line-gone">')
    # Fewer in stock than in the cart.
    shoptest.sql(d, "UPDATE variants SET stock = 1 WHERE id = 1")
    r = cart(cookie=c, data_dir=d, headers=JSON)
    eq(r.json()["cart"]["lines"][0]["state"], "short")
    # Prices are read when the cart is shown.
    shoptest.sql(d, "UPDATE variants SET stock = 5, price = 2000 WHERE id = 1")
    shoptest.sql(d, "UPDATE products SET active = 1 WHERE id = 2")
    status(cart("/cart/items/5/delete", "POST", cookie=c, data_dir=d), 303)
    r = cart(cookie=c, data_dir=d, headers=JSON)
    eq(r.json()["cart"]["subtotal"], 2 * 2000 + 1500)
    eq(r.json()["cart"]["checkout_ok"], True)


@test
def names_are_escaped():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SCRIPT_MUG, 1))
    r = cart(cookie=c, data_dir=d)
    status(r, 200)
    contains(r.text, "<span class=\"line-thumb line-thumb-none\"></span>\n"
             "<div>\n<a href=\"/products/script-mug\">"
             "&lt;script&gt;alert(1)&lt;/script&gt; Mug</a>")
    lacks(r.text, "<script>")


@test
def forged_and_foreign_cookies_are_no_session():
    d = fx.datadir()
    good = session_cookie(add(d, fx.SHIRT_M, 1))
    foreign = "sid=" + "A" * 42 + "E"       # well formed, not ours
    for c in ["sid=garbage", "sid=" + "A" * 43, foreign, "sid=",
              "sid=" + good[4:-1] + "!", "sid=" + good[4:] + "A"]:
        r = cart(cookie=c, data_dir=d)
        status(r, 200)
        contains(r.text, "Your cart is empty.", c)
        eq(r.header("Set-Cookie"),
           "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax", c)
    # Adding with a foreign id makes a new session, never an error.
    r = add(d, fx.HAT, 1, cookie=foreign)
    status(r, 303)
    new = session_cookie(r)
    if new == foreign or new == good:
        raise AssertionError("no new session id")
    eq(nsessions(d), 2)


@test
def expired_sessions_are_no_session():
    d = fx.datadir()
    c = session_cookie(add(d, fx.SHIRT_M, 1))
    # Idle for eight days.
    shoptest.sql(d, "UPDATE sessions SET seen_at = seen_at - 8 * 86400")
    r = cart(cookie=c, data_dir=d)
    contains(r.text, "Your cart is empty.")
    eq(r.header("Set-Cookie"), "sid=; Path=/; Max-Age=0; HttpOnly; "
       "SameSite=Lax")
    # Seen recently but begun 31 days ago.
    shoptest.sql(d, "UPDATE sessions SET seen_at = unixepoch(), "
                 "created_at = unixepoch() - 31 * 86400")
    contains(cart(cookie=c, data_dir=d).text, "Your cart is empty.")
    # A new session sweeps the ended one and its cart.
    status(add(d, fx.HAT, 1), 303)
    eq(nsessions(d), 1)
    eq(items(d), [(fx.HAT, 1)])


@test
def secure_shop_uses_host_prefix():
    d = fx.datadir()
    env = {"SHOP_BASE_URL": "https://shop.example"}
    r = shoptest.cgi("cart", "/cart/items", "POST",
                     body="variant_id=1&quantity=1", data_dir=d, env=env,
                     headers={"Host": "shop.example"})
    status(r, 303)
    sc = r.header("Set-Cookie")
    if not re.fullmatch(r"__Host-sid=[A-Za-z0-9_-]{43}; Path=/; "
                        r"Max-Age=2592000; Secure; HttpOnly; SameSite=Lax",
                        sc):
        raise AssertionError(sc)
    # The plain name means nothing to a secure shop.
    r = shoptest.cgi("cart", "/cart", data_dir=d, env=env, headers={
        "Cookie": "sid=" + sc.split(";")[0].split("=", 1)[1]})
    contains(r.text, "Your cart is empty.")
    r = shoptest.cgi("cart", "/cart", data_dir=d, env=env,
                     headers={"Cookie": sc.split(";")[0]})
    contains(r.text, "Linen shirt")


@test
def wrong_content_types_are_415():
    d = fx.datadir()
    for ct, body in [("text/plain", "variant_id=1&quantity=1"),
                     ("application/json", '{"variant_id":1,"quantity":1}')]:
        r = cart("/cart/items", "POST", body=body, data_dir=d,
                 headers={"Content-Type": ct, **JSON})
        status(r, 415)
        eq(r.json()["status"], 415)
    eq(nsessions(d), 0)


@test
def multipart_add_and_truncated_multipart():
    d = fx.datadir()
    b = ("--XyZ\r\nContent-Disposition: form-data; name=\"variant_id\"\r\n"
         "\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; "
         "name=\"quantity\"\r\n\r\n2\r\n--XyZ--\r\n")
    ct = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    r = cart("/cart/items", "POST", body=b[:-10], data_dir=d, headers=ct)
    status(r, 400)
    contains(r.text, "The form is malformed")
    eq(nsessions(d), 0)
    r = cart("/cart/items", "POST", body=b, data_dir=d,
             headers={"Content-Type": "multipart/form-data"})
    status(r, 400)
    r = cart("/cart/items", "POST", body=b, data_dir=d, headers=ct)
    status(r, 303)
    eq(items(d), [(fx.SHIRT_M, 2)])


@test
def unknown_paths_and_methods():
    d = fx.datadir()
    status(cart("/cart/items/abc", "POST", data_dir=d), 404)
    status(cart("/cart/items/0/delete", "POST", data_dir=d), 404)
    r = cart("/cart/items", "GET", data_dir=d)
    status(r, 405)
    eq(r.header("Allow"), "POST")


shoptest.run()
