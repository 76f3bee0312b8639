"""The address book as CGI: add, edit, delete, default, one customer's
rows only, validation and escaping."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import signups  # noqa: E402

JSON = {"Accept": "application/json"}
FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
ADDR = {"name": "Ann Smith", "line1": "1 Rue de la Paix", "line2": "",
        "city": "Paris", "postcode": "75001", "country": "fr",
        "phone": "+33 1 23 45 67 89"}


def acct(path, method="GET", body=b"", cookie=None, headers=None, d=None,
         **kw):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body, headers=h,
                        data_dir=d, env=FAST, **kw)


def customer(d, email="ann@example.com"):
    r = acct("/account/signup", "POST", body={
        "email": email, "name": "Ann", "password": "correct horse"}, d=d)
    status(r, 303)
    r = signups.confirm_cgi(d, email, env=FAST)
    status(r, 303)
    return [v.split(";")[0] for v in r.header_all("Set-Cookie")
            if v.startswith("sid=")][-1]


def rows(d):
    return shoptest.sql(d, "SELECT id, user_id, name, country, is_default "
                        "FROM addresses ORDER BY id")


@test
def add_list_and_default():
    d = fx.datadir()
    c = customer(d)
    r = acct("/account/addresses/new", cookie=c, d=d)
    status(r, 200)
    contains(r.text, '<label for="f-postcode">Postcode</label>')
    contains(r.text, '<label for="f-line2">Address line 2 <span '
             'class="optional">(optional)</span></label>')
    r = acct("/account/addresses", "POST", body=ADDR, cookie=c, d=d)
    status(r, 303)
    eq(r.header("Location"), "/account/addresses?notice=address_added")
    eq(rows(d), [(1, 1, "Ann Smith", "FR", 1)])
    r = acct("/account/addresses", "POST", cookie=c, d=d, headers=JSON,
             body=dict(ADDR, name="Bob", city="Lyon"))
    status(r, 201)
    eq(r.json(), {"address": {"id": 2, "name": "Bob",
                              "line1": "1 Rue de la Paix", "line2": "",
                              "city": "Lyon", "postcode": "75001",
                              "country": "FR", "phone": "+33 1 23 45 67 89",
                              "is_default": False}, "ok": True})
    r = acct("/account/addresses/2/default", "POST", cookie=c, d=d)
    status(r, 303)
    eq(rows(d), [(1, 1, "Ann Smith", "FR", 0), (2, 1, "Bob", "FR", 1)])
    r = acct("/account/addresses", cookie=c, d=d)
    contains(r.text, '<p class="badge-default">Default address</p>')
    r = acct("/account", cookie=c, d=d)
    contains(r.text, '<address class="postal">Bob<br>1 Rue de la Paix<br>'
             '75001 Lyon<br>FR<br>+33 1 23 45 67 89</address>')
    # A new default replaces the old one.
    r = acct("/account/addresses", "POST", cookie=c, d=d,
             body=dict(ADDR, name="Cy", is_default="on"))
    status(r, 303)
    eq([x[4] for x in rows(d)], [0, 0, 1])


@test
def edit_and_delete():
    d = fx.datadir()
    c = customer(d)
    status(acct("/account/addresses", "POST", body=ADDR, cookie=c, d=d), 303)
    status(acct("/account/addresses", "POST", body=dict(ADDR, name="Bob"),
                cookie=c, d=d), 303)
    r = acct("/account/addresses/1", cookie=c, d=d)
    status(r, 200)
    contains(r.text, '<form action="/account/addresses/1" method="post"')
    contains(r.text, 'id="f-city" name="city" value="Paris"')
    contains(r.text, 'type="checkbox" id="f-is_default" name="is_default" '
             'checked')
    r = acct("/account/addresses/1", "POST", cookie=c, d=d,
             body=dict(ADDR, city="Nice"))
    status(r, 303)
    eq(r.header("Location"), "/account/addresses?notice=address_saved")
    eq(shoptest.sql(d, "SELECT city, is_default FROM addresses WHERE id = 1"),
       [("Nice", 1)])
    # Deleting the default makes the oldest remaining one the default.
    r = acct("/account/addresses/1/delete", "POST", cookie=c, d=d)
    status(r, 303)
    eq(rows(d), [(2, 1, "Bob", "FR", 1)])
    status(acct("/account/addresses/1/delete", "POST", cookie=c, d=d), 404)
    status(acct("/account/addresses/1", cookie=c, d=d), 404)


@test
def other_customers_addresses_are_not_found():
    d = fx.datadir()
    ann = customer(d)
    bob = customer(d, "bob@example.com")
    status(acct("/account/addresses", "POST", body=ADDR, cookie=ann, d=d),
           303)
    status(acct("/account/addresses/1", cookie=bob, d=d), 404)
    status(acct("/account/addresses/1", "POST", body=ADDR, cookie=bob, d=d),
           404)
    status(acct("/account/addresses/1/delete", "POST", cookie=bob, d=d), 404)
    status(acct("/account/addresses/1/default", "POST", cookie=bob, d=d), 404)
    eq(rows(d), [(1, 1, "Ann Smith", "FR", 1)])
    r = acct("/account/addresses", cookie=bob, d=d, headers=JSON)
    eq(r.json()["addresses"], [])


@test
def bad_addresses_write_nothing():
    d = fx.datadir()
    c = customer(d)
    r = acct("/account/addresses", "POST", cookie=c, d=d, headers=JSON,
             body={"name": "", "line1": "x" * 201, "city": "a\nb",
                   "postcode": "75<001", "country": "FRA", "phone": "call me",
                   "is_default": "maybe"})
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {
        "name": "Full name is required.",
        "line1": "Address must be at most 200 characters.",
        "city": "Town or city must not hold control characters.",
        "postcode": "Postcode may hold only letters, digits, spaces and "
                    "hyphens.",
        "country": "Country must be at most 2 characters.",
        "phone": "Phone may hold only digits, spaces and + ( ) . -",
        "is_default": "Use as my default address must be on or off."}})
    r = acct("/account/addresses", "POST", cookie=c, d=d,
             body=dict(ADDR, country="1x"))
    status(r, 422)
    contains(r.text, '<p class="field-error" id="f-country-error">Enter a '
             'two-letter country code, like FR or US.</p>')
    contains(r.text, 'aria-describedby="f-country-hint f-country-error"')
    contains(r.text, 'value="Ann Smith"')
    eq(rows(d), [])


@test
def addresses_are_escaped():
    d = fx.datadir()
    c = customer(d)
    status(acct("/account/addresses", "POST", cookie=c, d=d, body=dict(
        ADDR, name="<script>alert(1)</script>",
        line1="\"><img src=x onerror=alert(1)>",
        line2="' OR 1=1; --")), 303)
    eq(shoptest.sql(d, "SELECT line2 FROM addresses"), [("' OR 1=1; --",)])
    for path in ("/account/addresses", "/account", "/account/addresses/1"):
        r = acct(path, cookie=c, d=d)
        status(r, 200)
        lacks(r.text, "<script>alert")
        lacks(r.text, "<img src")
    contains(acct("/account/addresses", cookie=c, d=d).text,
             "&lt;script&gt;alert(1)&lt;/script&gt;<br>&quot;&gt;&lt;img src"
             "=x onerror=alert(1)&gt;<br>&#39; OR 1=1; --<br>")


@test
def address_book_is_bounded():
    d = fx.datadir()
    c = customer(d)
    shoptest.sql(d, "INSERT INTO addresses (user_id, name, line1, city, "
                 "postcode, country, created_at) SELECT 1, 'A', 'B', 'C', "
                 "'D', 'FR', 0 FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                 "ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n)")
    r = acct("/account/addresses", "POST", body=ADDR, cookie=c, d=d,
             headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"form": "Your address book is "
                  "full. Delete an address you no longer use first."}})
    lacks(acct("/account/addresses", cookie=c, d=d).text,
          "/account/addresses/new")


shoptest.run()
