"""The cart page's extras: a thumbnail per line (the product's first
image, its narrowest file when kept at several widths), how far the cart
is from free shipping (the method that goes free soonest, in the cart's
currency), and "Empty the cart" asking once on a page of its own, away
from "Check out"."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

JSON = {"Accept": "application/json"}


def cart(path="/cart", method="GET", cookie=None, d=None, headers=None,
         body=b""):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return shoptest.cgi("cart", path, method, body=body, headers=h,
                        data_dir=d)


def add(d, variant, qty, cookie=None):
    r = cart("/cart/items", "POST", cookie=cookie, d=d,
             body=shoptest.form(variant_id=variant, quantity=qty))
    status(r, 303)
    got = [v.split(";")[0] for v in r.header_all("Set-Cookie")
           if v.startswith("sid=")]
    return got[-1] if got else cookie


def methods(d, *rows):
    for i, (code, name, price, currency, free_over, active) in \
            enumerate(rows):
        shoptest.sql(d, "INSERT INTO shipping_methods (code, name, price, "
                     "currency, free_over, position, active) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?)",
                     (code, name, price, currency, free_over, i, active))


def notice(r):
    start = r.text.find('<p class="free-shipping')
    return None if start < 0 else r.text[start:r.text.index("</p>", start)
                                         + 4]


@test
def thumbnails():
    d = fx.datadir()
    # The hat: two images, the first by position; the shirt: an upload
    # kept at three widths.
    shoptest.sql(d, "INSERT INTO images (product_id, path, alt, width, "
                 "height, position) VALUES (2, 'products/hat-b.svg', 'B', "
                 "400, 400, 2), (2, 'products/hat a.svg', 'A', 400, 300, 1)")
    shoptest.sql(d, "INSERT INTO images (product_id, path, alt, width, "
                 "height, position, base, widths) VALUES (1, "
                 "'products/shirt-1280.jpg', 'Shirt', 1280, 960, 0, "
                 "'products/shirt', '[320, 640, 1280]')")
    c = add(d, fx.HAT, 1)
    c = add(d, fx.SHIRT_M, 1, c)
    c = add(d, fx.SCRIPT_MUG, 1, c)
    r = cart(cookie=c, d=d)
    status(r, 200)
    contains(r.text, '<img class="line-thumb" src="/media/products/hat%20a'
             '.svg" alt="" width="400" height="300">')
    lacks(r.text, "hat-b.svg")
    contains(r.text, '<img class="line-thumb" src="/media/products/shirt-320'
             '.jpg" srcset="/media/products/shirt-320.jpg 320w, /media/'
             'products/shirt-640.jpg 640w, /media/products/shirt-1280.jpg '
             '1280w" sizes="4rem" alt="" width="1280" height="960">')
    # No image: a blank square keeps the columns aligned.
    eq(r.text.count('<span class="line-thumb line-thumb-none"></span>'), 1)
    j = cart(cookie=c, d=d, headers=JSON).json()
    eq(j["cart"]["lines"][0]["thumb"]["url"], "/media/products/hat%20a.svg")
    eq("thumb" in j["cart"]["lines"][2], False)


@test
def free_shipping_distance():
    d = fx.datadir()
    methods(d, ("express", "Express", 1500, "EUR", 15000, 1),
            ("standard", "Standard", 495, "EUR", 6000, 1),
            ("usd", "Dollar post", 100, "USD", 100, 1),
            ("off", "Old post", 100, "EUR", 1000, 0),
            ("pickup", "Pick-up", 0, "EUR", None, 1))
    c = add(d, fx.HAT, 1)
    r = cart(cookie=c, d=d)
    eq(notice(r), '<p class="free-shipping">Add €45.00 more for free '
       'shipping: Standard is free from €60.00.</p>')
    j = cart(cookie=c, d=d, headers=JSON).json()
    eq(j["cart"]["free_shipping"], {
        "name": "Standard", "threshold_formatted": "€60.00",
        "missing_formatted": "€45.00", "progress": 25})
    c = add(d, fx.HAT, 3, c)
    eq(notice(cart(cookie=c, d=d)), '<p class="free-shipping free-shipping'
       '-reached">Your order ships free with Standard.</p>')


@test
def bad_no_free_method_no_notice():
    d = fx.datadir()
    methods(d, ("pickup", "Pick-up", 0, "EUR", None, 1),
            ("usd", "Dollar post", 100, "USD", 100, 1),
            ("off", "Old post", 100, "EUR", 1000, 0))
    c = add(d, fx.HAT, 1)
    r = cart(cookie=c, d=d)
    status(r, 200)
    eq(notice(r), None)
    eq("free_shipping" in cart(cookie=c, d=d, headers=JSON).json()["cart"],
       False)
    # An empty cart says nothing of shipping.
    d = fx.datadir()
    methods(d, ("standard", "Standard", 495, "EUR", 6000, 1))
    eq(notice(cart(d=d)), None)


@test
def empty_asks_once_away_from_check_out():
    d = fx.datadir()
    c = add(d, fx.HAT, 2)
    r = cart(cookie=c, d=d)
    actions = r.text[r.text.index('<div class="cart-actions">'):]
    actions = actions[:actions.index("</div>")]
    lacks(actions, "Empty")
    contains(r.text, '<p class="cart-empty-link"><a href="/cart/empty">'
             'Empty the cart</a></p>')
    lacks(r.text, '<form action="/cart/empty"')
    r = cart("/cart/empty", cookie=c, d=d)
    status(r, 200)
    eq(r.header("Cache-Control"), "private, no-store")
    contains(r.text, "<title>Empty your cart? · Shopfile</title>")
    contains(r.text, "<p>This takes the 2 items out of your cart. It cannot "
             "be undone.</p>")
    contains(r.text, '<form action="/cart/empty" method="post" class="'
             'confirm-actions">\n<button type="submit" class="button">Yes, '
             'empty my cart</button>\n<a href="/cart">No, keep my cart</a>')
    # Asking changed nothing; answering yes empties it.
    eq(shoptest.sql(d, "SELECT sum(quantity) FROM cart_items"), [(2,)])
    r = cart("/cart/empty", "POST", cookie=c, d=d)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=emptied")
    eq(shoptest.sql(d, "SELECT count(*) FROM cart_items"), [(0,)])


@test
def bad_empty_cart_is_not_asked():
    d = fx.datadir()
    r = cart("/cart/empty", d=d)
    status(r, 303)
    eq(r.header("Location"), "/cart")
    eq(shoptest.sql(d, "SELECT count(*) FROM sessions"), [(0,)])
    c = add(d, fx.HAT, 1)
    cart("/cart/empty", "POST", cookie=c, d=d)
    r = cart("/cart/empty", cookie=c, d=d)
    status(r, 303)
    eq(r.header("Location"), "/cart")
    for method in ("PUT", "DELETE"):
        status(cart("/cart/empty", method, cookie=c, d=d), 405)


shoptest.run()
