#!/usr/bin/env python3
"""The catalog program run as CGI on the seeded demo store: the home page,
the product list (sorting, pagination), category pages, product pages
(variants, prices, stock states, the add-to-cart form), the sitemap, the
same pages as JSON, and an empty store. Expected orders and values come
from SQL on the same data."""

import html
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (cgi, contains, datadir, eq, lacks, run, shopctl,  # noqa: E402
                      sql, status, test)
from pagecheck import (between, card_names, check_headers, check_page,  # noqa: E402
                       hrefs, text)

D = datadir(seed=True)
JSON = "application/json"
PAGE_SIZE = 12
CACHE_PAGE = "private, max-age=0, must-revalidate"
# A page without a session that the page cache may keep (shop/pagecache.h).
CACHE_PUBLIC = "public, max-age=1"


def get(path, query="", accept=None, data_dir=None, method="GET"):
    return cgi("catalog", path, query=query, method=method,
               headers={"Accept": accept} if accept else None,
               data_dir=data_dir or D)


def column(data_dir, query, params=()):
    return [row[0] for row in sql(data_dir, query, params)]


def euros(minor):
    return f"€{minor // 100:,}.{minor % 100:02d}"


MIN_PRICE = ("(SELECT min(price) FROM variants"
             " WHERE product_id = p.id AND active)")
EXPECTED_ORDER = {
    "name": "SELECT slug FROM products p WHERE active"
            " ORDER BY lower(name), id",
    "price": f"SELECT slug FROM products p WHERE active"
             f" ORDER BY {MIN_PRICE}, lower(name), id",
    "price-desc": f"SELECT slug FROM products p WHERE active"
                  f" ORDER BY {MIN_PRICE} DESC, lower(name), id",
    "newest": "SELECT slug FROM products WHERE active"
              " ORDER BY created_at DESC, id DESC",
}


@test
def home():
    r = get("/")
    status(r, 200)
    check_headers(r)
    check_page(r)
    eq(r.header("Cache-Control"), CACHE_PUBLIC)
    contains(r.text, "<title>Shopfile</title>")
    contains(r.text, '<a class="skip-link" href="#main">Skip to content</a>')
    contains(r.text, '<main id="main"')
    want = column(D, "SELECT name FROM products WHERE featured AND active"
                     " ORDER BY created_at DESC, id DESC LIMIT 8")
    eq(len(want), 8)
    eq(card_names(r.text), want)
    # Featured cards use h3 under the "Featured" h2.
    contains(r.text, f'<h3 class="card-title">{html.escape(want[0])}</h3>')
    rows = sql(D, "SELECT c.slug, c.name, count(p.id) FROM categories c"
                  " LEFT JOIN products p ON p.category_id = c.id AND p.active"
                  " GROUP BY c.id ORDER BY c.position")
    eq(len(rows), 8)
    for slug, name, n in rows:
        contains(r.text, f'<a href="/categories/{slug}"><span class="'
                         f'category-name">{name}</span> <span class="count">'
                         f'{n} products</span></a>')
    # The layout: search form, navigation, cart and account links.
    contains(r.text, '<form class="site-search" action="/search" '
                     'method="get" role="search" aria-label="Site">')
    contains(r.text, '<label for="site-q" class="visually-hidden">'
                     'Search products</label>')
    contains(r.text, '<li class="nav-cart"><a href="/cart">Cart</a></li>')
    contains(r.text, '<li class="nav-account"><a href="/account">Sign in</a>'
                     '</li>')
    contains(r.text, '<link rel="stylesheet" href="/static/style.css">')


@test
def home_json():
    r = get("/", accept=JSON)
    status(r, 200)
    eq(r.header("Content-Type"), "application/json")
    check_headers(r)
    j = r.json()
    eq(list(j), ["featured", "categories"])
    want = sql(D, f"SELECT slug, name, {MIN_PRICE} FROM products p"
                  " WHERE featured AND active"
                  " ORDER BY created_at DESC, id DESC LIMIT 8")
    eq([(p["slug"], p["name"], p["price"]["amount"]) for p in j["featured"]],
       [tuple(w) for w in want])
    for p in j["featured"]:
        eq(p["price"]["currency"], "EUR")
        eq(p["price"]["formatted"], euros(p["price"]["amount"]))
        eq(p["url"], "/products/" + p["slug"])
        eq(p["image"]["url"], f"/media/products/{p['slug']}.svg")
    eq([c["slug"] for c in j["categories"]],
       column(D, "SELECT slug FROM categories ORDER BY position"))
    eq(j["categories"][0]["products"], 8)


