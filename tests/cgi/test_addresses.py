"""The address book as CGI: add, edit, delete, default, one customer's
rows only, validation and escaping; the countries it offers are the
checkout's, and it keeps no address in a country the shop does not ship
to."""

import re

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
                              "country": "FR", "country_name": "France",
                              "phone": "+33 1 23 45 67 89",
                              "is_default": False}, "ok": True})
    r = acct("/account/addresses/2/default", "POST", cookie=c, d=d)
    status(r, 303)
    eq(rows(d), [(1, 1, "Ann Smith", "FR", 0), (2, 1, "Bob", "FR", 1)])
    r = acct("/account/addresses", cookie=c, d=d)
    contains(r.text, '<p class="badge-default">Default address</p>')
    r = acct("/account", cookie=c, d=d)
    contains(r.text, '<address class="postal">Bob<br>1 Rue de la Paix<br>'
             '75001 Lyon<br>France<br>+33 1 23 45 67 89</address>')
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
    contains(r.text, 'aria-invalid="true" aria-describedby="f-country-error"')
    contains(r.text, 'value="Ann Smith"')
    eq(rows(d), [])


# The countries the shop ships to, as lib/shop/country.c lists them.
COUNTRIES = [
    ("AT", "Austria"), ("AU", "Australia"), ("BE", "Belgium"),
    ("CA", "Canada"), ("CH", "Switzerland"), ("CZ", "Czechia"),
    ("DE", "Germany"), ("DK", "Denmark"), ("ES", "Spain"),
    ("FI", "Finland"), ("FR", "France"), ("GB", "United Kingdom"),
    ("GR", "Greece"), ("IE", "Ireland"), ("IT", "Italy"), ("JP", "Japan"),
    ("LU", "Luxembourg"), ("NL", "Netherlands"), ("NO", "Norway"),
    ("NZ", "New Zealand"), ("PL", "Poland"), ("PT", "Portugal"),
    ("SE", "Sweden"), ("US", "United States"),
]


def country_select(html):
    """The options of the country <select>: (value, label, selected)."""
    m = re.search(r'<select id="f-country" name="country"[^>]*>(.*?)'
                  r'</select>', html, re.S)
    assert m, "no country select in the page"
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>',
                      m.group(1))


def options(html):
    return [(v, label) for v, _, label in country_select(html)]


def chosen(html):
    return [v for v, sel, _ in country_select(html) if sel]


@test
def bad_country_is_refused_and_nothing_written():
    d = fx.datadir()
    c = customer(d)
    # Two letters, but not a country the shop ships to.
    for country in ("ZZ", "zz", "XK"):
        r = acct("/account/addresses", "POST", cookie=c, d=d, headers=JSON,
                 body=dict(ADDR, country=country))
        status(r, 422)
        eq(r.json(), {"ok": False, "errors": {
            "country": "We do not ship to that country."}})
    r = acct("/account/addresses", "POST", cookie=c, d=d,
             body=dict(ADDR, country="ZZ"))
    status(r, 422)
    contains(r.text, '<p class="field-error" id="f-country-error">We do '
             'not ship to that country.</p>')
    contains(r.text, '<select id="f-country" name="country" '
             'autocomplete="country" required aria-invalid="true" '
             'aria-describedby="f-country-error">')
    # Nothing in the list is chosen for it: the customer must pick one.
    eq(chosen(r.text), [""])
    contains(r.text, '<option value="" selected>Choose a country</option>')
    contains(r.text, 'value="1 Rue de la Paix"')
    # Other mistakes are told beside it.
    r = acct("/account/addresses", "POST", cookie=c, d=d, headers=JSON,
             body=dict(ADDR, country="ZZ", city=""))
    status(r, 422)
    eq(r.json()["errors"], {"city": "Town or city is required.",
                            "country": "We do not ship to that country."})
    eq(rows(d), [])
    eq(shoptest.sql(d, "SELECT count(*) FROM addresses"), [(0,)])

    # Nor can a saved address be moved there.
    status(acct("/account/addresses", "POST", body=ADDR, cookie=c, d=d),
           303)
    r = acct("/account/addresses/1", "POST", cookie=c, d=d, headers=JSON,
             body=dict(ADDR, country="ZZ", city="Nowhere"))
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {
        "country": "We do not ship to that country."}})
    eq(shoptest.sql(d, "SELECT city, country FROM addresses"),
       [("Paris", "FR")])


