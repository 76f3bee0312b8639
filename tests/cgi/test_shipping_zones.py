"""Shipping zones and rates as CGI: the migration puts every country the
shop ships to and every method into the default zone, so existing shops
change nothing; the back office creates and changes zones and methods
(with their admin log rows); checkout offers only the methods of the
destination's zone within their weight band, and a country in no zone,
a method not offered there, or a band the order's weight is outside is
422 on its field, nothing ordered."""

import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
ALL = ["AT", "AU", "BE", "CA", "CH", "CZ", "DE", "DK", "ES", "FI", "FR",
       "GB", "GR", "IE", "IT", "JP", "LU", "NL", "NO", "NZ", "PL", "PT",
       "SE", "US"]
ADDRESS = {"email": "ann@example.test", "name": "Ann Lee",
           "line1": "1 Rue X", "line2": "", "city": "Paris",
           "postcode": "75001", "country": "FR", "shipping": "standard"}
NO_COUNTRY = "We do not ship to that country."
NOT_OFFERED = ("This shipping method is not offered for this address or "
               "the weight of this order. Please choose another.")

gw = Gateway().start()
GW = {**gw.shop_env(), "SHOP_INSECURE_FAST_PWHASH": "1"}


def shop():
    d = fx.datadir()
    pf.pricing(d)
    return d, af.signed_in(d, "admin")


def sql(d, q, params=()):
    return shoptest.sql(d, q, params)


def body(pairs):
    return urllib.parse.urlencode(pairs)


def post(d, cookie, path, pairs, want=None, as_json=True):
    r = af.admin(d, path, "POST", cookie=cookie, body=body(pairs),
                 json=as_json)
    if want is not None:
        status(r, want)
    return r


def zone_id(d, name):
    return sql(d, "SELECT id FROM shipping_zones WHERE name = ?", (name,))[0][0]


def method_id(d, code):
    return sql(d, "SELECT id FROM shipping_methods WHERE code = ?",
               (code,))[0][0]


def method_pairs(code, name, price, zones, position="5", **over):
    pairs = [("code", code), ("name", name), ("price", price),
             ("position", position), ("active", "on")]
    pairs += [(k, v) for k, v in over.items()]
    return pairs + [("zones", str(z)) for z in zones]


def add(d, vid, qty, cookie=None):
    h = {"Cookie": cookie} if cookie else {}
    r = shoptest.cgi("cart", "/cart/items", "POST",
                     body=shoptest.form(variant_id=vid, quantity=qty),
                     headers=h, data_dir=d)
    status(r, 303)
    got = [v.split(";")[0] for v in r.header_all("Set-Cookie")
           if v.startswith("sid=")]
    return got[-1] if got else cookie


def checkout(d, cookie, method="GET", fields=None, query=""):
    return shoptest.cgi("checkout", "/checkout", method, query=query,
                        body=shoptest.form(**fields) if fields else b"",
                        headers={"Cookie": cookie, **JSON}, data_dir=d,
                        env=GW)


def offered(d, cookie, country):
    p = checkout(d, cookie, query=f"country={country}").json()
    return [m["code"] for m in p["shipping_methods"]], p


def place(d, cookie, **over):
    p = checkout(d, cookie).json()
    return checkout(d, cookie, "POST", {**ADDRESS, "checkout_key":
                                        p["checkout_key"]["value"], **over})


@test
def existing_shops_change_nothing():
    d, _ = shop()
    eq(sql(d, "SELECT name, is_default FROM shipping_zones"),
       [("Everywhere we ship", 1)])
    eq([c for c, in sql(d, "SELECT country FROM shipping_zone_countries "
                           "ORDER BY country")], ALL)
    # Methods added after the migration by a program that knows no zones
    # (pf.pricing() inserts rows) are in the default zone too.
    eq(sql(d, "SELECT m.code FROM shipping_method_zones mz JOIN "
              "shipping_methods m ON m.id = mz.method_id ORDER BY m.code"),
       [("express",), ("standard",)])
    c = add(d, fx.HAT, 1)
    for country in ("FR", "US", "JP"):
        eq(offered(d, c, country)[0], ["standard", "express"])
    status(place(d, c, country="JP"), 201)


