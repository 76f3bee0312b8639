"""Cart and accounts behind a real lighttpd, driven over HTTP with a cookie
jar as a browser would (and with JSON as a script would): sign-up, log-in,
the cart kept and merged across log-in, a password reset from the mail
file, log-in throttling, and cross-origin refusal."""

import email
import email.policy
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import worker_once, contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import signups  # noqa: E402

ENV = {"SHOP_INSECURE_FAST_PWHASH": "1", "SHOP_MAIL_FROM": "shop@shop.example"}
JSON = {"Accept": "application/json"}
_server = []


def server():
    if not _server:
        d = fx.datadir()
        _server.append(shoptest.Lighttpd(d, env=ENV).start())
    return _server[0]


def browser():
    """A client that sends what a browser sends with a same-origin form."""
    c = server().client()
    c.same = {"Sec-Fetch-Site": "same-origin",
              "Origin": f"http://127.0.0.1:{c.port}"}
    return c


def post(c, path, fields, headers=None):
    return c.post(path, fields, headers={**getattr(c, "same", {}),
                                         **(headers or {})})


def signup(c, name, email, password="correct horse"):
    """Sign up and follow the mail's link, as the owner of email would."""
    r = post(c, "/account/signup", {"name": name, "email": email,
                                    "password": password})
    status(r, 303)
    eq(r.header("Location"), "/account/signup?notice=check_mail")
    r = signups.confirm_client(c, server().data_dir, email,
                               headers=getattr(c, "same", None))
    status(r, 303)
    eq(r.header("Location"), "/account?notice=welcome")
    return r


def sql(q, params=()):
    return shoptest.sql(server().data_dir, q, params)


def cart_lines(c):
    r = c.get("/cart", headers=JSON)
    status(r, 200)
    return [(x["variant_id"], x["quantity"]) for x in r.json()["cart"]["lines"]]


@test
def guest_cart_survives_signup_and_merges_at_login():
    b = browser()
    r = post(b, "/cart/items", {"variant_id": fx.SHIRT_M, "quantity": 2})
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=added")
    r = b.get("/cart?notice=added")
    status(r, 200)
    contains(r.text, "Added to your cart.")
    # Every page's header shows the count, the catalog's too.
    contains(b.get("/").text, '<span class="badge">2<span '
             'class="visually-hidden"> items</span></span>')
    signup(b, "Dee", "dee@example.com")
    eq(cart_lines(b), [(fx.SHIRT_M, 2)])
    contains(b.get("/").text, '<a href="/account">Dee</a>')
    status(post(b, "/account/logout", {}), 303)
    eq(cart_lines(b), [])
    contains(b.get("/").text, '<a href="/account">Sign in</a>')
    # Another visit as a guest, then log-in: the carts merge, capped at
    # the stock (5 shirts).
    status(post(b, "/cart/items", {"variant_id": fx.SHIRT_M,
                                   "quantity": 4}), 303)
    status(post(b, "/cart/items", {"variant_id": fx.HAT, "quantity": 1}), 303)
    r = post(b, "/account/login", {"email": "DEE@example.com",
                                   "password": "correct horse",
                                   "next": "/cart"})
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=signed_in")
    eq(cart_lines(b), [(fx.SHIRT_M, 5), (fx.HAT, 1)])
    r = b.get("/cart")
    contains(r.text, 'Subtotal (6 items)</th><td class="num">€140.00</td>')


@test
def account_pages_redirect_to_login_and_back():
    b = browser()
    r = b.get("/account/addresses")
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Faccount%2Faddresses")
    r = b.get(r.header("Location"))
    contains(r.text, '<input type="hidden" name="next" '
             'value="/account/addresses">')
    signup(b, "Eve", "eve@example.com")
    r = post(b, "/account/logout", {})
    r = post(b, "/account/login", {"email": "eve@example.com", "password":
                                   "correct horse", "next":
                                   "/account/addresses"})
    eq(r.header("Location"), "/account/addresses?notice=signed_in")
    status(b.get("/account/addresses"), 200)


