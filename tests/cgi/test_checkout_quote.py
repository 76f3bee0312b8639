"""The checkout's quote as JSON, what static/checkout.js asks for when the
shipping method or the country changes: GET /checkout?country=..&shipping=..
with Accept: application/json answers the amounts, the total the form
then posts, which tax line shows, and whether the order can be placed;
the page keeps its no-JavaScript button and loads the script from a file
(no inline script)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

JSON = {"Accept": "application/json"}


def shop():
    d = fx.datadir()
    shoptest.sql(d, "INSERT INTO shipping_methods (code, name, price, "
                 "currency, free_over, position) VALUES ('standard', "
                 "'Standard', 495, 'EUR', 6000, 0), ('express', 'Express', "
                 "1290, 'EUR', NULL, 1)")
    shoptest.sql(d, "INSERT INTO tax_rates (country, name, rate_bp, "
                 "inclusive) VALUES ('FR', 'VAT', 2000, 1), ('US', "
                 "'Sales tax', 825, 0)")
    r = shoptest.cgi("cart", "/cart/items", "POST", data_dir=d,
                     body=shoptest.form(variant_id=fx.HAT, quantity=2))
    status(r, 303)
    sid = [v.split(";")[0] for v in r.header_all("Set-Cookie")
           if v.startswith("sid=")][-1]
    return d, sid


def quote(d, sid, query, headers=JSON):
    h = dict(headers)
    if sid:
        h["Cookie"] = sid
    return shoptest.cgi("checkout", "/checkout", query=query, headers=h,
                        data_dir=d)


def amounts(j):
    q = j["quote"]
    return ({k: q[k] for k in ("subtotal", "shipping", "tax", "total",
                               "total_formatted", "tax_added",
                               "tax_included", "no_tax")},
            j["total"]["value"], j["can_order"])


@test
def quote_follows_country_and_shipping():
    d, sid = shop()
    cases = [
        ("country=FR&shipping=standard",
         ({"subtotal": 3000, "shipping": 495, "tax": 583, "total": 3495,
           "total_formatted": "€34.95", "tax_added": False,
           "tax_included": True, "no_tax": False}, "3495", True)),
        ("country=FR&shipping=express",
         ({"subtotal": 3000, "shipping": 1290, "tax": 715, "total": 4290,
           "total_formatted": "€42.90", "tax_added": False,
           "tax_included": True, "no_tax": False}, "4290", True)),
        ("country=US&shipping=standard",
         ({"subtotal": 3000, "shipping": 495, "tax": 289, "total": 3784,
           "total_formatted": "€37.84", "tax_added": True,
           "tax_included": False, "no_tax": False}, "3784", True)),
        ("country=JP&shipping=express",
         ({"subtotal": 3000, "shipping": 1290, "tax": 0, "total": 4290,
           "total_formatted": "€42.90", "tax_added": False,
           "tax_included": False, "no_tax": True}, "4290", True)),
    ]
    for query, want in cases:
        r = quote(d, sid, query)
        status(r, 200)
        eq(r.header("Cache-Control"), "no-store", query)
        eq(r.header("Content-Type"), "application/json", query)
        eq(amounts(r.json()), want, query)
    # Asking wrote nothing: no order, the cart as it was.
    eq(shoptest.sql(d, "SELECT count(*) FROM orders"), [(0,)])
    eq(shoptest.sql(d, "SELECT quantity FROM cart_items"), [(2,)])


@test
def bad_unknown_country_is_the_default_one():
    d, sid = shop()
    for country in ("XX", "fr-FR", "", "F", "ZZ"):
        j = quote(d, sid, f"country={country}&shipping=standard").json()
        eq(j["quote"]["total"], 3495, country)
        eq([c["code"] for c in j["countries"] if c["selected"]], ["FR"])


@test
def bad_malformed_query_is_a_json_400():
    d, sid = shop()
    r = quote(d, sid, "country=%00&shipping=standard")
    status(r, 400)
    eq(r.json(), {"ok": False, "status": 400, "error": "The query string "
                  "is malformed: the input holds a NUL byte."})


@test
def bad_unknown_shipping_takes_the_first_offered():
    # A method not offered where the order goes (gone, or of another
    # zone after the country changed): the summary is that of the first
    # one offered there, marked chosen, for the script to check it.
    d, sid = shop()
    j = quote(d, sid, "country=FR&shipping=teleport").json()
    eq([(m["code"], m["selected"]) for m in j["shipping_methods"]],
       [("standard", True), ("express", False)])
    eq(j["can_order"], True)
    eq(j["quote"]["shipping_formatted"], "€4.95")


@test
def bad_no_cart_is_empty():
    d, _ = shop()
    j = quote(d, None, "country=FR&shipping=standard").json()
    eq(j["empty"], True)
    eq(j["can_order"], False)
    eq(j["quote"]["lines"], [])


@test
def page_keeps_the_button_and_loads_the_script():
    d, sid = shop()
    r = quote(d, sid, "", headers={})
    status(r, 200)
    contains(r.text, '<script src="/static/checkout.js" defer></script>')
    contains(r.text, '<form class="checkout-form" action="/checkout" '
             'method="post" novalidate data-quote-form>')
    contains(r.text, '<p class="quote-update"><button type="submit" '
             'class="link-button" formaction="/checkout" formmethod="get">'
             'Update the summary for this country and shipping</button></p>')
    contains(r.text, '<input type="hidden" name="total" value="3495">')
    head = r.text[:r.text.index("</head>")]
    eq(head.count("<script"), 2)
    lacks(r.text, "<script>")
    csp = r.header("Content-Security-Policy")
    contains(csp, "script-src 'self'")
    lacks(csp, "unsafe-inline")


shoptest.run()