@test
def good_country_is_saved():
    d = fx.datadir()
    c = customer(d)
    r = acct("/account/addresses", "POST", cookie=c, d=d, headers=JSON,
             body=dict(ADDR, country="de", city="Berlin"))
    status(r, 201)
    eq(r.json()["address"]["country"], "DE")
    r = acct("/account/addresses/1", "POST", cookie=c, d=d,
             body=dict(ADDR, country="NZ", city="Wellington"))
    status(r, 303)
    eq(shoptest.sql(d, "SELECT city, country FROM addresses"),
       [("Wellington", "NZ")])
    # The edit form shows it chosen in the list.
    r = acct("/account/addresses/1", cookie=c, d=d)
    status(r, 200)
    eq(chosen(r.text), ["NZ"])


@test
def address_kept_from_before_must_choose_a_country():
    d = fx.datadir()
    c = customer(d)
    shoptest.sql(d, "INSERT INTO addresses (user_id, name, line1, city, "
                 "postcode, country, created_at) VALUES (1, 'Ann', '1 Way', "
                 "'Nowhere', '1', 'ZZ', 0)")
    r = acct("/account/addresses/1", cookie=c, d=d)
    status(r, 200)
    eq(chosen(r.text), [""])
    eq(options(r.text), [("", "Choose a country")] + COUNTRIES)
    # Saved without choosing one: refused.
    r = acct("/account/addresses/1", "POST", cookie=c, d=d, headers=JSON,
             body=dict(ADDR, country=""))
    status(r, 422)
    eq(r.json()["errors"], {"country": "Country is required."})
    eq(shoptest.sql(d, "SELECT country FROM addresses"), [("ZZ",)])


@test
def checkout_and_address_book_offer_the_same_countries():
    d = fx.datadir()
    c = customer(d)
    r = acct("/account/addresses/new", cookie=c, d=d)
    status(r, 200)
    book = options(r.text)
    eq(book, COUNTRIES)
    # A new address starts with the shop's country, as checkout does.
    eq(chosen(r.text), ["FR"])
    contains(r.text, '<label for="f-country">Country</label>')
    r = shoptest.cgi("account", "/account/addresses/new",
                     headers={"Cookie": c}, data_dir=d,
                     env=dict(FAST, SHOP_COUNTRY="SE"))
    eq(chosen(r.text), ["SE"])

    status(shoptest.cgi("cart", "/cart/items", "POST",
                        body=shoptest.form(variant_id=str(fx.HAT),
                                           quantity="1"),
                        headers={"Cookie": c}, data_dir=d), 303)
    r = shoptest.cgi("checkout", "/checkout", headers={"Cookie": c},
                     data_dir=d)
    status(r, 200)
    eq(options(r.text), book)
    eq(chosen(r.text), ["FR"])
    contains(r.text, '<label for="f-country">Country</label>')
    # The checkout fills in a saved address with its country chosen.
    status(acct("/account/addresses", "POST", cookie=c, d=d,
                body=dict(ADDR, country="IT", city="Roma")), 303)
    r = shoptest.cgi("checkout", "/checkout", headers={"Cookie": c},
                     data_dir=d)
    eq(chosen(r.text), ["IT"])
    # And its JSON lists the same.
    r = acct("/account/addresses/new", cookie=c, d=d, headers=JSON)
    eq([(x["code"], x["name"]) for x in r.json()["countries"]], COUNTRIES)


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