@test
def password_reset_from_the_mail_file():
    b = browser()
    signup(b, "Fay", "fay@example.com")
    other = browser()
    status(post(other, "/account/password/forgot",
                {"email": "fay@example.com"}), 303)
    worker_once(server().data_dir,
                {"SHOP_BASE_URL": f"http://127.0.0.1:{server().port}"})
    files = glob.glob(os.path.join(server().data_dir, "mail", "*.eml"))
    msgs = []
    for p in files:
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if m["To"].addresses[0].addr_spec == "fay@example.com" and \
                m["Subject"].startswith("Reset"):
            msgs.append(m)
    eq(len(msgs), 1)
    text = msgs[0].get_body(("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+)(/account/password/reset\?"
                     r"token=[A-Za-z0-9_-]{43})", text)
    eq(link.group(1), f"http://127.0.0.1:{server().port}")
    r = other.get(link.group(2))
    status(r, 200)
    token = link.group(2).split("=", 1)[1]
    r = post(other, "/account/password/reset", {"token": token,
                                                "password": "fresh secret"})
    status(r, 303)
    eq(r.header("Location"), "/account?notice=password_reset")
    contains(other.get("/account").text, "Signed in as <strong>Fay</strong>")
    # The first browser's session ended with the old password.
    status(b.get("/account"), 303)
    r = post(b, "/account/login", {"email": "fay@example.com",
                                   "password": "correct horse"})
    status(r, 422)
    status(post(b, "/account/login", {"email": "fay@example.com",
                                      "password": "fresh secret"}), 303)


@test
def login_throttled_after_five_failures():
    b = browser()
    # The sign-up's link makes this browser a trusted device.
    signup(b, "Gus", "gus@example.com")
    status(post(b, "/account/logout", {}), 303)
    # Other tests failed log-ins from this address too.
    sql_cache("DELETE FROM throttles")
    stranger = server().client()
    for i in range(5):
        r = post(stranger, "/account/login", {"email": "gus@example.com",
                                              "password": f"wrong {i}"},
                 headers=JSON)
        status(r, 422)
    r = post(stranger, "/account/login", {"email": "gus@example.com",
                                          "password": "correct horse"},
             headers=JSON)
    status(r, 429)
    retry = int(r.header("Retry-After"))
    if not 0 < retry <= 60:
        raise AssertionError(f"Retry-After: {retry}")
    eq(r.json(), {"ok": False, "errors": {"form": "Too many failed attempts "
                  "to sign in. Please wait 1 minute and try again, or "
                  "reset your password."}})
    r = post(stranger, "/account/login", {"email": "gus@example.com",
                                          "password": "correct horse"})
    status(r, 429)
    contains(r.text, "Too many failed attempts to sign in.")
    # The browser that signed in to the account before is let in: it
    # holds a device cookie for it.
    if "dev" not in b.cookies:
        raise AssertionError(f"no device cookie in {b.cookies}")
    status(post(b, "/account/login", {"email": "gus@example.com",
                                      "password": "correct horse"}), 303)
    status(post(b, "/account/logout", {}), 303)
    # An address is refused for every account past its own allowance.
    sql_cache("DELETE FROM throttles")
    for i in range(20):
        status(post(stranger, "/account/login", {
            "email": f"x{i}@example.com", "password": "nope"}), 422)
    status(post(stranger, "/account/login", {
        "email": "gus@example.com", "password": "correct horse"}), 429)
    sql_cache("DELETE FROM throttles")
    status(post(stranger, "/account/login", {
        "email": "gus@example.com", "password": "correct horse"}), 303)


def sql_cache(q):
    return shoptest.sql(server().data_dir, q, db="cache.db")


@test
def cross_origin_posts_refused():
    c = server().client()
    for h in ({"Sec-Fetch-Site": "cross-site"},
              {"Origin": "http://evil.example"},
              {"Origin": "null"}):
        r = c.post("/cart/items", {"variant_id": fx.HAT, "quantity": 1},
                   headers=h)
        status(r, 403)
        contains(r.text, "This form was sent from another site")
        r = c.post("/account/login", {"email": "a@example.com",
                                      "password": "x"}, headers=h)
        status(r, 403)
    eq(c.cookies, {})
    for h in ({"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
              {"Origin": f"http://127.0.0.1:{c.port}"}, {}):
        status(c.post("/cart/items", {"variant_id": fx.HAT, "quantity": 1},
                      headers=h), 303)


@test
def a_script_with_json_and_a_cookie_jar():
    c = server().client()     # curl -b/-c: no browser headers at all
    r = c.post("/cart/items", {"variant_id": fx.HAT, "quantity": 2},
               headers=JSON)
    status(r, 200)
    eq(r.json()["cart"]["count"], 2)
    r = c.post("/account/signup", {"email": "hal@example.com", "name": "Hal",
                                   "password": "correct horse"}, headers=JSON)
    status(r, 202)
    eq(r.json(), {"ok": True})
    token = signups.token_for(server().data_dir, "hal@example.com")
    r = c.post("/account/confirm", {"token": token}, headers=JSON)
    status(r, 201)
    eq(r.json()["user"]["email"], "hal@example.com")
    r = c.post("/account/addresses", {
        "name": "Hal", "line1": "2 Main St", "city": "Springfield",
        "postcode": "12345", "country": "us"}, headers=JSON)
    status(r, 201)
    eq(r.json()["address"]["country"], "US")
    eq(r.json()["address"]["is_default"], True)
    r = c.get("/account", headers=JSON)
    status(r, 200)
    eq(r.json()["user"]["name"], "Hal")
    eq(r.json()["default_address"]["city"], "Springfield")
    eq(cart_lines(c), [(fx.HAT, 2)])
    r = c.post("/cart/items/3", {"quantity": "abc"}, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"quantity":
                                          "Enter a whole number from 1 to "
                                          "99."}})
    r = c.post("/account/logout", {}, headers=JSON)
    status(r, 200)
    eq(r.json(), {"ok": True})
    status(c.get("/account", headers=JSON), 401)


shoptest.run()
