"""A checkout form's key belongs to the browser it was given to. POST
/checkout with a key that already placed an order answers that order only
to the session that placed it (a double click, a replay) or to the
signed-in customer it belongs to; from any other browser, or with no
cookie at all, it is a 409 with a plain message that names nothing of the
order, and nothing is created, charged or taken from that browser's cart.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
import signups  # noqa: E402
from shoptest import eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
FOREIGN = ("This checkout form was already used to place an order from "
           "another browser. Nothing was ordered now: open the checkout "
           "page again to place yours.")
ADDRESS = {"email": "ann@example.test", "name": "Ann Victim",
           "line1": "1 Rue Secrète", "line2": "", "city": "Paris",
           "postcode": "75001", "country": "FR", "shipping": "standard"}
# What another browser sends with the key it got hold of.
OTHER = {"email": "eve@example.test", "name": "Eve", "line1": "2 Rue Y",
         "line2": "", "city": "Lyon", "postcode": "69001", "country": "FR",
         "shipping": "standard"}

_data = fx.datadir()
pf.pricing(_data)
gw = Gateway().start()
srv = shoptest.Lighttpd(_data, env={**gw.shop_env(),
                                    "SHOP_INSECURE_FAST_PWHASH": "1"}).start()


def sql(q, params=()):
    return shoptest.sql(_data, q, params)


def browser():
    c = srv.client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{srv.port}"}
    return c


def post(c, path, fields, headers=None):
    return c.post(path, fields, headers={**getattr(c, "same", {}),
                                         **(headers or {})})


def form(c):
    """The checkout page's key and total, as JSON gives them."""
    p = c.get("/checkout", headers=JSON).json()
    return p["checkout_key"]["value"], p["total"]["value"]


def placed(c, vid=fx.HAT):
    status(post(c, "/cart/items", {"variant_id": vid, "quantity": 1}), 303)
    key, total = form(c)
    r = post(c, "/checkout", {**ADDRESS, "checkout_key": key,
                              "total": total}, headers=JSON)
    status(r, 201)
    return key, total, r.json()


def counts():
    return (sql("SELECT count(*) FROM orders")[0][0],
            sql("SELECT stock FROM variants WHERE id = ?", (fx.HAT,))[0][0],
            len(gw.api("GET", "/v1/checkout/sessions",
                       {"limit": 100})["data"]))


def refused(r, order):
    status(r, 409)
    for secret in (order["token"], order["number"], ADDRESS["email"],
                   ADDRESS["name"], ADDRESS["line1"], "cs_test_"):
        lacks(r.text, secret)
    eq(r.header("Location"), None)



def signed_up(c, fields):
    """Sign up in browser c and finish it by the link of its mail, as its
    owner would: c is then signed in."""
    status(post(c, "/account/signup", fields), 303)
    status(signups.confirm_client(c, _data, fields["email"]), 303)

@test
def bad_key_replayed_without_a_cookie():
    a = browser()
    key, total, j = placed(a)
    before = counts()
    # As curl would send it: no cookie, no browser headers.
    anon = srv.client()
    r = anon.post("/checkout", {**OTHER, "checkout_key": key,
                                "total": total}, headers=JSON)
    refused(r, j["order"])
    eq(r.json(), {"ok": False, "status": 409, "error": FOREIGN})
    r = anon.post("/checkout", {**OTHER, "checkout_key": key})
    refused(r, j["order"])
    shoptest.contains(r.text, FOREIGN)
    eq(r.header("Content-Type"), "text/html; charset=utf-8")
    eq(anon.cookies, {})
    eq(counts(), before)


@test
def bad_key_replayed_from_another_session():
    a = browser()
    key, total, j = placed(a)
    b = browser()
    status(post(b, "/cart/items", {"variant_id": fx.HAT, "quantity": 1}),
           303)
    before = counts()
    r = post(b, "/checkout", {**OTHER, "checkout_key": key,
                              "total": total}, headers=JSON)
    refused(r, j["order"])
    eq(r.json(), {"ok": False, "status": 409, "error": FOREIGN})
    r = post(b, "/checkout", {**OTHER, "checkout_key": key, "total": total})
    refused(r, j["order"])
    shoptest.contains(r.text, FOREIGN)
    eq(counts(), before)
    # The other browser's cart is as it was, and its own form works.
    eq([(x["variant_id"], x["quantity"]) for x in
        b.get("/cart", headers=JSON).json()["cart"]["lines"]],
       [(fx.HAT, 1)])
    key2, total2 = form(b)
    r = post(b, "/checkout", {**OTHER, "checkout_key": key2,
                              "total": total2}, headers=JSON)
    status(r, 201)
    eq(r.json()["order"]["id"] != j["order"]["id"], True)


@test
def the_same_browser_finds_its_order_again():
    a = browser()
    key, total, j = placed(a)
    before = counts()
    r = post(a, "/checkout", {**ADDRESS, "checkout_key": key,
                              "total": total}, headers=JSON)
    status(r, 200)
    eq((r.json()["order"]["id"], r.json()["payment_url"]),
       (j["order"]["id"], j["payment_url"]))
    eq(counts(), before)


@test
def the_customer_finds_the_order_from_another_session():
    a = browser()
    signed_up(a, {"name": "Ann", "email":
                                       "ann.owner@example.test",
                                       "password": "correct horse"})
    key, total, j = placed(a)
    b = browser()
    status(post(b, "/account/login", {"email": "ann.owner@example.test",
                                      "password": "correct horse"}), 303)
    r = post(b, "/checkout", {**ADDRESS, "checkout_key": key,
                              "total": total}, headers=JSON)
    status(r, 200)
    eq(r.json()["order"]["id"], j["order"]["id"])
    # Signed out, the same browser is a stranger to it.
    status(post(b, "/account/logout", {}), 303)
    refused(post(b, "/checkout", {**OTHER, "checkout_key": key,
                                  "total": total}, headers=JSON), j["order"])


shoptest.run()