@test
def product_list_sorted():
    for sort, query in EXPECTED_ORDER.items():
        want = column(D, query)
        eq(len(want), 64)
        for page in (1, 2):
            r = get("/products", f"sort={sort}&page={page}", accept=JSON)
            status(r, 200)
            j = r.json()
            eq([p["slug"] for p in j["products"]],
               want[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
               f"sort={sort} page={page}")
            eq(j["total"], 64)
            eq(j["sort"], sort)
            eq(j["pagination"]["pages"], 6)
            amounts = [p["price"]["amount"] for p in j["products"]]
            if sort == "price":
                eq(amounts, sorted(amounts), "prices ascending")
            elif sort == "price-desc":
                eq(amounts, sorted(amounts, reverse=True),
                   "prices descending")


@test
def product_list_default_is_name():
    r = get("/products")
    status(r, 200)
    check_headers(r)
    check_page(r)
    eq(r.header("Cache-Control"), CACHE_PUBLIC)
    want = column(D, "SELECT name FROM products WHERE active"
                     " ORDER BY lower(name), id LIMIT 12")
    eq(card_names(r.text), want)
    contains(r.text, "<title>All products · Shopfile</title>")
    contains(r.text, "<h1>All products</h1>")
    contains(r.text, '<p class="count">64 products</p>')
    contains(r.text, '<option value="name" selected>Name, A to Z</option>')
    contains(r.text, '<label for="sort">Sort by</label>')
    contains(r.text, '<p class="pager-status">Page 1 of 6</p>')
    pager = between(r.text, '<nav class="pager"', "</nav>")
    eq([h for h in hrefs(pager)],
       ["/products", "/products?page=2", "/products?page=3",
        "/products?page=6", "/products?page=2"])
    lacks(pager, 'rel="prev"')
    contains(pager, 'rel="next"')


@test
def product_list_page_two_by_price():
    r = get("/products", "sort=price&page=2")
    status(r, 200)
    check_page(r)
    want = column(D, EXPECTED_ORDER["price"].replace("SELECT slug",
                                                     "SELECT name"))
    eq(card_names(r.text), want[12:24])
    contains(r.text, "<title>All products, page 2 · Shopfile</title>")
    contains(r.text, '<option value="price" selected>Price, low to high'
                     '</option>')
    pager = between(r.text, '<nav class="pager"', "</nav>")
    contains(pager, '<p class="pager-status">Page 2 of 6</p>')
    contains(pager, '<a href="/products?sort=price" rel="prev">')
    contains(pager, '<a href="/products?sort=price&amp;page=3" '
                    'rel="next">')
    contains(pager, '<a href="/products?sort=price&amp;page=2" '
                    'aria-current="page">')
    # Low stock and sold out show in words on the cards.
    stock = sql(D, "SELECT name, sum(stock) FROM products p JOIN variants v"
                   " ON v.product_id = p.id AND v.active GROUP BY p.id")
    by_name = dict(stock)
    for name in card_names(r.text):
        n = by_name[name]
        label = ("Sold out" if n == 0 else f"Only {n} left" if n <= 5
                 else "In stock")
        card = between(r.text, f">{html.escape(name)}</h2>", "</li>")
        contains(card, f">{label}</span>", name)


@test
def product_list_last_page():
    r = get("/products", "page=6", accept=JSON)
    status(r, 200)
    j = r.json()
    eq(len(j["products"]), 64 - 5 * PAGE_SIZE)
    eq(j["pagination"]["next"], None)
    eq(j["pagination"]["prev"], "/products?page=5")
    eq([(l.get("number"), l.get("gap")) for l in j["pagination"]["links"]],
       [(1, None), (None, True), (4, None), (5, None), (6, None)])


@test
def page_past_the_end():
    r = get("/products", "page=7")
    status(r, 404)
    check_headers(r)
    check_page(r)
    eq(r.header("Cache-Control"), "no-store")
    contains(r.text, "There is no page 7 of products: there are only 6.")
    contains(r.text, '<a class="button" href="/products">Go to the first '
                     'page</a>')
    r = get("/categories/mugs", "sort=newest&page=10000")
    status(r, 404)
    contains(r.text, "There is no page 10000 of Mugs: there is only 1.")
    contains(r.text, 'href="/categories/mugs?sort=newest">Go to the '
                     'first page</a>')
    r = get("/products", "page=9&sort=price", accept=JSON)
    status(r, 404)
    eq(r.json(), {"ok": False, "status": 404,
                  "error": "There is no page 9 of products: there are "
                           "only 6.",
                  "first_page": "/products?sort=price"})


@test
def category_page():
    r = get("/categories/mugs")
    status(r, 200)
    check_headers(r)
    check_page(r)
    contains(r.text, "<title>Mugs · Shopfile</title>")
    contains(r.text, "<h1>Mugs</h1>")
    desc = column(D, "SELECT description FROM categories"
                     " WHERE slug = 'mugs'")[0]
    contains(r.text, f'<p class="lead">{desc}</p>')
    contains(r.text, '<p class="count">8 products</p>')
    contains(r.text, '<nav class="breadcrumbs" aria-label="Breadcrumb">')
    contains(r.text, '<form class="sort-form" action="/categories/mugs" '
                     'method="get">')
    eq(card_names(r.text),
       column(D, "SELECT p.name FROM products p JOIN categories c"
                 " ON c.id = p.category_id WHERE c.slug = 'mugs'"
                 " AND p.active ORDER BY lower(p.name), p.id"))
    lacks(r.text, '<nav class="pager"')
    r = get("/categories/tea", "sort=price-desc", accept=JSON)
    status(r, 200)
    j = r.json()
    eq(j["category"]["name"], "Tea")
    eq([p["slug"] for p in j["products"]],
       column(D, f"SELECT slug FROM products p WHERE active AND category_id"
                 f" = (SELECT id FROM categories WHERE slug = 'tea')"
                 f" ORDER BY {MIN_PRICE} DESC, lower(name), id"))


@test
def categories_page():
    r = get("/categories")
    status(r, 200)
    check_page(r)
    contains(r.text, "<h1>Categories</h1>")
    names = column(D, "SELECT name FROM categories ORDER BY position")
    got = [text(n) for n in
           between(r.text, '<ul class="category-list">', "</ul>")
           .split('<span class="category-name">')[1:]]
    eq([g.split(" 8 products")[0] for g in got], names)


def variants_of(slug):
    return sql(D, "SELECT v.id, v.sku, v.title, v.options, v.price,"
                  " v.stock FROM variants v JOIN products p"
                  " ON p.id = v.product_id WHERE p.slug = ? AND v.active"
                  " ORDER BY v.position, v.id", (slug,))


def stock_label(n):
    return "Sold out" if n == 0 else f"Only {n} left" if n <= 5 \
        else "In stock"


@test
def product_page():
    r = get("/products/organic-cotton-tee")
    status(r, 200)
    check_headers(r)
    page = check_page(r)
    eq(r.header("Cache-Control"), CACHE_PUBLIC)
    contains(r.text, "<title>Organic Cotton Tee · Shopfile</title>")
    contains(r.text, "<h1>Organic Cotton Tee</h1>")
    contains(r.text, '<p class="product-price"><span class="price">From '
                     '€26.00</span></p>')
    contains(r.text, '<img src="/media/products/organic-cotton-tee.svg" '
                     'alt="Illustration of the Organic Cotton Tee" '
                     'width="600" height="600">')
    eq(len(page.images), 1)
    contains(r.text, '<li><a href="/categories/t-shirts">T-shirts</a></li>')
    form = between(r.text, '<form class="add-to-cart" action="/cart/items" '
                           'method="post">', "</form>")
    contains(form, "<legend>Choose an option</legend>")
    contains(form, '<label for="quantity">Quantity</label>')
    contains(form, '<input id="quantity" type="number" name="quantity" '
                   'value="1" min="1"')
    variants = variants_of("organic-cotton-tee")
    eq(len(variants), 8)
    first_in_stock = next(v[0] for v in variants if v[5] > 0)
    sold_out = [v for v in variants if v[5] == 0]
    eq(len(sold_out) >= 1, True, "a sold-out variant")
    for vid, sku, title, options, price, stock in variants:
        attrs = ' checked' if vid == first_in_stock else ''
        attrs += ' disabled' if stock == 0 else ''
        contains(form, f'<input type="radio" id="variant-{vid}" '
                       f'name="variant_id" value="{vid}"{attrs} required>')
        contains(form, f'<label for="variant-{vid}"><span class="'
                       f'variant-title">{html.escape(title)}</span> <span '
                       f'class="price">{euros(price)}</span> <span class="'
                       f'stock stock-{"sold_out" if stock == 0 else "low_stock" if stock <= 5 else "in_stock"}" '
                       f'data-live-field="v{vid}">'
                       f'{stock_label(stock)}</span></label>')
    contains(form, '<button type="submit" class="button">Add to cart'
                   '</button>')


def head_of(r):
    return between(r.text, "<head>", "</head>")


def jsonld(r):
    block = between(r.text, '<script type="application/ld+json">',
                    "</script>")
    return json.loads(block)


@test
def product_meta_tags():
    r = get("/products/organic-cotton-tee")
    status(r, 200)
    check_page(r)
    head = head_of(r)
    desc = sql(D, "SELECT description FROM products"
                  " WHERE slug = 'organic-cotton-tee'")[0][0]
    eq(len(desc) <= 160, True)
    url = "http://127.0.0.1:8080/products/organic-cotton-tee"
    img = "http://127.0.0.1:8080/media/products/organic-cotton-tee.svg"
    contains(head, f'<meta name="description" content="{html.escape(desc)}">')
    contains(head, f'<link rel="canonical" href="{url}">')
    contains(head, '<meta property="og:type" content="product">')
    contains(head, '<meta property="og:title" content="Organic Cotton Tee">')
    contains(head, f'<meta property="og:description" '
                   f'content="{html.escape(desc)}">')
    contains(head, f'<meta property="og:url" content="{url}">')
    contains(head, f'<meta property="og:image" content="{img}">')
    ld = jsonld(r)
    eq(ld["@context"], "https://schema.org")
    eq(ld["@type"], "Product")
    eq(ld["name"], "Organic Cotton Tee")
    eq(ld["description"], desc)
    eq(ld["url"], url)
    eq(ld["image"], [img])
    variants = variants_of("organic-cotton-tee")
    eq([(o["sku"], o["price"], o["priceCurrency"], o["availability"])
        for o in ld["offers"]],
       [(sku, f"{price // 100}.{price % 100:02d}", "EUR",
         "https://schema.org/InStock" if stock > 0 else
         "https://schema.org/OutOfStock")
        for _, sku, _, _, price, stock in variants])
    # The CSP is what it was: a JSON-LD block is data, not script.
    contains(r.header("Content-Security-Policy"), "script-src 'self';")
    # The same head from the cached fragment.
    again = get("/products/organic-cotton-tee")
    eq(again.header("X-Cache"), "hit")
    eq(head_of(again), head)


@test
def product_meta_hostile_name():
    d = datadir(seed=True)
    name = 'Mug </script><script>alert(1)</script> & "quotes"'
    desc = "Line one.\n\nLine two </script> " + "word " * 60
    sql(d, "UPDATE products SET name = ?, description = ? WHERE slug ="
           " 'stoneware-mug'", (name, desc))
    r = get("/products/stoneware-mug", data_dir=d)
    status(r, 200)
    check_page(r)
    head = head_of(r)
    eq(head.count("</script>"), 2, head)       # live.js and JSON-LD
    lacks(head, "<script>alert")
    ld = jsonld(r)
    eq(ld["name"], name)
    contains(r.text, "Mug \\u003c/script\\u003e\\u003cscript\\u003e")
    meta = between(head, '<meta name="description" content="', '">')
    eq(len(html.unescape(meta)) <= 160, True)
    eq(html.unescape(meta).startswith("Line one. Line two </script> word"),
       True, meta)
    eq(html.unescape(meta).endswith("word\u2026"), True, meta)
    contains(head, '<meta property="og:title" content="Mug &lt;/script&gt;'
                   '&lt;script&gt;alert(1)&lt;/script&gt; &amp; '
                   '&quot;quotes&quot;">')


@test
def product_description_html_is_the_sanitizer_s():
    d = datadir(seed=True)
    f = os.path.join(d, "p.csv")
    with open(f, "w") as h:
        h.write("Handle,Title,Body (HTML),Variant SKU,Variant Price\n"
                'html-mug,HTML Mug,"<h2>Care</h2><p onclick=""x()"">Hand '
                '<em>wash</em>.</p><script>alert(1)</script>'
                '<iframe src=""https://evil.example/""></iframe>",HM-1,5\n')
    shopctl("import", "shopify", f, data_dir=d)
    r = get("/products/html-mug", data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, '<div class="description"><h2>Care</h2><p>Hand '
                     '<em>wash</em>.</p></div>')
    lacks(r.text, "alert(1)")
    lacks(r.text, "evil.example")
    # The plain text goes to the meta description.
    contains(head_of(r), '<meta name="description" content="Care Hand '
                         'wash.">')
    # A description without HTML is text, escaped.
    sql(d, "UPDATE products SET description_html = '', description ="
           " '<b>not bold</b>' WHERE slug = 'html-mug'")
    r = get("/products/html-mug", data_dir=d)
    contains(r.text, '<div class="description">&lt;b&gt;not bold&lt;/b&gt;'
                     '</div>')


@test
def product_json():
    r = get("/products/organic-cotton-tee", accept=JSON)
    status(r, 200)
    p = r.json()["product"]
    eq(p["name"], "Organic Cotton Tee")
    eq(p["category"], {"slug": "t-shirts", "name": "T-shirts",
                       "url": "/categories/t-shirts"})
    eq(p["price"], {"amount": 2600, "currency": "EUR",
                    "formatted": "€26.00"})
    eq(p["price_from"], True)
    eq(p["description"], column(D, "SELECT description FROM products"
                                   " WHERE slug = 'organic-cotton-tee'")[0])
    want = variants_of("organic-cotton-tee")
    eq(len(p["variants"]), len(want))
    for got, (vid, sku, title, options, price, stock) in \
            zip(p["variants"], want):
        eq(got["id"], vid)
        eq(got["sku"], sku)
        eq(got["title"], title)
        eq(got["options"], [{"name": k, "value": v}
                            for k, v in json.loads(options).items()])
        eq(got["price"], {"amount": price, "currency": "EUR",
                          "formatted": euros(price)})
        eq(got["stock"]["state"], "sold_out" if stock == 0 else
           "low_stock" if stock <= 5 else "in_stock")
        eq(got["stock"]["available"], stock > 0)
    eq(p["variants"][0]["options"], [{"name": "Size", "value": "S"},
                                     {"name": "Colour", "value": "Ink"}])
    eq(p["images"], [{"url": "/media/products/organic-cotton-tee.svg",
                      "alt": "Illustration of the Organic Cotton Tee",
                      "width": 600, "height": 600}])


@test
def product_sold_out():
    eq(column(D, "SELECT sum(stock) FROM variants v JOIN products p"
                 " ON p.id = v.product_id WHERE p.slug = 'enamel-camp-mug'"),
       [0])
    r = get("/products/enamel-camp-mug")
    status(r, 200)
    check_page(r)
    contains(r.text, '<p class="stock stock-sold_out" data-live-field="label">Sold out</p>')
    contains(r.text, '<p class="notice">This product is sold out at the '
                     'moment. <a href="/categories/mugs">See similar '
                     'products</a>.</p>')
    lacks(r.text, 'action="/cart/items"')
    lacks(r.text, "Add to cart")
    j = get("/products/enamel-camp-mug", accept=JSON).json()["product"]
    eq(j["sold_out"], True)
    eq(j["stock"], {"state": "sold_out", "label": "Sold out",
                    "available": False})


@test
def product_low_stock():
    r = get("/products/field-notes-set")
    status(r, 200)
    check_page(r)
    contains(r.text, '<p class="stock stock-low_stock" data-live-field="label">Only 3 left</p>')
    variants = variants_of("field-notes-set")
    eq([v[5] for v in variants], [2, 1, 0])
    for v, label in zip(variants, ["Only 2 left", "Only 1 left",
                                   "Sold out"]):
        contains(r.text, f'<label for="variant-{v[0]}"><span class="'
                         f'variant-title">{v[2]}</span>')
        contains(between(r.text, f'<label for="variant-{v[0]}">',
                         "</label>"), f">{label}</span>")
    contains(r.text, 'max="2"')


@test
def single_variant_product():
    r = get("/products/morning-person-mug")
    status(r, 200)
    check_page(r)
    (vid, sku, title, options, price, stock), = \
        variants_of("morning-person-mug")
    contains(r.text, f'<input type="hidden" name="variant_id" '
                     f'value="{vid}">')
    lacks(r.text, "<fieldset")
    contains(r.text, f'<span class="price">{euros(price)}</span>')


@test
def unknown_product_and_category():
    for path in ("/products/no-such-thing", "/products/Organic-Cotton-Tee",
                 "/categories/no-such-thing", "/products/"):
        r = get(path)
        status(r, 404)
        check_headers(r)
        check_page(r)
        contains(r.text, '<h1 id="error-title">Not Found</h1>')
        contains(r.text, '<label for="error-q">Search the shop</label>')
        contains(r.text, '<a href="/products">Browse all products</a>')
    r = get("/products/no-such-thing")
    contains(r.text, "There is no product at this address.")
    r = get("/categories/no-such-thing", accept=JSON)
    status(r, 404)
    eq(r.json(), {"ok": False, "status": 404,
                  "error": "There is no category at this address. It may "
                           "have been renamed; the list of categories has "
                           "them all."})


@test
def inactive_product_is_hidden():
    d = datadir(seed=True)
    sql(d, "UPDATE products SET active = 0 WHERE slug = 'stoneware-mug'")
    status(get("/products/stoneware-mug", data_dir=d), 404)
    j = get("/categories/mugs", accept=JSON, data_dir=d).json()
    eq(j["total"], 7)
    lacks([p["slug"] for p in j["products"]], "stoneware-mug")
    j = get("/search", "q=stoneware", accept=JSON, data_dir=d).json()
    eq(j["total"], 0)
    r = get("/sitemap.xml", data_dir=d)
    lacks(r.text, "/products/stoneware-mug<")


@test
def sitemap():
    r = get("/sitemap.xml")
    status(r, 200)
    check_headers(r)
    eq(r.header("Content-Type"), "application/xml; charset=utf-8")
    eq(r.header("Cache-Control"), "public, max-age=300")
    root = ET.fromstring(r.body)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    eq(root.tag, ns + "urlset")
    urls = root.findall(ns + "url")
    eq(len(urls), 2 + 8 + 64 + 7)
    got = {u.find(ns + "loc").text: u.find(ns + "lastmod").text
           for u in urls}
    base = "http://127.0.0.1:8080"
    latest = column(D, "SELECT max(updated_at) FROM products")[0]
    want = {base + "/": latest, base + "/products": latest}
    for slug, upd in sql(D, "SELECT c.slug, max(p.updated_at) FROM"
                            " categories c JOIN products p ON"
                            " p.category_id = c.id GROUP BY c.id"):
        want[f"{base}/categories/{slug}"] = upd
    for slug, upd in sql(D, "SELECT slug, updated_at FROM products"):
        want[f"{base}/products/{slug}"] = upd
    for slug, upd in sql(D, "SELECT slug, updated_at FROM content_pages"):
        want[f"{base}/pages/{slug}"] = upd
    eq(got, want)
    j = get("/sitemap.xml", accept=JSON).json()
    eq(len(j["urls"]), 81)
    eq(j["urls"][0], {"loc": base + "/", "lastmod": latest})


@test
def head_request():
    r = get("/products", method="HEAD")
    status(r, 200)
    eq(r.body, b"")
    eq(int(r.header("Content-Length")) > 1000, True)


@test
def empty_store():
    d = datadir(seed=False)
    r = get("/", data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, "Nothing is featured at the moment.")
    contains(r.text, "There are no categories yet.")
    r = get("/products", data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, '<p class="count">0 products</p>')
    contains(r.text, "There are no products here yet.")
    r = get("/products", "page=2", data_dir=d)
    status(r, 404)
    contains(r.text, "There is no page 2 of products: there is only 1.")
    r = get("/sitemap.xml", data_dir=d)
    status(r, 200)
    # The home page, the product list and the shop's own seven pages.
    eq(len(ET.fromstring(r.body)), 2 + 7)


run()