@test
def admin_makes_an_eu_zone_with_its_own_method():
    d, admin = shop()
    r = af.admin(d, "/admin/shipping", cookie=admin)
    status(r, 200)
    contains(r.text, '<a href="/admin/shipping" aria-current="page">'
                     'Shipping</a>')
    contains(r.text, '<form action="/admin/shipping/zones" method="post" '
                     'novalidate>')
    r = post(d, admin, "/admin/shipping/zones",
             [("name", "EU"), ("countries", "FR"), ("countries", "DE")],
             as_json=False)
    status(r, 303)
    eq(r.header("Location"), "/admin/shipping?done=created")
    eu = zone_id(d, "EU")
    eq(sql(d, "SELECT country FROM shipping_zone_countries WHERE zone_id = ? "
              "ORDER BY country", (eu,)), [("DE",), ("FR",)])
    (after,), = sql(d, "SELECT after FROM admin_log WHERE action = "
                       "'zone.create'")
    eq(json.loads(after), {"name": "EU", "countries": ["DE", "FR"]})
    post(d, admin, "/admin/shipping/methods",
         method_pairs("eu-post", "EU Post", "3.50", [eu],
                      free_over="40.00"), want=200)
    eq(sql(d, "SELECT price, free_over, active FROM shipping_methods WHERE "
              "code = 'eu-post'"), [(350, 4000, 1)])
    eq(sql(d, "SELECT count(*) FROM admin_log WHERE action = "
              "'shipping_method.create'"), [(1,)])
    # The default zone loses France and Germany: they see the EU's.
    default = zone_id(d, "Everywhere we ship")
    rest = [("countries", c) for c in ALL if c not in ("FR", "DE")]
    post(d, admin, f"/admin/shipping/zones/{default}",
         [("name", "Rest of the world")] + rest, want=200)
    c = add(d, fx.HAT, 1)
    eq(offered(d, c, "FR")[0], ["eu-post"])
    eq(offered(d, c, "US")[0], ["standard", "express"])
    got = af.admin(d, "/admin/shipping", cookie=admin, json=True).json()
    eq([(z["name"], len(z["countries"])) for z in got["zones"]],
       [("Rest of the world", 22), ("EU", 2)])
    eq([(m["code"], m["zones"]) for m in got["methods"]],
       [("standard", [default]), ("express", [default]),
        ("eu-post", [eu])])
    r = place(d, c, shipping="eu-post")
    status(r, 201)
    eq((r.json()["order"]["shipping"], r.json()["order"]["shipping_name"]),
       (350, "EU Post"))
    # A method moves between zones.
    sid = method_id(d, "standard")
    post(d, admin, f"/admin/shipping/methods/{sid}",
         method_pairs("standard", "Standard (3-5 days)", "4.95",
                      [default, eu], free_over="50.00"), want=200)
    c = add(d, fx.HAT, 1)
    eq(offered(d, c, "DE")[0], ["standard", "eu-post"])


@test
def bad_countries_and_methods_at_checkout_are_422():
    d, admin = shop()
    default = zone_id(d, "Everywhere we ship")
    post(d, admin, f"/admin/shipping/zones/{default}",
         [("name", "Everywhere we ship")] +
         [("countries", c) for c in ALL if c != "US"], want=200)
    post(d, admin, "/admin/shipping/zones", [("name", "Far"),
                                              ("countries", "US")], want=200)
    c = add(d, fx.HAT, 1)
    # The US is now in a zone with no method.
    eq(offered(d, c, "US")[0], [])
    r = place(d, c, country="US")
    status(r, 422)
    eq(r.json()["errors"], {"shipping": NOT_OFFERED})
    # In no zone at all.
    post(d, admin, f"/admin/shipping/zones/{zone_id(d, 'Far')}",
         [("name", "Far")], want=200)
    names, page = offered(d, c, "US")
    eq((names, page["problem"]), ([], NO_COUNTRY))
    r = place(d, c, country="US")
    status(r, 422)
    eq(r.json()["errors"], {"country": NO_COUNTRY})
    r = checkout(d, c, "POST", {**ADDRESS, "country": "US",
                                "checkout_key": "x" * 43})
    status(r, 422)
    # A country the shop does not know at all.
    r = place(d, c, country="ZZ")
    status(r, 422)
    eq(r.json()["errors"], {"country": "We do not ship to that country."})
    # A method that does not exist.
    r = place(d, c, shipping="teleport")
    status(r, 422)
    eq(r.json()["errors"], {"shipping": "Please choose a shipping method."})
    eq(sql(d, "SELECT count(*) FROM orders"), [(0,)])


@test
def weight_bands_choose_the_method():
    d, admin = shop()
    default = zone_id(d, "Everywhere we ship")
    sql(d, "UPDATE variants SET weight_grams = 400 WHERE id = ?", (fx.HAT,))
    post(d, admin, f"/admin/shipping/methods/{method_id(d, 'standard')}",
         method_pairs("standard", "Standard (3-5 days)", "4.95", [default],
                      position="1", free_over="50.00", max_weight="1000"),
         want=200)
    post(d, admin, "/admin/shipping/methods",
         method_pairs("freight", "Freight", "25.00", [default],
                      min_weight="1001"), want=200)
    c = add(d, fx.HAT, 2)			# 800 g
    names, page = offered(d, c, "FR")
    eq((names, page["quote"]["weight_grams"]), (["standard", "express"], 800))
    c = add(d, fx.HAT, 1, cookie=c)		# 1200 g
    names, page = offered(d, c, "FR")
    eq(names, ["express", "freight"])
    r = place(d, c, shipping="standard")
    status(r, 422)
    eq(r.json()["errors"], {"shipping": NOT_OFFERED})
    r = place(d, c, shipping="freight")
    status(r, 201)
    eq(r.json()["order"]["shipping"], 2500)


