#!/usr/bin/env python3
"""shopctl seed: the demo catalog it writes (categories, products,
variants with options and distinct SKUs, prices in the store currency,
stock with low and sold-out items, featured products, SVG images with
their rows; the gallery's pictures are test_gallery.py's), that it is
the same every time, that it refuses a store
with products unless --if-empty, and its usage and errors."""

import hashlib
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (cgi, contains, eq, run, shopctl, sql, status,  # noqa: E402
                      tempdir, test)

SVG = "{http://www.w3.org/2000/svg}"


def migrated():
    d = tempdir("shopseed-")
    shopctl("migrate", data_dir=d)
    return d


def one(d, query, params=()):
    return sql(d, query, params)[0][0]


@test
def seed_writes_the_demo_store():
    d = migrated()
    p = shopctl("seed", "--no-gallery", data_dir=d)
    eq(p.returncode, 0)
    eq(p.stderr, "")
    contains(p.stdout, "  8 categories\n")
    contains(p.stdout, "  64 of 64 products\n")
    contains(p.stdout, "seed: 8 categories, 64 products (6 sold out, 5 low "
                       "in stock), 232 variants in EUR, 64 images in "
                       f"{d}/media/products\n")
    eq(one(d, "SELECT count(*) FROM categories"), 8)
    eq(one(d, "SELECT count(*) FROM products WHERE active"), 64)
    eq(one(d, "SELECT count(*) FROM variants"), 232)
    eq(one(d, "SELECT count(DISTINCT sku) FROM variants"), 232)
    eq(one(d, "SELECT min(c) FROM (SELECT count(*) c FROM products"
              " GROUP BY category_id)"), 8)
    eq(one(d, "SELECT count(*) FROM variants WHERE price <= 0"
              " OR currency != 'EUR'"), 0)
    eq(one(d, "SELECT count(*) FROM products WHERE featured"), 8)
    # Sold-out products, low-stock products, sold-out variants.
    totals = dict(sql(d, "SELECT product_id, sum(stock) FROM variants"
                         " GROUP BY product_id"))
    eq(sum(1 for t in totals.values() if t == 0), 6)
    eq(sum(1 for t in totals.values() if 0 < t <= 5), 5)
    eq(one(d, "SELECT count(*) FROM variants v WHERE stock = 0 AND"
              " (SELECT sum(stock) FROM variants WHERE product_id ="
              " v.product_id) > 0") > 0, True)
    # Options as JSON objects, and titles made from them.
    rows = sql(d, "SELECT title, options FROM variants v JOIN products p"
                  " ON p.id = v.product_id WHERE p.slug ="
                  " 'merino-hiking-socks' ORDER BY v.position")
    eq([r[0] for r in rows][:3], ["36–40 / Oat", "36–40 / Moss",
                                  "36–40 / Rust"])
    eq(json.loads(rows[0][1]), {"Size": "36–40", "Colour": "Oat"})
    eq(one(d, "SELECT sku FROM variants WHERE title = '50 × 70 cm'"
              " ORDER BY id LIMIT 1"), "PST-01-50-70-CM")
    # Accented names for accent-folded search, and their slugs.
    eq(one(d, "SELECT slug FROM products WHERE name = 'Crème Brûlée"
              " Candle'"), "creme-brulee-candle")
    # The search index is in step.
    eq(one(d, "SELECT count(*) FROM product_search"), 64)
    eq(one(d, "SELECT count(*) FROM product_search WHERE product_search"
              " MATCH 'creme'"), 3)


@test
def seed_images():
    d = migrated()
    shopctl("seed", "--no-gallery", data_dir=d)
    rows = sql(d, "SELECT p.slug, p.name, i.path, i.alt, i.width, i.height"
                  " FROM images i JOIN products p ON p.id = i.product_id")
    eq(len(rows), 64)
    for slug, name, path, alt, w, h in rows:
        eq(path, f"products/{slug}.svg")
        eq(alt, f"Illustration of the {name}")
        eq((w, h), (600, 600))
        root = ET.parse(os.path.join(d, "media", path)).getroot()
        eq(root.tag, SVG + "svg")
        eq((root.get("width"), root.get("height")), ("600", "600"))
        eq(root.find(SVG + "title").text, name)
        eq(root.find(SVG + "text").text, name)
    # "Fig & Cedar" is escaped in the XML, not broken by it.
    with open(os.path.join(d, "media/products/fig-cedar-candle.svg")) as f:
        contains(f.read(), "<title>Fig &amp; Cedar Candle</title>")


