"""The account program as CGI: sign-up, log-in and log-out, sessions
rotated and required, forms answering 303, 422 and JSON, and bad input."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import signups  # noqa: E402

JSON = {"Accept": "application/json"}
FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
WRONG = "The email or the password is not right."


def acct(path, method="GET", body=b"", cookie=None, headers=None, d=None,
         **kw):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body, headers=h,
                        data_dir=d, env=FAST, **kw)


def sid(resp):
    got = [v.split(";")[0] for v in resp.header_all("Set-Cookie")
           if v.startswith("sid=")]
    if not got:
        raise AssertionError(f"no session cookie in {resp.headers}")
    return got[-1]


def signup(d, email="Ann@Example.COM", name="Ann", password="correct horse",
           cookie=None, **kw):
    """Sign up and follow the mail's link, as the owner of email would:
    the link's answer, which signs the browser in."""
    r = acct("/account/signup", "POST", body={
        "email": email, "name": name, "password": password}, d=d,
        cookie=cookie)
    status(r, 303)
    return signups.confirm_cgi(d, email, cookie=cookie, env=FAST, **kw)


@test
def signup_signs_in_by_the_link():
    d = fx.datadir()
    r = signup(d)
    status(r, 303)
    eq(r.header("Location"), "/account?notice=welcome")
    c = sid(r)
    rows = shoptest.sql(d, "SELECT email, name, role, password_hash FROM "
                        "users")
    eq(len(rows), 1)
    eq(rows[0][:3], ("ann@example.com", "Ann", "customer"))
    if not rows[0][3].startswith("$argon2id$v=19$m=8,t=1,p=1$"):
        raise AssertionError(rows[0][3])
    eq(shoptest.sql(d, "SELECT user_id FROM sessions"), [(1,)])
    r = acct("/account", cookie=c, d=d, query="notice=welcome")
    status(r, 200)
    contains(r.text, "Welcome! Your account is ready.")
    contains(r.text, "Signed in as <strong>Ann</strong> (ann@example.com).")
    contains(r.text, '<a href="/account">Ann</a>')
    contains(r.text, "You have no orders yet.")
    r = acct("/account", cookie=c, d=d, headers=JSON)
    eq(r.json(), {"ok": True, "title": "Your account",
                  "user": {"id": 1, "email": "ann@example.com",
                           "name": "Ann", "admin": False, "staff": False},
                  "orders": [], "has_orders": False})


@test
def signup_json_and_duplicate_email():
    d = fx.datadir()
    r = signup(d, headers=JSON)
    status(r, 201)
    eq(r.json(), {"user": {"id": 1, "email": "ann@example.com",
                           "name": "Ann", "admin": False, "staff": False},
       "ok": True})
    # A second sign-up with the email is answered as any other: the
    # owner is mailed, nothing else happens (tests/cgi/test_signup.py).
    r = acct("/account/signup", "POST", body={
        "email": "  ANN@example.com ", "name": "Ann", "password":
        "correct horse"}, d=d, headers=JSON)
    status(r, 202)
    eq(r.json(), {"ok": True})
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(1,)])


@test
def signup_errors_beside_fields():
    d = fx.datadir()
    r = acct("/account/signup", "POST", body={"email": "", "name": "",
             "password": ""}, d=d, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {
        "name": "Name is required.", "email": "Email is required.",
        "password": "Password is required."}})
    r = acct("/account/signup", "POST", body={
        "email": "a@b", "name": "x" * 101, "password": "short"}, d=d)
    status(r, 422)
    contains(r.text, '<input type="text" id="f-name" name="name" value="'
             + "x" * 101 + '" required maxlength="100" autocomplete="name" '
             'aria-invalid="true" aria-describedby="f-name-error">')
    contains(r.text, '<p class="field-error" id="f-name-error">Name must be '
             'at most 100 characters.</p>')
    contains(r.text, '<p class="field-error" id="f-email-error">Enter an '
             'email address like name@example.com.</p>')
    contains(r.text, 'aria-describedby="f-password-hint f-password-error"')
    contains(r.text, '<p class="field-error" id="f-password-error">Password '
             'must be at least 8 characters.</p>')
    # The password is never sent back.
    contains(r.text, '<input type="password" id="f-password" '
             'name="password" value="" required')
    lacks(r.text, "short")
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(0,)])


@test
def names_with_html_and_sql_are_kept_and_escaped():
    d = fx.datadir()
    name = "<b>Bob</b>'); DROP TABLE users;--"
    c = sid(signup(d, email="bob@example.com", name=name))
    eq(shoptest.sql(d, "SELECT name FROM users"), [(name,)])
    r = acct("/account", cookie=c, d=d)
    contains(r.text, "Signed in as <strong>&lt;b&gt;Bob&lt;/b&gt;&#39;); "
             "DROP TABLE users;--</strong>")
    lacks(r.text, "<b>Bob")
    # Control characters are refused.
    r = acct("/account/signup", "POST", body={
        "email": "c@example.com", "name": "a\x07b", "password":
        "correct horse"}, d=d, headers=JSON)
    eq(r.json()["errors"], {"name": "Name must not hold control "
                            "characters."})