@test
def bad_zone_and_method_forms_are_422_and_write_nothing():
    d, admin = shop()
    before = sql(d, "SELECT count(*) FROM admin_log")
    for pairs, field in [
            ([("name", "")], "name"),
            ([("name", "X" * 81)], "name"),
            ([("name", "Mars"), ("countries", "ZZ")], "name"),
            ([("name", "Twice"), ("countries", "FR"), ("countries", "FR")],
             "name"),
            ([("name", "everywhere WE ship")], "name")]:
        r = post(d, admin, "/admin/shipping/zones", pairs, want=422)
        eq((pairs, field in r.json()["errors"]), (pairs, True))
    default = zone_id(d, "Everywhere we ship")
    for pairs, field in [
            (method_pairs("x y", "X", "1.00", [default]), "code"),
            (method_pairs("x", "X", "abc", [default]), "price"),
            (method_pairs("x", "X", "-1", [default]), "price"),
            (method_pairs("x", "X", "1.00", [default], free_over="lots"),
             "free_over"),
            (method_pairs("x", "X", "1.00", [default], min_weight="500",
                          max_weight="100"), "max_weight"),
            (method_pairs("x", "X", "1.00", [default], min_weight="-5"),
             "min_weight"),
            (method_pairs("x", "X", "1.00", [999]), "code"),
            (method_pairs("x", "X", "1.00", ["nope"]), "code"),
            (method_pairs("standard", "X", "1.00", [default]), "code"),
            (method_pairs("x", "", "1.00", [default]), "name")]:
        r = post(d, admin, "/admin/shipping/methods", pairs, want=422)
        eq((pairs, field in r.json()["errors"]), (pairs, True))
    eq(sql(d, "SELECT count(*) FROM shipping_zones"), [(1,)])
    eq(sql(d, "SELECT count(*) FROM shipping_methods"), [(2,)])
    eq(sql(d, "SELECT count(*) FROM admin_log"), before)
    status(post(d, admin, "/admin/shipping/zones/999", [("name", "X")]), 404)
    status(post(d, admin, "/admin/shipping/methods/999",
                method_pairs("x", "X", "1.00", [default])), 404)
    # The HTML answer: the page with the message.
    r = post(d, admin, "/admin/shipping/zones", [("name", "Mars"),
                                                  ("countries", "ZZ")],
             as_json=False)
    status(r, 422)
    contains(r.text, "Choose countries from the list only.")
    # Staff see the page but change nothing; customers see nothing.
    staff = af.signed_in(d, "staff")
    r = af.admin(d, "/admin/shipping", cookie=staff)
    status(r, 200)
    lacks(r.text, '<form action="/admin/shipping/zones" method="post"')
    status(post(d, staff, "/admin/shipping/zones", [("name", "S")]), 403)
    status(af.admin(d, "/admin/shipping", cookie=af.signed_in(d, None)), 403)


@test
def the_feed_lists_the_methods_of_the_shops_country():
    d, admin = shop()

    def services():
        r = shoptest.cgi("catalog", "/feed.xml", data_dir=d)
        status(r, 200)
        body = r.body.decode()
        i = body.index("<g:id>HAT</g:id>")
        item = body[i:body.index("</item>", i)]
        return re.findall(r"<g:service>([^<]*)</g:service>", item), \
            r.header("ETag")

    got, etag = services()
    eq(got, ["Standard (3-5 days)", "Express (next day)"])
    post(d, admin, "/admin/shipping/zones", [("name", "Far"),
                                              ("countries", "US")], want=200)
    post(d, admin, f"/admin/shipping/methods/{method_id(d, 'express')}",
         method_pairs("express", "Express (next day)", "12.90",
                      [zone_id(d, "Far")], position="2"), want=200)
    got, etag2 = services()
    eq(got, ["Standard (3-5 days)"])
    if etag2 == etag:
        raise AssertionError(f"the feed's ETag stayed {etag}")


@test
def the_seed_has_an_eu_zone():
    d = shoptest.datadir(seed=True)
    eq(sql(d, "SELECT z.name, count(c.country) FROM shipping_zones z JOIN "
              "shipping_zone_countries c ON c.zone_id = z.id GROUP BY z.id "
              "ORDER BY z.id"), [("Rest of the world", 8), ("EU", 16)])
    eq(sql(d, "SELECT m.code, z.name FROM shipping_method_zones mz JOIN "
              "shipping_methods m ON m.id = mz.method_id JOIN shipping_zones "
              "z ON z.id = mz.zone_id ORDER BY m.position"),
       [("standard", "EU"), ("express", "EU"),
        ("international", "Rest of the world")])


shoptest.run()