def fingerprint(d):
    h = hashlib.sha256()
    for table in ("categories", "products", "variants", "images"):
        for row in sql(d, f"SELECT * FROM {table} ORDER BY id"):
            h.update(repr(row).encode())
    media = os.path.join(d, "media", "products")
    for name in sorted(os.listdir(media)):
        with open(os.path.join(media, name), "rb") as f:
            h.update(name.encode() + f.read())
    return h.hexdigest()


@test
def seed_is_deterministic():
    a, b = migrated(), migrated()
    shopctl("seed", "--no-gallery", data_dir=a)
    shopctl("seed", "--no-gallery", data_dir=b)
    eq(fingerprint(a), fingerprint(b))


@test
def seed_refuses_a_store_with_products():
    d = migrated()
    shopctl("seed", "--no-gallery", data_dir=d)
    before = fingerprint(d)
    p = shopctl("seed", "--no-gallery", data_dir=d, check=False)
    eq(p.returncode, 1)
    eq(p.stdout, "")
    eq(p.stderr, "shopctl: seed: the store already has products; seed only "
                 "fills an empty store (--if-empty skips this quietly)\n")
    p = shopctl("seed", "--if-empty", data_dir=d, check=False)
    eq((p.returncode, p.stdout, p.stderr), (0, "", ""))
    eq(fingerprint(d), before)
    p = shopctl("check", data_dir=d, check=False)
    eq(p.returncode, 0)
    contains(p.stdout, "check: all four databases are sound")


@test
def seed_if_empty_seeds_an_empty_store():
    d = migrated()
    p = shopctl("seed", "--if-empty", "--no-gallery", data_dir=d)
    eq(p.returncode, 0)
    eq(one(d, "SELECT count(*) FROM products"), 64)


@test
def seed_usage_and_errors():
    p = shopctl("seed", "--help", check=False)
    eq(p.returncode, 0)
    contains(p.stdout, "usage: shopctl seed [--if-empty] [--no-gallery]")
    p = shopctl("seed", "--nope", data_dir=migrated(), check=False)
    eq(p.returncode, 2)
    contains(p.stderr, "usage: shopctl seed [--if-empty]")
    p = shopctl("seed", "extra", data_dir=migrated(), check=False)
    eq(p.returncode, 2)
    contains(p.stderr, 'shopctl: seed: unexpected argument "extra"')
    p = shopctl("-h", check=False)
    contains(p.stdout, "  seed [--if-empty] [--no-gallery]\n      fill an empty "
                       "store")
    # Not migrated: a clear message, nothing written.
    d = tempdir("shopseed-")
    p = shopctl("seed", "--no-gallery", data_dir=d, check=False)
    eq(p.returncode, 1)
    contains(p.stderr, "shopctl migrate")
    eq(os.listdir(d), [])
    p = shopctl("seed", "--no-gallery", data_dir=migrated(),
                env={"SHOP_CURRENCY": "XYZ"}, check=False)
    eq(p.returncode, 1)
    eq(p.stderr, "shopctl: seed: SHOP_CURRENCY XYZ is not a currency this "
                 "shop can show and charge\n")


@test
def seed_uses_the_store_currency():
    d = migrated()
    shopctl("seed", "--no-gallery", data_dir=d, env={"SHOP_CURRENCY": "USD"})
    eq(sql(d, "SELECT DISTINCT currency FROM variants"), [("USD",)])
    r = cgi("catalog", "/products/stoneware-mug", data_dir=d,
            headers={"Accept": "application/json"})
    status(r, 200)
    eq(r.json()["product"]["price"],
       {"amount": 1800, "currency": "USD", "formatted": "$18.00"})
    d = migrated()
    shopctl("seed", "--no-gallery", data_dir=d, env={"SHOP_CURRENCY": "JPY"})
    eq(one(d, "SELECT price FROM variants WHERE sku = 'MUG-01-WHITE'"), 18)


run()