@test
def login_rotates_session_and_merges_cart():
    d = fx.datadir()
    status(signup(d), 303)
    # A guest fills a cart.
    r = shoptest.cgi("cart", "/cart/items", "POST",
                     body="variant_id=1&quantity=2", data_dir=d)
    guest = sid(r)
    r = acct("/account/login", "POST", body={
        "email": "ANN@example.com", "password": "correct horse",
        "next": "/cart"}, cookie=guest, d=d)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=signed_in")
    new = sid(r)
    if new == guest:
        raise AssertionError("the session id was not rotated")
    # The old id is dead; the new one holds the merged cart.
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": guest}, data_dir=d)
    contains(r.text, "Your cart is empty.")
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": new, **JSON},
                     data_dir=d)
    eq([(x["variant_id"], x["quantity"]) for x in r.json()["cart"]["lines"]],
       [(1, 2)])
    eq(shoptest.sql(d, "SELECT session_id, user_id FROM carts"), [(None, 1)])


@test
def login_same_answer_for_unknown_email_and_wrong_password():
    d = fx.datadir()
    status(signup(d), 303)
    a = acct("/account/login", "POST", body={
        "email": "ann@example.com", "password": "wrong password"},
        d=d, headers=JSON)
    b = acct("/account/login", "POST", body={
        "email": "nobody@example.com", "password": "wrong password"},
        d=d, headers=JSON)
    status(a, 422)
    status(b, 422)
    eq(a.body, b.body)
    eq(a.json(), {"ok": False, "errors": {"form": WRONG}})
    r = acct("/account/login", "POST", body={
        "email": "nobody@example.com", "password": "x"}, d=d)
    status(r, 422)
    contains(r.text, f"<li>{WRONG}</li>")
    contains(r.text, 'value="nobody@example.com"')
    eq(r.header_all("Set-Cookie"), [])


@test
def next_must_be_a_local_path():
    d = fx.datadir()
    r = acct("/account/login", query="next=/account/addresses", d=d)
    status(r, 200)
    contains(r.text, '<input type="hidden" name="next" '
             'value="/account/addresses">')
    r = acct("/account/login", query="next=//evil.example/", d=d)
    contains(r.text, '<input type="hidden" name="next" value="">')
    status(signup(d), 303)
    for bad in ("//evil.example", "/\\evil.example", "https://evil.example",
                "javascript:alert(1)"):
        r = acct("/account/login", "POST", body={
            "email": "ann@example.com", "password": "correct horse",
            "next": bad}, d=d)
        status(r, 303)
        eq(r.header("Location"), "/account?notice=signed_in", bad)


@test
def account_pages_need_a_session():
    d = fx.datadir()
    r = acct("/account", d=d)
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Faccount")
    r = acct("/account/addresses", d=d, query="x=1")
    eq(r.header("Location"),
       "/account/login?next=%2Faccount%2Faddresses%3Fx%3D1")
    r = acct("/account/addresses", "POST", body={"name": "x"}, d=d)
    status(r, 303)
    eq(r.header("Location"), "/account/login")
    r = acct("/account/orders", d=d, headers=JSON)
    status(r, 401)
    eq(r.json(), {"ok": False, "status": 401,
                  "error": "Please sign in first."})
    # A guest's session is not an account.
    guest = sid(shoptest.cgi("cart", "/cart/items", "POST",
                             body="variant_id=3&quantity=1", data_dir=d))
    status(acct("/account", cookie=guest, d=d), 303)
    # Nor is a forged or foreign cookie.
    r = acct("/account", cookie="sid=" + "B" * 42 + "A", d=d)
    status(r, 303)


@test
def logout_ends_the_session():
    d = fx.datadir()
    c = sid(signup(d))
    r = acct("/account/logout", "POST", cookie=c, d=d)
    status(r, 303)
    eq(r.header("Location"), "/account/login?notice=signed_out")
    eq(r.header("Set-Cookie"), "sid=; Path=/; Max-Age=0; HttpOnly; "
       "SameSite=Lax")
    eq(shoptest.sql(d, "SELECT count(*) FROM sessions"), [(0,)])
    status(acct("/account", cookie=c, d=d), 303)
    r = acct("/account/login", query="notice=signed_out", d=d)
    contains(r.text, "You are signed out.")


@test
def order_history_reads_orders():
    d = fx.datadir()
    c = sid(signup(d))
    r = acct("/account/orders", cookie=c, d=d)
    status(r, 200)
    contains(r.text, "You have no orders yet.")
    shoptest.sql(d, "INSERT INTO orders (number, token, state, email, "
                 "user_id, currency, subtotal, shipping, tax, total, tax_name,"
                 " tax_rate_bp, tax_inclusive, shipping_code, shipping_name, "
                 "ship_name, ship_line1, ship_city, ship_postcode, "
                 "ship_country, reserved_until, created_at) VALUES "
                 "('SF-000001', ?, 'paid', 'ann@example.com', 1, 'EUR', "
                 "2500, 500, 0, 3000, 'VAT', 2000, 1, 'std', 'Standard', "
                 "'Ann', '1 Rue', 'Paris', '75001', 'FR', 0, "
                 "'2026-11-20T10:00:00Z')", ("t" * 40,))
    r = acct("/account/orders", cookie=c, d=d)
    contains(r.text, '<thead><tr><th scope="col">Order</th><th scope="col">'
             'Date</th><th scope="col">Status</th><th scope="col" '
             'class="num">Total</th></tr></thead>')
    contains(r.text, '<tr><th scope="row"><a href="/orders/' + "t" * 40 +
             '">Order SF-000001</a></th><td class="order-date"><time '
             'datetime="2026-11-20T10:00:00Z">20 Nov 2026</time></td><td '
             'class="order-state order-paid">Paid</td><td class="num price">'
             '€30.00</td></tr>')
    r = acct("/account/orders", cookie=c, d=d, headers=JSON)
    eq(r.json()["orders"][0]["total"], 3000)


shoptest.run()
