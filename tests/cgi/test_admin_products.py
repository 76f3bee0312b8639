"""The back office's products: the list (keyset pages, searched by name
or SKU over every product, filtered by category and state), a new
product with its first variant, a product's page and its changes,
variants added and changed, stock set or changed with a reason and kept
in stock_movements. Every change has its admin log row with before and
after; every refusal is 422 with the form and nothing written; roles
and cross-site posts are checked by the route table."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402
from pagecheck import check_headers, check_page  # noqa: E402

JSON = {"Accept": "application/json"}
CROSS = {"Sec-Fetch-Site": "cross-site"}


def seeded(role="admin"):
    d = shoptest.datadir(seed=True)
    return d, af.signed_in(d, role)


def one(d, q, params=()):
    (row,) = shoptest.sql(d, q, params)
    return row


def new_product(d, cookie, **kw):
    fields = {"name": "Blue Mug", "sku": "BM-1", "price": "12,50",
              "stock": "4", "active": "on"}
    fields.update(kw)
    return af.admin(d, "/admin/products", "POST", cookie=cookie,
                    body=fields)


# ------------------------------------------------------------- the list

@test
def list_newest_first_in_keyset_pages():
    d, cookie = seeded("staff")
    (total,), = shoptest.sql(d, "SELECT count(*) FROM products")
    r = af.admin(d, "/admin/products", cookie=cookie, json=True)
    status(r, 200)
    j = r.json()
    got = j["products"]
    eq(len(got), 50)
    eq([p["id"] for p in got], list(range(total, total - 50, -1)))
    eq(j["next"], f"/admin/products?before={got[-1]['id']}")
    first = got[0]
    name, slug, active, cat = one(d, "SELECT p.name, p.slug, p.active, "
                                     "c.name FROM products p JOIN "
                                     "categories c ON c.id = p.category_id"
                                     " WHERE p.id = ?", (total,))
    eq((first["name"], first["slug"], first["active"],
        first["category"]["name"]), (name, slug, bool(active), cat))
    nv, stock, low, sku = one(d, "SELECT count(*), sum(stock), min(price),"
                                 " (SELECT sku FROM variants WHERE "
                                 "product_id = ?1 ORDER BY position, id "
                                 "LIMIT 1) FROM variants WHERE "
                                 "product_id = ?1", (total,))
    eq((first["variants"], first["stock"], first["price"]["amount"],
        first["sku"]), (nv, stock, low, sku))
    eq(first["price"]["plain"], f"{low // 100}.{low % 100:02d}")
    r = af.admin(d, j["next"], cookie=cookie, json=True)
    rest = r.json()["products"]
    eq([p["id"] for p in rest], list(range(total - 50, 0, -1)))
    eq("next" in r.json(), False)


@test
def list_searched_by_name_or_sku_on_sale_or_not():
    d, cookie = seeded("staff")

    def names(q):
        r = af.admin(d, "/admin/products?q=" + q, cookie=cookie, json=True)
        status(r, 200)
        return [p["name"] for p in r.json()["products"]]

    eq(names("enamel"), ["Enamel Camp Mug"])
    eq(names("MUG-02"), ["Enamel Camp Mug"])
    eq(names("mug-02"), ["Enamel Camp Mug"])
    eq(names("caf%C3%A9%20lait"), ["Café au Lait Bowl Mug"])
    eq(names("cafe+lait"), ["Café au Lait Bowl Mug"])
    eq(sorted(names("cafe")), ["Café Racer Tee", "Café au Lait Bowl Mug"])
    # A product off sale is found too: the shop's own index leaves it out.
    shoptest.sql(d, "UPDATE products SET active = 0 WHERE slug = "
                    "'enamel-camp-mug'")
    eq(names("enamel"), ["Enamel Camp Mug"])
    # A renamed product and a changed SKU are found by what they are now.
    shoptest.sql(d, "UPDATE products SET name = 'Tin Cup' WHERE slug = "
                    "'enamel-camp-mug'")
    shoptest.sql(d, "UPDATE variants SET sku = 'TIN-9' WHERE sku = "
                    "'MUG-02'")
    eq(names("enamel"), [])
    eq(names("tin"), ["Tin Cup"])
    eq(names("MUG-02"), [])
    eq(names("TIN-9"), ["Tin Cup"])
    # FTS5 syntax is text ("OR" a word), nothing searchable finds nothing.
    eq(sorted(names("%22%20OR%20*")), ["Calathea Orbifolia",
                                       "Orange Blossom Candle",
                                       "Organic Cotton Tee"])
    eq(names("%25%25"), [])
    r = af.admin(d, "/admin/products?q=nothing-like-it", cookie=cookie)
    contains(r.text, "No product matches.")
    contains(r.text, 'value="nothing-like-it"')


@test
def list_filtered_by_category_and_state():
    d, cookie = seeded("staff")
    (tea,), = shoptest.sql(d, "SELECT id FROM categories WHERE slug = 'tea'")
    want = [i for i, in shoptest.sql(d, "SELECT id FROM products WHERE "
                                        "category_id = ? ORDER BY id DESC",
                                     (tea,))]
    r = af.admin(d, f"/admin/products?category={tea}", cookie=cookie,
                 json=True)
    eq([p["id"] for p in r.json()["products"]], want)
    eq(r.json()["category"], tea)
    shoptest.sql(d, "UPDATE products SET active = 0 WHERE id IN (?, ?)",
                 (want[0], want[2]))
    r = af.admin(d, f"/admin/products?category={tea}&state=inactive",
                 cookie=cookie, json=True)
    eq([p["id"] for p in r.json()["products"]], [want[0], want[2]])
    eq([p["active"] for p in r.json()["products"]], [False, False])
    r = af.admin(d, f"/admin/products?category={tea}&state=active&q=tea",
                 cookie=cookie, json=True)
    got = [p["id"] for p in r.json()["products"]]
    eq(want[0] in got or want[2] in got, False)
    eq(set(got) <= set(want), True)
    # The filters stay in the next page's address.
    r = af.admin(d, "/admin/products?state=active", cookie=cookie,
                 json=True)
    eq(re.sub(r"before=\d+", "before=N", r.json()["next"]),
       "/admin/products?before=N&state=active")
    r = af.admin(d, f"/admin/products?category={tea}&state=inactive",
                 cookie=cookie)
    contains(r.text, f'<option value="{tea}" selected>Tea</option>')
    contains(r.text, '<option value="inactive" selected>Off sale</option>')


@test
def bad_list_inputs():
    d, cookie = seeded("staff")
    for q in ("before=abc", "before=-1", "category=tea", "category=1.5",
              "state=gone", "q=" + "x" * 201, "q=a%01b"):
        r = af.admin(d, "/admin/products?" + q, cookie=cookie)
        status(r, 400)
    r = af.admin(d, "/admin/products?state=gone", cookie=cookie, json=True)
    eq(r.json()["error"], "The state asked for is not one of active or "
                          "inactive.")


@test
def list_page_html():
    d, cookie = seeded("admin")
    r = af.admin(d, "/admin/products?q=mug", cookie=cookie)
    status(r, 200)
    check_headers(r)
    check_page(r)
    eq(r.header("Cache-Control"), "no-store")
    contains(r.text, "<title>Products · Back office · Shopfile</title>")
    contains(r.text, '<a href="/admin/products" aria-current="page">'
                     'Products</a>')
    contains(r.text, '<div class="table-wrap">\n<table class="admin-table">')
    contains(r.text, '<a class="button" href="/admin/products/new">'
                     'New product</a>')
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'enamel-camp-mug'")
    contains(r.text, f'<tr><td><a href="/admin/products/{pid}">Enamel Camp '
                     f'Mug</a></td><td>MUG-02</td><td>Mugs</td><td>On sale'
                     f'</td>')
    staff = af.signed_in(d, "staff")
    r = af.admin(d, "/admin/products", cookie=staff)
    lacks(r.text, "/admin/products/new")
    contains(r.text, 'rel="next"')


@test
def list_stays_keyset_at_50k_products():
    """50,000 products: the first page, a page deep down and a search each
    read only their own rows (no count, no offset)."""
    d, cookie = seeded("staff")
    shoptest.sql(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                    "i + 1 FROM n WHERE i < 50000) INSERT INTO products "
                    "(slug, name, category_id, active) SELECT 'bulk-' || i, "
                    "'Bulk item ' || i || CASE WHEN i % 5000 = 0 THEN "
                    "' zebra' ELSE '' END, 1 + i % 8, i % 3 > 0 FROM n")
    shoptest.sql(d, "INSERT INTO variants (product_id, sku, price, "
                    "currency, stock) SELECT id, 'BULK-' || id, 100 + "
                    "id % 900, 'EUR', id % 40 FROM products WHERE slug "
                    "LIKE 'bulk-%'")
    (top,), = shoptest.sql(d, "SELECT max(id) FROM products")
    t0 = time.monotonic()
    r = af.admin(d, "/admin/products", cookie=cookie, json=True)
    eq(r.json()["products"][0]["id"], top)
    r = af.admin(d, "/admin/products?before=1000", cookie=cookie, json=True)
    eq([p["id"] for p in r.json()["products"]][:2], [999, 998])
    r = af.admin(d, "/admin/products?q=zebra", cookie=cookie, json=True)
    eq(len(r.json()["products"]), 10)
    r = af.admin(d, f"/admin/products?q=BULK-{top}", cookie=cookie,
                 json=True)
    eq([p["id"] for p in r.json()["products"]], [top])
    r = af.admin(d, "/admin/products?state=inactive&category=3",
                 cookie=cookie, json=True)
    eq(len(r.json()["products"]), 50)
    if not shoptest.WRAP:
        eq(time.monotonic() - t0 < 5, True, "five pages in under 5 s")


# ------------------------------------------------------------- creating

@test
def create_a_product_with_its_first_variant():
    d, cookie = seeded("admin")
    (mugs,), = shoptest.sql(d, "SELECT id FROM categories WHERE slug = "
                               "'mugs'")
    r = af.admin(d, "/admin/products/new", cookie=cookie)
    status(r, 200)
    check_page(r)
    contains(r.text, '<form action="/admin/products" method="post" '
                     'novalidate>')
    contains(r.text, '<textarea id="f-description" name="description"')
    contains(r.text, '<option value="" selected>No category</option>')
    r = new_product(d, cookie, description="Line one.\nLine two.",
                    category=str(mugs), featured="on")
    status(r, 303)
    (pid,), = shoptest.sql(d, "SELECT max(id) FROM products")
    eq(r.header("Location"), f"/admin/products/{pid}?done=created")
    eq(one(d, "SELECT name, slug, description, category_id, active, "
              "featured FROM products WHERE id = ?", (pid,)),
       ("Blue Mug", "blue-mug", "Line one.\nLine two.", mugs, 1, 1))
    vid, sku, price, cur, stock, title = one(
        d, "SELECT id, sku, price, currency, stock, title FROM variants "
           "WHERE product_id = ?", (pid,))
    eq((sku, price, cur, stock, title), ("BM-1", 1250, "EUR", 4, ""))
    eq(shoptest.sql(d, "SELECT delta, stock_after, reason, actor FROM "
                       "stock_movements WHERE variant_id = ?", (vid,)),
       [(4, 4, "initial stock", "admin:admin@shop.example")])
    (action, otype, oid, label, before, after, who), = cf.log(d)
    eq((action, otype, oid, label, before, who),
       ("product.create", "product", pid, "Blue Mug", None,
        "admin@shop.example"))
    eq(after, {"name": "Blue Mug", "slug": "blue-mug",
               "description": "Line one.\nLine two.", "category_id": mugs,
               "active": True, "featured": True,
               "variant": {"sku": "BM-1", "title": "", "options": [],
                           "price": 1250, "currency": "EUR",
                           "weight_grams": 0, "position": 0,
                           "active": True, "id": vid, "stock": 4}})
    # The page it was sent to, with its notice; the search knows it.
    r = af.admin(d, f"/admin/products/{pid}?done=created", cookie=cookie)
    contains(r.text, '<p class="notice notice-ok" role="status">Created.'
                     '</p>')
    r = af.admin(d, "/admin/products?q=BM-1", cookie=cookie, json=True)
    eq([p["id"] for p in r.json()["products"]], [pid])
    # The storefront shows it, on sale.
    r = shoptest.cgi("catalog", "/products/blue-mug", data_dir=d)
    status(r, 200)
    contains(r.text, "<h1>Blue Mug</h1>")
    contains(r.text, "€12.50")


@test
def create_as_json():
    d, cookie = seeded("admin")
    r = af.admin(d, "/admin/products", "POST", cookie=cookie, json=True,
                 body={"name": "Café Crème Cup", "sku": "CUP-1",
                       "price": "7", "stock": "0"})
    status(r, 200)
    j = r.json()
    eq(j["ok"], True)
    eq(j["product"]["slug"], "cafe-creme-cup")
    eq(j["product"]["active"], False)
    eq(j["product"]["variant"]["price"], 700)
    eq(j["url"], f"/admin/products/{j['id']}")
    eq(one(d, "SELECT stock FROM variants WHERE sku = 'CUP-1'"), (0,))
    eq(shoptest.sql(d, "SELECT count(*) FROM stock_movements m JOIN "
                       "variants v ON v.id = m.variant_id WHERE v.sku = "
                       "'CUP-1'"), [(0,)])


@test
def derived_slugs_are_made_unique():
    d, cookie = seeded("admin")
    status(new_product(d, cookie, sku="A-1"), 303)
    status(new_product(d, cookie, sku="A-2"), 303)
    status(new_product(d, cookie, name="Stoneware Mug", sku="A-3"), 303)
    eq(shoptest.sql(d, "SELECT slug FROM products WHERE id > 64 ORDER BY "
                       "id"), [("blue-mug",), ("blue-mug-2",),
                               ("stoneware-mug-2",)])


@test
def bad_prices():
    d, cookie = seeded("admin")
    before = cf.state(d)
    for price in ("12,5,0", "1e3", "-1", "abc", "12.505", "1 000",
                  "€12", "0x10", "12.", ".5", "1,234.50", "inf",
                  "9999999999999"):
        r = new_product(d, cookie, price=price)
        status(r, 422)
        r = af.admin(d, "/admin/products", "POST", cookie=cookie, json=True,
                     body={"name": "Blue Mug", "sku": "BM-1",
                           "price": price})
        status(r, 422)
        eq(r.json(), {"ok": False, "errors": {
            "price": "Enter a price that is not negative, such as 12.50."}},
           price)
    eq(cf.state(d), before)
    # The price is read exactly, in minor units.
    for price, minor in (("12", 1200), ("12.5", 1250), ("0012,05", 1205),
                         ("0", 0), ("999999999.99", 99999999999)):
        r = af.admin(d, "/admin/products", "POST", cookie=cookie, json=True,
                     body={"name": "P " + price, "sku": "P-" + price,
                           "price": price})
        status(r, 200)
        eq(r.json()["product"]["variant"]["price"], minor, price)


@test
def bad_create_inputs():
    d, cookie = seeded("admin")
    before = cf.state(d)
    cases = [
        ({"slug": "stoneware-mug"}, "slug", "That address is taken; choose "
                                            "another."),
        ({"slug": "Bad Slug"}, "slug", "Use lowercase letters, digits and "
                                       "single hyphens (at most 80), or leave "
                                       "it empty to make one from the name."),
        ({"sku": "MUG-02"}, "sku", "That SKU belongs to another variant."),
        ({"sku": "HAS SPACE"}, "sku", "Enter a SKU of 1 to 64 letters, "
                                      "digits or signs, without spaces."),
        ({"category": "999"}, "category", "Category: choose one from the "
                                          "list."),
        ({"category": "abc"}, "category", "Category: choose one from the "
                                          "list."),
        ({"name": "  "}, "name", "Name is required."),
        ({"name": "x" * 201}, "name", "Name must be at most 200 "
                                      "characters."),
        ({"stock": "-3"}, "stock", "Enter a whole number from 0 to "
                                   "1000000000."),
        ({"stock": "2000000000"}, "stock", "Enter a whole number from 0 to "
                                           "1000000000."),
        ({"active": "maybe"}, "active", "On sale (shown in the shop) must "
                                        "be on or off."),
    ]
    for fields, field, msg in cases:
        body = {"name": "Blue Mug", "sku": "BM-1", "price": "12.50"}
        body.update(fields)
        r = af.admin(d, "/admin/products", "POST", cookie=cookie, json=True,
                     body=body)
        status(r, 422)
        eq(r.json()["errors"], {field: msg}, str(fields))
    eq(cf.state(d), before)
    # The page: the form again, the message by its field and in the list.
    r = new_product(d, cookie, sku="MUG-02")
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-sku">That SKU belongs to another '
                     'variant.</a>')
    contains(r.text, 'id="f-sku" name="sku" value="MUG-02"')
    r = new_product(d, cookie, name="", price="abc")
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-name">Name is required.</a>')
    contains(r.text, '<a href="#f-price">Enter a price that is not '
                     'negative, such as 12.50.</a>')
    contains(r.text, 'id="f-price" name="price" value="abc" required '
                     'maxlength="20" autocomplete="off" aria-invalid="true" '
                     'aria-describedby="f-price-hint f-price-error">')
    contains(r.text, '<p class="field-error" id="f-price-error">Enter a '
                     'price that is not negative, such as 12.50.</p>')
    contains(r.text, 'value="BM-1"')
    eq(cf.state(d), before)


# ---------------------------------------------------------- the product

@test
def product_page_for_admins_and_staff():
    d, cookie = seeded("admin")
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'organic-cotton-tee'")
    r = af.admin(d, f"/admin/products/{pid}", cookie=cookie)
    status(r, 200)
    check_headers(r)
    page = check_page(r)
    contains(r.text, "<h1>Organic Cotton Tee</h1>")
    contains(r.text, f'<form action="/admin/products/{pid}" method="post" '
                     'novalidate>')
    contains(r.text, f'<form action="/admin/products/{pid}/variants" '
                     'method="post" novalidate>')
    contains(r.text, f'<form action="/admin/products/{pid}/images" '
                     'method="post" enctype="multipart/form-data" '
                     'novalidate>')
    contains(r.text, '<input type="file" id="f-image" name="image" '
                     'value="" required aria-describedby="f-image-hint">')
    variants = shoptest.sql(d, "SELECT id, sku FROM variants WHERE "
                               "product_id = ? ORDER BY position, id",
                            (pid,))
    eq(len(variants), 8)
    for vid, sku in variants:
        contains(r.text, f'<article class="admin-variant" '
                         f'id="variant-{vid}"')
        contains(r.text, f'<form class="admin-stock" action="/admin/'
                         f'variants/{vid}/stock" method="post" novalidate>')
        contains(r.text, f'<label for="f-v{vid}-amount">Units</label>')
        eq(f"f-v{vid}-reason" in page.ids, True)
    contains(r.text, '<td class="num">+')
    # Staff see it all but the administrators' forms; the stock forms
    # are theirs.
    staff = af.signed_in(d, "staff")
    r = af.admin(d, f"/admin/products/{pid}", cookie=staff)
    status(r, 200)
    check_page(r)
    lacks(r.text, f'<form action="/admin/products/{pid}" method="post"')
    lacks(r.text, "/variants\" method")
    lacks(r.text, "/images\" method")
    lacks(r.text, "/move\"")
    contains(r.text, "<dt>Category</dt><dd>T-shirts</dd>")
    contains(r.text, f'action="/admin/variants/{variants[0][0]}/stock"')
    r = af.admin(d, f"/admin/products/{pid}", cookie=staff, json=True)
    j = r.json()
    eq(j["product"]["slug"], "organic-cotton-tee")
    eq([v["sku"] for v in j["variants"]], [s for _, s in variants])
    eq(j["variants"][0]["options"], [{"name": "Size", "value": "S"},
                                     {"name": "Colour", "value": "Ink"}])
    eq(j["variants"][0]["movements"][0]["reason"], "initial stock")
    eq("stock_form" in j["variants"][0], False)
    eq(j["images"][0]["url"], "/media/products/organic-cotton-tee.svg")
    eq(j["images"][0]["place"], 1)


@test
def bad_product_ids():
    d, cookie = seeded("admin")
    for path in ("/admin/products/999", "/admin/products/0",
                 "/admin/variants/99999", "/admin/variants/0"):
        status(af.admin(d, path, cookie=cookie), 404)
    before = cf.state(d)
    for path, body in (("/admin/products/999", {"name": "X"}),
                       ("/admin/products/999/variants",
                        {"sku": "X-1", "price": "1"}),
                       ("/admin/variants/99999", {"sku": "X-1",
                                                  "price": "1"}),
                       ("/admin/variants/99999/stock",
                        {"mode": "delta", "amount": "1", "reason": "x"})):
        status(af.admin(d, path, "POST", cookie=cookie, body=body), 404)
    status(af.admin(d, "/admin/products/abc", cookie=cookie), 404)
    eq(cf.state(d), before)


@test
def update_a_product():
    d, cookie = seeded("admin")
    (pid, was_cat), = shoptest.sql(d, "SELECT id, category_id FROM "
                                      "products WHERE slug = "
                                      "'stoneware-mug'")
    (tea,), = shoptest.sql(d, "SELECT id FROM categories WHERE slug = 'tea'")
    old = one(d, "SELECT description FROM products WHERE id = ?", (pid,))[0]
    body = {"name": "Stoneware Tea Mug", "slug": "", "description": old,
            "category": str(tea), "featured": "on"}
    r = af.admin(d, f"/admin/products/{pid}", "POST", cookie=cookie,
                 body=body)
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=saved")
    # An empty address keeps the one it has; off sale: not in the shop.
    eq(one(d, "SELECT name, slug, category_id, active, featured FROM "
              "products WHERE id = ?", (pid,)),
       ("Stoneware Tea Mug", "stoneware-mug", tea, 0, 1))
    (action, otype, oid, label, before, after, _), = cf.log(d)
    eq((action, otype, oid, label), ("product.update", "product", pid,
                                     "Stoneware Tea Mug"))
    eq(before, {"name": "Stoneware Mug", "slug": "stoneware-mug",
                "description": old, "category_id": was_cat,
                "active": True, "featured": True})
    eq(after, {"name": "Stoneware Tea Mug", "slug": "stoneware-mug",
               "description": old, "category_id": tea, "active": False,
               "featured": True})
    status(shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d),
           404)
    # The same again changes nothing and logs nothing.
    r = af.admin(d, f"/admin/products/{pid}", "POST", cookie=cookie,
                 body=body, json=True)
    status(r, 200)
    eq(len(cf.log(d)), 1)
    # A new address.
    body.update(slug="tea-mug", active="on")
    status(af.admin(d, f"/admin/products/{pid}", "POST", cookie=cookie,
                    body=body), 303)
    eq(one(d, "SELECT slug, active FROM products WHERE id = ?", (pid,)),
       ("tea-mug", 1))
    status(shoptest.cgi("catalog", "/products/tea-mug", data_dir=d), 200)
    eq(cf.log(d)[-1][5]["slug"], "tea-mug")


@test
def bad_product_updates():
    d, cookie = seeded("admin")
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'stoneware-mug'")
    before = cf.state(d)
    for fields, field in (({"slug": "enamel-camp-mug"}, "slug"),
                          ({"slug": "-x-"}, "slug"),
                          ({"name": ""}, "name"),
                          ({"category": "12345"}, "category"),
                          ({"description": "a\x01b"}, "description")):
        body = {"name": "Stoneware Mug"}
        body.update(fields)
        r = af.admin(d, f"/admin/products/{pid}", "POST", cookie=cookie,
                     body=body, json=True)
        status(r, 422)
        eq(list(r.json()["errors"]), [field], str(fields))
        r = af.admin(d, f"/admin/products/{pid}", "POST", cookie=cookie,
                     body=body)
        status(r, 422)
        check_page(r)
        contains(r.text, f'<a href="#f-{field}">')
        contains(r.text, f'id="f-{field}-error"')
    eq(cf.state(d), before)


# ------------------------------------------------------------- variants

@test
def add_a_variant_with_options():
    d, cookie = seeded("admin")
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'stoneware-mug'")
    (n,), = shoptest.sql(d, "SELECT count(*) FROM variants WHERE "
                            "product_id = ?", (pid,))
    r = af.admin(d, f"/admin/products/{pid}/variants", "POST",
                 cookie=cookie, body={
                     "sku": "MUG-01-XL-BLUE", "option1_name": "Size",
                     "option1_value": "XL", "option2_name": "Colour",
                     "option2_value": "Blue", "price": "21.90",
                     "stock": "3", "weight_grams": "450", "active": "on"})
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=created")
    vid, title, options, price, stock, weight, pos, active = one(
        d, "SELECT id, title, options, price, stock, weight_grams, "
           "position, active FROM variants WHERE sku = 'MUG-01-XL-BLUE'")
    eq((title, options, price, stock, weight, pos, active),
       ("XL / Blue", '{"Size":"XL","Colour":"Blue"}', 2190, 3, 450, n, 1))
    eq(shoptest.sql(d, "SELECT delta, reason FROM stock_movements WHERE "
                       "variant_id = ?", (vid,)), [(3, "initial stock")])
    (action, otype, oid, label, before, after, _), = cf.log(d)
    eq((action, otype, oid, label, before),
       ("variant.create", "variant", vid, "Stoneware Mug MUG-01-XL-BLUE",
        None))
    eq(after, {"sku": "MUG-01-XL-BLUE", "title": "XL / Blue",
               "options": [{"name": "Size", "value": "XL"},
                           {"name": "Colour", "value": "Blue"}],
               "price": 2190, "currency": "EUR", "weight_grams": 450,
               "position": n, "active": True, "product_id": pid,
               "stock": 3})
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d)
    contains(r.text, '<span class="variant-title">XL / Blue</span>')


@test
def bad_variants():
    d, cookie = seeded("admin")
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'stoneware-mug'")
    before = cf.state(d)
    ok = {"sku": "NEW-1", "price": "5"}
    cases = [
        ({"sku": "MUG-02"}, {"sku": "That SKU belongs to another variant."}),
        ({"price": "1e3"}, {"price": "Enter a price that is not negative, "
                                     "such as 12.50."}),
        ({"price": ""}, {"price": "Price is required."}),
        ({"option1_name": "Size"}, {"option1_value": "Give the option a "
                                                     "value, or leave both "
                                                     "empty."}),
        ({"option2_value": "Blue"}, {"option2_name": "Give the option a "
                                                     "name, or leave both "
                                                     "empty."}),
        ({"option1_name": "Size", "option1_value": "S",
          "option2_name": "Size", "option2_value": "M"},
         {"option1_name": "Give at most 3 options, each with a name and a "
                          "value, and no name twice."}),
        ({"weight_grams": "1000001"}, {"weight_grams": "Enter a whole "
                                                       "number from 0 to "
                                                       "1000000."}),
        ({"stock": "-1"}, {"stock": "Enter a whole number from 0 to "
                                    "1000000000."}),
        ({"option1_name": "x" * 41, "option1_value": "S"},
         {"option1_name": "First option's name must be at most 40 "
                          "characters."}),
    ]
    for fields, errors in cases:
        body = dict(ok)
        body.update(fields)
        r = af.admin(d, f"/admin/products/{pid}/variants", "POST",
                     cookie=cookie, body=body, json=True)
        status(r, 422)
        eq(r.json()["errors"], errors, str(fields))
    r = af.admin(d, f"/admin/products/{pid}/variants", "POST",
                 cookie=cookie, body={"sku": "MUG-02", "price": "2"})
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-new-sku">That SKU')
    contains(r.text, 'id="f-new-sku" name="sku" value="MUG-02"')
    r = af.admin(d, f"/admin/products/{pid}/variants", "POST",
                 cookie=cookie, body={"sku": "", "price": "x"})
    status(r, 422)
    contains(r.text, '<a href="#f-new-sku">SKU is required.</a>')
    contains(r.text, '<a href="#f-new-price">Enter a price')
    contains(r.text, 'aria-describedby="f-new-price-hint f-new-price-error"')
    eq(cf.state(d), before)


@test
def change_a_variant():
    d, cookie = seeded("admin")
    vid, pid, stock = one(d, "SELECT id, product_id, stock FROM variants "
                             "WHERE sku = 'MUG-01-BLACK'")
    r = af.admin(d, f"/admin/variants/{vid}", cookie=cookie)
    status(r, 200)
    check_page(r)
    contains(r.text, 'id="f-price" name="price" value="18.00"')
    contains(r.text, 'id="f-option1_name" name="option1_name" '
                     'value="Colour"')
    body = {"sku": "MUG-01-INK", "option1_name": "Colour",
            "option1_value": "Ink", "price": "19,90", "weight_grams": "400",
            "position": "5"}
    r = af.admin(d, f"/admin/variants/{vid}", "POST", cookie=cookie,
                 body=body)
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=saved")
    eq(one(d, "SELECT sku, title, options, price, stock, weight_grams, "
              "position, active FROM variants WHERE id = ?", (vid,)),
       ("MUG-01-INK", "Ink", '{"Colour":"Ink"}', 1990, stock, 400, 5, 0))
    (action, otype, oid, label, before, after, _), = cf.log(d)
    eq((action, otype, oid, label),
       ("variant.update", "variant", vid, "Stoneware Mug MUG-01-INK"))
    eq((before["sku"], before["price"], before["active"],
        before["options"]),
       ("MUG-01-BLACK", 1800, True, [{"name": "Colour", "value": "Black"}]))
    eq((after["sku"], after["price"], after["active"], after["position"]),
       ("MUG-01-INK", 1990, False, 5))
    # The same again: nothing to log.
    r = af.admin(d, f"/admin/variants/{vid}", "POST", cookie=cookie,
                 body=body, json=True)
    status(r, 200)
    eq(len(cf.log(d)), 1)
    # Refused: the page of the variant with its form and messages.
    before = cf.state(d)
    r = af.admin(d, f"/admin/variants/{vid}", "POST", cookie=cookie,
                 body=dict(body, price="12,5,0"))
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-price">Enter a price')
    contains(r.text, 'id="f-price" name="price" value="12,5,0"')
    r = af.admin(d, f"/admin/variants/{vid}", "POST", cookie=cookie,
                 body=dict(body, sku="MUG-02"))
    status(r, 422)
    contains(r.text, '<a href="#f-sku">That SKU')
    r = af.admin(d, f"/admin/variants/{vid}", "POST", cookie=cookie,
                 body=dict(body, sku="MUG-02"), json=True)
    eq(r.json()["errors"], {"sku": "That SKU belongs to another variant."})
    eq(cf.state(d), before)


# ---------------------------------------------------------------- stock

@test
def stock_changed_with_a_reason_by_staff():
    d, staff = seeded("staff")
    vid, pid, stock = one(d, "SELECT id, product_id, stock FROM variants "
                             "WHERE sku = 'MUG-01-WHITE'")
    r = af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=staff,
                 body={"mode": "delta", "amount": "5",
                       "reason": "delivery from the kiln"})
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=stock")
    r = af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=staff,
                 body={"mode": "delta", "amount": "-2", "reason": "broken"})
    status(r, 303)
    r = af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=staff,
                 json=True, body={"mode": "set", "amount": "40",
                                  "reason": "stocktake"})
    status(r, 200)
    eq(r.json(), {"id": vid, "product_id": pid, "stock": 40,
                  "changed": True, "ok": True})
    eq(one(d, "SELECT stock FROM variants WHERE id = ?", (vid,)), (40,))
    eq(shoptest.sql(d, "SELECT delta, stock_after, reason, actor FROM "
                       "stock_movements WHERE variant_id = ? ORDER BY id",
                    (vid,)),
       [(stock, stock, "initial stock", "seed"),
        (5, stock + 5, "delivery from the kiln", "admin:staff@shop.example"),
        (-2, stock + 3, "broken", "admin:staff@shop.example"),
        (40 - stock - 3, 40, "stocktake", "admin:staff@shop.example")])
    logs = cf.log(d, "variant.stock")
    eq([(b, a) for _, _, _, _, b, a, _ in logs],
       [({"stock": stock}, {"stock": stock + 5, "mode": "delta",
                            "amount": 5,
                            "reason": "delivery from the kiln"}),
        ({"stock": stock + 5}, {"stock": stock + 3, "mode": "delta",
                                "amount": -2, "reason": "broken"}),
        ({"stock": stock + 3}, {"stock": 40, "mode": "set", "amount": 40,
                                "reason": "stocktake"})])
    eq({(t, i, w) for _, t, i, _, _, _, w in logs},
       {("variant", vid, "staff@shop.example")})
    # The product page shows the last movements of each variant.
    r = af.admin(d, f"/admin/products/{pid}?done=stock", cookie=staff)
    contains(r.text, '<p class="notice notice-ok" role="status">The stock '
                     'is changed.</p>')
    contains(r.text, '<td class="num">-2</td><td class="num">'
                     f'{stock + 3}</td><td>broken</td><td>admin:staff@shop.'
                     'example</td>')
    row = r.text[r.text.index(f'id="variant-{vid}"'):]
    row = row[:row.index("</article>")]
    eq(row.count("<tr><td>"), 3)
    contains(row, "<dt>Stock</dt><dd>40 ")
    # The variant's page has them all.
    r = af.admin(d, f"/admin/variants/{vid}", cookie=staff, json=True)
    eq([m["reason"] for m in r.json()["movements"]],
       ["stocktake", "broken", "delivery from the kiln", "initial stock"])
    # Nothing to change: no movement, no log.
    r = af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=staff,
                 json=True, body={"mode": "set", "amount": "40",
                                  "reason": "counted again"})
    eq(r.json()["changed"], False)
    eq(len(cf.log(d, "variant.stock")), 3)
    # The shop's live stock line heard of each change.
    (n,), = shoptest.sql(d, "SELECT count(*) FROM outbox WHERE target = "
                            "'message' AND name = ? AND sub = 'stock'",
                         (f"product:{pid}",))
    eq(n, 3)


@test
def bad_stock_changes():
    d, staff = seeded("staff")
    vid, pid, stock = one(d, "SELECT id, product_id, stock FROM variants "
                             "WHERE sku = 'MUG-01-WHITE'")
    before = cf.state(d)
    cases = [
        ({"amount": str(-stock - 1)}, {"amount": "That would leave less "
                                                 "than nothing in stock."}),
        ({"mode": "set", "amount": "-1"}, {"amount": "Enter a whole number "
                                                     "of units."}),
        ({"amount": "1000000000"}, {"amount": "That would leave more in "
                                              "stock than the shop can "
                                              "count."}),
        ({"amount": "abc"}, {"amount": "Enter a whole number from "
                                       "-1000000000 to 1000000000."}),
        ({"amount": "1.5"}, {"amount": "Enter a whole number from "
                                       "-1000000000 to 1000000000."}),
        ({"amount": ""}, {"amount": "Units is required."}),
        ({"reason": ""}, {"reason": "Reason is required."}),
        ({"reason": "x" * 201}, {"reason": "Reason must be at most 200 "
                                           "characters."}),
        ({"mode": "add"}, {"mode": "Change: choose one from the list."}),
    ]
    for fields, errors in cases:
        body = {"mode": "delta", "amount": "1", "reason": "why not"}
        body.update(fields)
        r = af.admin(d, f"/admin/variants/{vid}/stock", "POST",
                     cookie=staff, body=body, json=True)
        status(r, 422)
        eq(r.json()["errors"], errors, str(fields))
    eq(cf.state(d), before)
    # The product page again, the variant's stock form with the message.
    r = af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=staff,
                 body={"mode": "delta", "amount": str(-stock - 1),
                       "reason": "lost"})
    status(r, 422)
    check_page(r)
    contains(r.text, f'<a href="#f-v{vid}-amount">That would leave less '
                     'than nothing in stock.</a>')
    contains(r.text, f'id="f-v{vid}-amount" name="amount" '
                     f'value="{-stock - 1}" required')
    contains(r.text, f'aria-describedby="f-v{vid}-amount-hint '
                     f'f-v{vid}-amount-error"')
    contains(r.text, f'id="f-v{vid}-reason" name="reason" value="lost"')
    eq(cf.state(d), before)


# ---------------------------------------------------- roles and origins

ADMIN_POSTS = [
    ("/admin/products", {"name": "X", "sku": "X-1", "price": "1"}),
    ("/admin/products/1", {"name": "X"}),
    ("/admin/products/1/variants", {"sku": "X-1", "price": "1"}),
    ("/admin/variants/1", {"sku": "X-1", "price": "1"}),
]
STOCK_POST = ("/admin/variants/1/stock",
              {"mode": "delta", "amount": "1", "reason": "x"})


@test
def bad_roles():
    d = shoptest.datadir(seed=True)
    before = cf.state(d)
    # Signed out: to the log-in page (a GET comes back after), or 401.
    r = af.admin(d, "/admin/products?q=mug")
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Fadmin%2Fproducts"
                             "%3Fq%3Dmug")
    status(af.admin(d, "/admin/products", json=True), 401)
    for path, body in ADMIN_POSTS + [STOCK_POST]:
        r = af.admin(d, path, "POST", body=body)
        status(r, 303)
        eq(r.header("Location"), "/account/login")
    customer = af.signed_in(d, None)
    for path in ("/admin/products", "/admin/products/1",
                 "/admin/variants/1", "/admin/products/new"):
        status(af.admin(d, path, cookie=customer), 403)
    for path, body in ADMIN_POSTS + [STOCK_POST]:
        r = af.admin(d, path, "POST", cookie=customer, body=body)
        status(r, 403)
    staff = af.signed_in(d, "staff")
    status(af.admin(d, "/admin/products/new", cookie=staff), 403)
    for path, body in ADMIN_POSTS:
        r = af.admin(d, path, "POST", cookie=staff, body=body, json=True)
        status(r, 403)
        eq(r.json()["error"], "This page is for the shop's administrators "
                              "only.")
    eq(cf.state(d)[:6], before[:6])
    eq(cf.state(d)[6:], before[6:])


@test
def bad_cross_site_posts():
    d, cookie = seeded("admin")
    before = cf.state(d)
    for path, body in ADMIN_POSTS + [STOCK_POST]:
        r = af.admin(d, path, "POST", cookie=cookie, body=body,
                     headers=CROSS)
        status(r, 403)
        contains(r.text, "This form was sent from another site")
        r = af.admin(d, path, "POST", cookie=cookie, body=body,
                     headers={"Origin": "https://evil.example"})
        status(r, 403)
    eq(cf.state(d), before)
    # The same post from the shop's own pages goes through.
    r = af.admin(d, STOCK_POST[0], "POST", cookie=cookie, body=STOCK_POST[1],
                 headers={"Sec-Fetch-Site": "same-origin",
                          "Origin": "http://127.0.0.1:8080"})
    status(r, 303)


@test
def head_and_methods():
    d, cookie = seeded("staff")
    r = af.admin(d, "/admin/products", "HEAD", cookie=cookie)
    status(r, 200)
    r = af.admin(d, "/admin/products/1/variants", cookie=cookie)
    status(r, 405)
    eq(r.header("Allow"), "POST")


shoptest.run()
