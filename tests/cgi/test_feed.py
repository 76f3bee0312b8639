#!/usr/bin/env python3
"""GET /feed.xml, the Google Merchant feed, on the seeded demo store:
RSS 2.0 in the g: namespace that Python's xml.etree parses, every active
variant of every active product exactly once (and nothing else), with
its SKU, product, link, first image, price with the currency's decimals,
availability and shipping; cached in cache.db under the catalog's version
(a change makes it anew), an ETag answered 304; and a product whose text
holds control characters, "]]>" and "</script>" still makes valid XML."""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (cgi, contains, datadir, eq, lacks, run, sql,  # noqa: E402
                      status, test)

G = "{http://base.google.com/ns/1.0}"
BASE = "http://127.0.0.1:8080"


def feed(d, headers=None):
    r = cgi("catalog", "/feed.xml", data_dir=d, headers=headers)
    return r


def items(r):
    root = ET.fromstring(r.body)
    eq(root.tag, "rss")
    eq(root.get("version"), "2.0")
    out = {}
    for it in root.findall("channel/item"):
        sku = it.findtext(G + "id")
        if sku in out:
            raise AssertionError(f"{sku} twice in the feed")
        out[sku] = it
    return root, out


def expected(d):
    return sql(d, "SELECT v.sku, p.slug, p.name, v.title, v.price, v.stock,"
                  " (SELECT count(*) FROM variants w WHERE w.product_id ="
                  "  p.id AND w.active),"
                  " (SELECT path FROM images i WHERE i.product_id = p.id"
                  "  ORDER BY position, id LIMIT 1)"
                  " FROM variants v JOIN products p ON p.id = v.product_id"
                  " WHERE p.active AND v.active")


@test
def every_active_variant_once_with_its_fields():
    d = datadir(seed=True)
    # One product off sale, one variant off sale: neither is in the feed.
    sql(d, "UPDATE products SET active = 0 WHERE slug = 'snake-plant'")
    sql(d, "UPDATE variants SET active = 0 WHERE sku = 'MUG-01-SAGE'")
    r = feed(d)
    status(r, 200)
    eq(r.header("Content-Type"), "application/rss+xml; charset=utf-8")
    eq(r.header("Cache-Control"), "public, max-age=300")
    root, got = items(r)
    eq(root.findtext("channel/title"), "Shopfile")
    eq(root.findtext("channel/link"), BASE + "/")
    want = expected(d)
    eq(sorted(got), sorted(row[0] for row in want))
    lacks(r.text, "MUG-01-SAGE")
    lacks(r.text, "snake-plant")
    for sku, slug, name, title, price, stock, nvar, path in want:
        it = got[sku]
        eq(it.findtext(G + "item_group_id"), slug)
        eq(it.findtext(G + "title"),
           f"{name} - {title}" if nvar > 1 and title else name)
        eq(it.findtext(G + "link"), f"{BASE}/products/{slug}")
        eq(it.findtext(G + "image_link"), f"{BASE}/media/{path}")
        eq(it.findtext(G + "price"), f"{price // 100}.{price % 100:02d} EUR")
        eq(it.findtext(G + "availability"),
           "in_stock" if stock > 0 else "out_of_stock")
        eq(it.findtext(G + "condition"), "new")
        ships = [(s.findtext(G + "country"), s.findtext(G + "service"),
                  s.findtext(G + "price")) for s in it.findall(G + "shipping")]
        eq(ships, [("FR", "Standard (3-5 days)",
                    "0.00 EUR" if price >= 5000 else "4.95 EUR"),
                   ("FR", "Express (next day)", "12.90 EUR")])
    # A sold-out variant and a priced one, exactly.
    eq(got["MUG-02"].findtext(G + "availability"), "out_of_stock")
    eq(got["MUG-01-WHITE"].findtext(G + "price"), "18.00 EUR")
    eq(got["MUG-01-WHITE"].findtext(G + "description"),
       sql(d, "SELECT description FROM products WHERE slug = "
              "'stoneware-mug'")[0][0])


@test
def currency_decimals():
    d = datadir(seed=True)
    sql(d, "UPDATE variants SET currency = 'JPY', price = 500"
           " WHERE sku = 'MUG-01-WHITE'")
    _, got = items(feed(d))
    eq(got["MUG-01-WHITE"].findtext(G + "price"), "500 JPY")
    # Shipping in another currency is left out rather than mixed in.
    eq(got["MUG-01-WHITE"].findall(G + "shipping"), [])


@test
def cached_under_the_catalog_version_and_etag():
    d = datadir(seed=True)
    first = feed(d)
    eq(first.header("X-Cache"), "miss")
    etag = first.header("ETag")
    eq(etag.startswith('"feed-'), True, etag)
    again = feed(d)
    eq(again.header("X-Cache"), "hit")
    eq(again.body, first.body)
    eq(again.header("ETag"), etag)
    r = feed(d, headers={"If-None-Match": etag})
    status(r, 304)
    eq(r.body, b"")
    # A change to the catalog makes another feed under another name.
    sql(d, "UPDATE variants SET price = 1234 WHERE sku = 'MUG-01-WHITE'")
    changed = feed(d)
    eq(changed.header("X-Cache"), "miss")
    lacks(changed.header("ETag"), etag)
    _, got = items(changed)
    eq(got["MUG-01-WHITE"].findtext(G + "price"), "12.34 EUR")
    # So does a change to the shipping methods, which the catalog's
    # version does not cover.
    sql(d, "UPDATE shipping_methods SET price = 600 WHERE code = 'standard'")
    r = feed(d)
    eq(r.header("X-Cache"), "miss")
    _, got = items(r)
    eq(got["MUG-01-WHITE"].find(G + "shipping").findtext(G + "price"),
       "6.00 EUR")


@test
def hostile_text_stays_valid_xml():
    d = datadir(seed=True)
    # Written behind catalog_edit's back, as an old row might be.
    name = "Bad\x01\x08 </script> ]]> <b>&amp;\x7f"
    sql(d, "UPDATE products SET name = ?, description = ? WHERE slug = "
           "'stoneware-mug'", (name, "a]]>b\x0bc\x1f</g:description>"))
    r = feed(d)
    status(r, 200)
    _, got = items(r)
    eq(got["MUG-01-WHITE"].findtext(G + "title"),
       "Bad </script> ]]> <b>&amp; - White")
    eq(got["MUG-01-WHITE"].findtext(G + "description"),
       "a]]>bc</g:description>")
    lacks(r.text, "<![CDATA[")
    contains(r.text, "]]&gt;")


@test
def empty_store():
    d = datadir()
    root, got = items(feed(d))
    eq(got, {})
    eq(root.findtext("channel/title"), "Shopfile")


run()
