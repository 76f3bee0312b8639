#!/usr/bin/env python3
"""shopctl export products and shopctl import products|shopify: the
demo store exported and imported into an empty one, compared row by row
(categories, products, variants, images, by slug and SKU) and exported
again byte for byte; a second import that changes nothing; changes and
additions; --dry-run; Shopify's product CSV with several variants and
images taken from a directory; and every bad input refused with its
line, exit 1 and nothing written (the database compared before and
after, the media directory too)."""

import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (contains, datadir, eq, lacks, run, shopctl, sql,  # noqa: E402
                      tempdir, test)

NS = "urn:shopfile:catalog:1"

CATEGORIES = ("SELECT slug, name, description, position FROM categories"
              " ORDER BY slug")
PRODUCTS = ("SELECT p.slug, p.name, p.description, p.description_html,"
            " coalesce(c.slug, ''), p.featured, p.active, p.created_at"
            " FROM products p LEFT JOIN categories c ON c.id = p.category_id"
            " ORDER BY p.slug")
VARIANTS = ("SELECT v.sku, p.slug, v.title, v.options, v.price, v.currency,"
            " v.stock, v.weight_grams, v.position, v.active FROM variants v"
            " JOIN products p ON p.id = v.product_id ORDER BY v.sku")
IMAGES = ("SELECT p.slug, i.path, i.alt, i.width, i.height, i.position"
          " FROM images i JOIN products p ON p.id = i.product_id"
          " ORDER BY p.slug, i.position, i.path")


def catalog_rows(d):
    return {q: sql(d, q) for q in (CATEGORIES, PRODUCTS, VARIANTS, IMAGES)}


def snapshot(d):
    """Everything an import could write, ids and versions included."""
    rows = {}
    for t in ("categories", "products", "variants", "images",
              "stock_movements", "outbox", "catalog_state",
              "sqlite_sequence"):
        rows[t] = sql(d, f"SELECT * FROM {t} ORDER BY 1, 2")
    media = os.path.join(d, "media", "products")
    rows["files"] = sorted(os.listdir(media)) if os.path.isdir(media) else []
    return rows


def export(d, path):
    p = shopctl("export", "products", "-o", path, data_dir=d)
    eq(p.returncode, 0)
    with open(path, "rb") as f:
        return f.read()


def imp(d, *args, check=True):
    return shopctl("import", *args, data_dir=d, check=check)


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def png(w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, data):
        return (struct.pack(">I", len(data)) + t + data +
                struct.pack(">I", zlib.crc32(t + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


SEEDED = datadir(seed=True)
WORK = tempdir("shopio-")
EXPORTED = os.path.join(WORK, "catalog.xml")
XML = export(SEEDED, EXPORTED).decode()


def summary(p):
    return [line for line in p.stderr.splitlines()
            if line.startswith("import")][-1]


# ------------------------------------------------------------ round trip

@test
def export_is_the_schema_s_xml():
    contains(XML, '<?xml version="1.0" encoding="UTF-8"?>\n'
                  f'<catalog xmlns="{NS}" version="1">\n <categories>\n'
                  '  <category slug="mugs" position="1">\n'
                  '   <name>Mugs</name>\n')
    contains(XML, '<product slug="stoneware-mug" category="mugs" '
                  'active="true" featured="true" '
                  'created="2025-01-06T09:00:00Z">')
    contains(XML, '<variant sku="MUG-01-WHITE" active="true" position="0">\n'
                  '    <title>White</title>\n'
                  '    <option name="Colour">White</option>\n'
                  '    <price currency="EUR">18.00</price>\n'
                  '    <stock>')
    contains(XML, '<image path="products/stoneware-mug.svg" width="600" '
                  'height="600" position="0">\n'
                  '    <alt>Illustration of the Stoneware Mug</alt>\n')
    eq(XML.count("<product "), 64)
    eq(XML.count("<variant "), 232)


@test
def round_trip_into_an_empty_store_is_exact():
    d = datadir()
    p = imp(d, "products", EXPORTED)
    eq(summary(p), f"import: {EXPORTED}: 64 products: 64 created, 0 updated, "
                   "0 unchanged, 0 refused; 232 variants, 64 images (0 files "
                   "taken in, 0 without a file left out); categories: 8 "
                   "created, 0 updated")
    want, got = catalog_rows(SEEDED), catalog_rows(d)
    for q in want:
        eq(len(got[q]), len(want[q]), q)
        for a, b in zip(got[q], want[q]):
            eq(a, b, q)
    # And out again, the same bytes.
    eq(export(d, os.path.join(WORK, "again.xml")).decode(), XML)
    # The first stock of each variant is a movement of the import.
    eq(sql(d, "SELECT count(*), min(actor) FROM stock_movements"),
       [(sql(d, "SELECT count(*) FROM variants WHERE stock > 0")[0][0],
         "shopctl import")])


@test
def import_again_changes_nothing():
    d = datadir(seed=True)
    before = snapshot(d)
    p = imp(d, "products", EXPORTED)
    contains(summary(p), ": 64 products: 0 created, 0 updated, 64 unchanged, "
                         "0 refused;")
    eq(snapshot(d), before)


@test
def import_updates_and_adds_by_slug_and_sku():
    d = datadir(seed=True)
    x = XML.replace("<name>Stoneware Mug</name>",
                    "<name>Stoneware Mug &amp; Saucer</name>", 1)
    x = x.replace('<price currency="EUR">18.00</price>',
                  '<price currency="EUR">19.50</price>', 1)
    i = x.index('sku="MUG-01-WHITE"')
    j = x.index("<stock>", i)
    k = x.index("</stock>", j)
    x = x[:j] + "<stock>77" + x[k:]
    new = ('<product slug="new-cup" category="mugs">\n'
           '   <name>New Cup</name>\n'
           '   <variant sku="CUP-NEW"><option name="Colour">Red</option>'
           '<price currency="EUR">7</price><stock>3</stock></variant>\n'
           '  </product>\n </products>')
    x = x.replace(" </products>", new)
    f = write(os.path.join(WORK, "changed.xml"), x)
    p = imp(d, "products", f)
    contains(summary(p), ": 65 products: 1 created, 1 updated, 63 unchanged, "
                         "0 refused;")
    eq(sql(d, "SELECT name FROM products WHERE slug = 'stoneware-mug'"),
       [("Stoneware Mug & Saucer",)])
    eq(sql(d, "SELECT price, stock FROM variants WHERE sku = 'MUG-01-WHITE'"),
       [(1950, 77)])
    eq(sql(d, "SELECT m.reason, m.actor, m.stock_after FROM stock_movements m"
              " JOIN variants v ON v.id = m.variant_id"
              " WHERE v.sku = 'MUG-01-WHITE' ORDER BY m.id DESC LIMIT 1"),
       [("import", "shopctl import", 77)])
    eq(sql(d, "SELECT v.title, v.options, v.price, v.stock, c.slug"
              " FROM variants v JOIN products p ON p.id = v.product_id"
              " JOIN categories c ON c.id = p.category_id"
              " WHERE v.sku = 'CUP-NEW'"),
       [("Red", '{"Colour":"Red"}', 700, 3, "mugs")])


@test
def dry_run_writes_nothing_and_says_the_same():
    d = datadir()
    before = snapshot(d)
    p = imp(d, "products", EXPORTED, "--dry-run")
    eq(p.returncode, 0)
    contains(summary(p), "import: dry run: nothing was written")
    contains(p.stderr, "import (dry run): " + EXPORTED + ": 64 products: 64 "
                       "created, 0 updated, 0 unchanged, 0 refused;")
    eq(snapshot(d), before)


@test
def progress_every_thousand_products():
    d = datadir()
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n'
             f'<catalog xmlns="{NS}" version="1"><products>']
    for i in range(2100):
        parts.append(f'<product slug="p{i}"><name>P {i}</name>'
                     f'<variant sku="S{i}"><price currency="EUR">1.00</price>'
                     '</variant></product>\n')
    parts.append("</products></catalog>\n")
    f = write(os.path.join(WORK, "many.xml"), "".join(parts))
    p = imp(d, "products", f, "--dry-run")
    lines = p.stderr.splitlines()
    eq([ln for ln in lines if "products read" in ln],
       ["import: 1000 products read: 1000 created, 0 updated, 0 unchanged, "
        "0 refused",
        "import: 2000 products read: 2000 created, 0 updated, 0 unchanged, "
        "0 refused"])


# ------------------------------------------------------------ Shopify

SHOPIFY = (
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,"
    "Variant SKU,Variant Grams,Variant Inventory Tracker,"
    "Variant Inventory Qty,Variant Price,Image Src,Image Position,"
    "Image Alt Text,SEO Title,SEO Description,Status\n"
    'classic-tee,Classic Tee,"<p>Soft <b>cotton</b>, ""heavy"".</p>'
    '<script>alert(1)</script><ul><li>Crew neck</li></ul>'
    '<a href=""javascript:alert(1)"">x</a> '
    '<a href=""https://example.com/care"" onclick=""y()"">care</a>'
    '<img src=""https://evil.example/t.png"">",'
    'Acme,T-Shirts,"summer, cotton",TRUE,Size,S,Colour,Red,,,TEE-S-RED,'
    "200.0,shopify,10,25.00,"
    "https://cdn.shopify.com/s/files/1/tee-front.png?v=17,1,Front view,,,"
    "active\n"
    "classic-tee,,,,,,,,M,,Red,,,TEE-M-RED,210,shopify,5,25.00,"
    "https://cdn.shopify.com/s/files/1/tee-back.png?v=17,2,,,,\n"
    "classic-tee,,,,,,,,L,,Blue,,,TEE-L-BLUE,220,shopify,0,27.50,,,,,,\n"
    "draft-mug,Draft Mug,Plain words,Acme,Mugs,,TRUE,Title,Default Title,,,"
    ",,MUG-D,300,shopify,3,9.99,,,,,,draft\n"
    "hidden-pot,Hidden Pot,,Acme,,,FALSE,Title,Default Title,,,,,POT-H,,"
    "shopify,,12,,,,,,active\n")


def images_dir():
    d = tempdir("shopimg-")
    write(os.path.join(d, "tee-front.png"), png(800, 600, (200, 30, 30)))
    write(os.path.join(d, "tee-back.png"), png(400, 300, (30, 30, 200)))
    return d


@test
def shopify_products_variants_and_images():
    d = datadir()
    f = write(os.path.join(WORK, "shopify.csv"), SHOPIFY)
    p = imp(d, "shopify", f, "--images", images_dir())
    eq(summary(p), f"import: {f}: 3 products: 3 created, 0 updated, "
                   "0 unchanged, 0 refused; 5 variants, 2 images (2 files "
                   "taken in, 0 without a file left out); categories: 2 "
                   "created, 0 updated")
    eq(sql(d, "SELECT p.slug, p.name, p.active, p.description,"
              " p.description_html, coalesce(c.name, '') FROM products p"
              " LEFT JOIN categories c ON c.id = p.category_id"
              " ORDER BY p.slug"),
       [("classic-tee", "Classic Tee", 1,
         'Soft cotton, "heavy".\n\n- Crew neck\n\nx care',
         '<p>Soft <strong>cotton</strong>, &quot;heavy&quot;.</p><ul><li>'
         'Crew neck</li></ul>x <a href="https://example.com/care">care</a>',
         "T-Shirts"),
        ("draft-mug", "Draft Mug", 0, "Plain words", "Plain words", "Mugs"),
        ("hidden-pot", "Hidden Pot", 0, "", "", "")])
    eq(sql(d, "SELECT sku, title, options, price, stock, weight_grams,"
              " position FROM variants ORDER BY id"),
       [("TEE-S-RED", "S / Red", '{"Size":"S","Colour":"Red"}', 2500, 10,
         200, 0),
        ("TEE-M-RED", "M / Red", '{"Size":"M","Colour":"Red"}', 2500, 5,
         210, 1),
        ("TEE-L-BLUE", "L / Blue", '{"Size":"L","Colour":"Blue"}', 2750, 0,
         220, 2),
        ("MUG-D", "", "{}", 999, 3, 300, 0),
        ("POT-H", "", "{}", 1200, 0, 0, 0)])
    imgs = sql(d, "SELECT path, alt, width, height, position FROM images"
                  " ORDER BY position")
    eq([(a, w, h, pos) for _, a, w, h, pos in imgs],
       [("Front view", 800, 600, 1), ("Classic Tee", 400, 300, 2)])
    media = os.path.join(d, "media")
    for path, *_ in imgs:
        eq(path.startswith("products/i") and path.endswith(".jpg"), True,
           path)
        eq(os.path.exists(os.path.join(media, path)), True, path)
        eq(os.path.exists(os.path.join(media, path[:-4] + ".webp")), True)
    eq(len(os.listdir(os.path.join(media, "products"))), 10)
    # The same again: nothing changes, no file is written twice.
    before = snapshot(d)
    p = imp(d, "shopify", f, "--images", images_dir())
    contains(summary(p), ": 3 products: 0 created, 0 updated, 3 unchanged, "
                         "0 refused;")
    eq(snapshot(d), before)


@test
def shopify_without_images_leaves_them_out():
    d = datadir()
    f = write(os.path.join(WORK, "shopify2.csv"), SHOPIFY)
    p = imp(d, "shopify", f)
    contains(summary(p), "2 images (0 files taken in, 2 without a file left "
                         "out)")
    eq(sql(d, "SELECT count(*) FROM images"), [(0,)])


@test
def shopify_dry_run_writes_no_file():
    d = datadir()
    before = snapshot(d)
    f = write(os.path.join(WORK, "shopify3.csv"), SHOPIFY)
    p = imp(d, "shopify", f, "--images", images_dir(), "--dry-run")
    contains(p.stderr, "import (dry run): " + f + ": 3 products: 3 created,")
    eq(snapshot(d), before)


@test
def xml_import_takes_image_files_in():
    d = datadir()
    src = images_dir()
    os.makedirs(os.path.join(src, "products"))
    os.rename(os.path.join(src, "tee-front.png"),
              os.path.join(src, "products", "mug.png"))
    x = (f'<catalog xmlns="{NS}" version="1"><products>'
         '<product slug="mug"><name>Mug</name>'
         '<variant sku="M1"><price currency="EUR">5</price></variant>'
         '<image path="products/mug.png" width="1" height="1">'
         '<alt>A mug</alt></image></product></products></catalog>')
    f = write(os.path.join(WORK, "img.xml"), x)
    p = imp(d, "products", f, "--images", src)
    contains(summary(p), "1 images (1 files taken in,")
    path, w, h = sql(d, "SELECT path, width, height FROM images")[0]
    eq((w, h), (800, 600))
    eq(path.endswith("-800.jpg"), True, path)


# ------------------------------------------------------------ bad input

def refused(d, args, want, files=None):
    """The import is refused with want in its problems, exit 1, and the
    database and the media directory as they were."""
    before = snapshot(d)
    p = imp(d, *args, check=False)
    eq(p.returncode, 1, p.stderr)
    contains(p.stderr, want)
    contains(p.stderr, "nothing was written")
    eq(snapshot(d), before)
    return p


def bad_xml(name, text):
    return write(os.path.join(WORK, name), text)


@test
def bad_malformed_xml():
    f = bad_xml("cut.xml", XML[:len(XML) // 2])
    p = refused(datadir(seed=True), ["products", f], "line ")
    contains(p.stderr, "first: line ")


@test
def bad_xxe():
    f = bad_xml("xxe.xml", '<?xml version="1.0"?>\n'
                '<!DOCTYPE catalog [<!ENTITY xxe SYSTEM '
                '"file:///etc/passwd">]>\n'
                f'<catalog xmlns="{NS}" version="1"><products>'
                '<product slug="x"><name>&xxe;</name></product>'
                '</products></catalog>\n')
    p = refused(datadir(), ["products", f],
                "line 2: a DOCTYPE or an entity declaration is not accepted")
    lacks(p.stderr, "root:")


@test
def bad_billion_laughs():
    ents = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">\n'
                   for i in range(1, 10))
    f = bad_xml("lol.xml", '<?xml version="1.0"?>\n<!DOCTYPE catalog [\n'
                '<!ENTITY l0 "lol">\n' + ents + ']>\n'
                f'<catalog xmlns="{NS}" version="1"><products>'
                '<product slug="x"><name>&l9;</name></product>'
                '</products></catalog>\n')
    refused(datadir(), ["products", f],
            "line 2: a DOCTYPE or an entity declaration is not accepted")


@test
def bad_undeclared_entity():
    f = bad_xml("ent.xml", '<?xml version="1.0"?>\n'
                f'<catalog xmlns="{NS}" version="1"><products>\n'
                '<product slug="x"><name>&foo;</name></product>'
                '</products></catalog>\n')
    refused(datadir(), ["products", f], "line 3: Entity 'foo' not defined")


@test
def bad_two_gigabytes():
    f = os.path.join(WORK, "huge.xml")
    with open(f, "wb") as h:
        h.truncate(2 * 1024 ** 3)       # sparse: no 2 GB written
    try:
        refused(datadir(), ["products", f], "the file has 2147483648 bytes, "
                "more than the 268435456 that are read")
        f2 = os.path.join(WORK, "huge.csv")
        os.rename(f, f2)
        refused(datadir(), ["shopify", f2], "the file has 2147483648 bytes")
    finally:
        for g in (f, os.path.join(WORK, "huge.csv")):
            if os.path.exists(g):
                os.unlink(g)


@test
def bad_schema():
    f = bad_xml("schema.xml", f'<catalog xmlns="{NS}" version="1">\n'
                '<products>\n<product slug="x"><name>X</name><colour/>'
                '</product></products></catalog>\n')
    refused(datadir(), ["products", f],
            "line 3: Did not expect element colour there")


def one_product(variant, category=None, extra=""):
    cat = f' category="{category}"' if category else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<catalog xmlns="{NS}" version="1">\n<products>\n'
            '<product slug="ok-one"><name>OK</name>\n'
            '<variant sku="OK-1"><price currency="EUR">1.00</price></variant>'
            '\n</product>\n'
            f'<product slug="bad-one"{cat}>\n<name>Bad</name>\n'
            f'{variant}\n</product>\n{extra}</products>\n</catalog>\n')


@test
def bad_negative_price():
    f = bad_xml("neg.xml", one_product(
        '<variant sku="B-1"><price currency="EUR">-5.00</price></variant>'))
    p = refused(datadir(), ["products", f], 'line 9: price: "-5.00" is not a '
                "price in EUR: digits, not negative, with at most 2 "
                "decimals after one point")
    # The good product before it would be created, and is not.
    contains(p.stderr, "2 products: 1 created, 0 updated, 0 unchanged, "
                       "1 refused")


@test
def bad_negative_stock():
    f = bad_xml("negstock.xml", one_product(
        '<variant sku="B-1"><price currency="EUR">5.00</price>'
        '<stock>-1</stock></variant>'))
    refused(datadir(), ["products", f], 'line 9: stock: "-1" is not a stock: '
            "a whole number from 0 to 1000000000")


@test
def bad_duplicate_sku():
    f = bad_xml("dup.xml", one_product(
        '<variant sku="OK-1"><price currency="EUR">5.00</price></variant>'))
    refused(datadir(), ["products", f], 'line 9: sku: the SKU "OK-1" is in '
            "the file twice (first at line 5)")


@test
def bad_sku_of_another_product_in_the_store():
    f = bad_xml("steal.xml", one_product(
        '<variant sku="MUG-01-WHITE"><price currency="EUR">5</price>'
        '</variant>'))
    refused(datadir(seed=True), ["products", f], "line 9: sku: MUG-01-WHITE "
            "belongs to another product in the store")


@test
def bad_unknown_category():
    f = bad_xml("cat.xml", one_product(
        '<variant sku="B-1"><price currency="EUR">5.00</price></variant>',
        category="no-such"))
    refused(datadir(seed=True), ["products", f],
            'line 7: category: no category "no-such" in the file or the '
            "store")


@test
def bad_invalid_utf8_xml():
    text = one_product('<variant sku="B-1"><price currency="EUR">5'
                       '</price></variant>').encode()
    text = text.replace(b"<name>Bad</name>", b"<name>B\xc3\x28d</name>")
    f = bad_xml("utf8.xml", text)
    refused(datadir(), ["products", f], "line 8: Input is not proper UTF-8")


@test
def bad_other_encoding():
    f = bad_xml("latin.xml", '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                f'<catalog xmlns="{NS}" version="1"/>\n')
    refused(datadir(), ["products", f],
            "line 1: the file is in ISO-8859-1: only UTF-8 is accepted")


HEAD = SHOPIFY.split("\n", 1)[0] + "\n"


def csv_row(handle, title, sku, price="5.00", qty="1"):
    cols = HEAD.strip().split(",")
    row = dict.fromkeys(cols, "")
    row.update({"Handle": handle, "Title": title, "Variant SKU": sku,
                "Variant Price": price, "Variant Inventory Qty": qty})
    return ",".join(row[c] for c in cols) + "\n"


@test
def bad_csv_broken_quote():
    f = write(os.path.join(WORK, "quote.csv"), HEAD +
              csv_row("a", "A", "A-1") +
              'b,"B is "quoted" wrong,,,,,,,,,,,,B-1,,,1,5.00,,,,,,\n')
    refused(datadir(), ["shopify", f], "line 3: a quote is out of place")


@test
def bad_csv_unclosed_quote():
    f = write(os.path.join(WORK, "open.csv"), HEAD +
              csv_row("a", "A", "A-1") + 'b,"B never ends\n')
    refused(datadir(), ["shopify", f], "line 3: a quoted field is not "
            "closed before the end of the file")


@test
def bad_csv_duplicate_sku():
    f = write(os.path.join(WORK, "dup.csv"), HEAD +
              csv_row("a", "A", "X-1") + csv_row("b", "B", "X-1"))
    refused(datadir(), ["shopify", f], 'line 3: sku: the SKU "X-1" is in '
            "the file twice (first at line 2)")


@test
def bad_csv_negative_price_and_stock():
    f = write(os.path.join(WORK, "neg.csv"), HEAD +
              csv_row("a", "A", "A-1", price="-1.00") +
              csv_row("b", "B", "B-1", qty="-3"))
    p = refused(datadir(), ["shopify", f], 'line 2: Variant Price: "-1.00" '
                "is not a price in EUR")
    contains(p.stderr, 'line 3: Variant Inventory Qty: "-3" is not a stock')
    contains(p.stderr, "2 products: 0 created, 0 updated, 0 unchanged, "
                       "2 refused")


@test
def bad_csv_invalid_utf8():
    f = write(os.path.join(WORK, "utf8.csv"), HEAD.encode() +
              csv_row("a", "A", "A-1").encode() +
              csv_row("b", "B\xff", "B-1").encode("latin-1"))
    refused(datadir(), ["shopify", f], "line 3: field 2 is not well-formed "
            "UTF-8")


@test
def bad_csv_handle_again_later():
    f = write(os.path.join(WORK, "again.csv"), HEAD +
              csv_row("a", "A", "A-1") + csv_row("b", "B", "B-1") +
              csv_row("a", "A", "A-2"))
    refused(datadir(), ["shopify", f], 'line 4: Handle: the handle "a" is '
            "in the file twice (first at line 2)")


@test
def bad_csv_missing_image_file():
    f = write(os.path.join(WORK, "noimg.csv"), SHOPIFY.replace(
        "tee-back.png", "tee-side.png"))
    refused(datadir(), ["shopify", f, "--images", images_dir()],
            'line 3: Image Src: no file "tee-side.png" in ')


@test
def bad_image_that_is_no_image():
    src = images_dir()
    write(os.path.join(src, "tee-back.png"), b"GIF89a not a png at all")
    f = write(os.path.join(WORK, "gif.csv"), SHOPIFY)
    # The first image is taken in, then removed with the rest.
    refused(datadir(), ["shopify", f, "--images", src], "line 3: image: ")


@test
def bad_fetch_only_https():
    f = write(os.path.join(WORK, "http.csv"), SHOPIFY.replace(
        "https://cdn.shopify.com", "http://cdn.shopify.com"))
    refused(datadir(), ["shopify", f, "--fetch-images"], "line 2: Image Src: "
            "http://cdn.shopify.com/s/files/1/tee-front.png?v=17: only "
            "https: addresses are fetched")


@test
def bad_fetch_fails_without_writing():
    # A port nothing listens on: the connection is refused at once.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    f = write(os.path.join(WORK, "fetch.csv"), SHOPIFY.replace(
        "https://cdn.shopify.com", f"https://127.0.0.1:{port}"))
    refused(datadir(), ["shopify", f, "--fetch-images"], "line 2: Image Src: "
            f"https://127.0.0.1:{port}/s/files/1/tee-front.png?v=17: ")


@test
def bad_usage():
    d = datadir()
    p = shopctl("import", "pictures", "x", data_dir=d, check=False)
    eq(p.returncode, 2)
    contains(p.stderr, 'import: "pictures" is not products or shopify')
    p = shopctl("import", "products", data_dir=d, check=False)
    eq(p.returncode, 2)
    p = shopctl("import", "products", EXPORTED, "--fetch-images", data_dir=d,
                check=False)
    eq(p.returncode, 2)
    contains(p.stderr, "--fetch-images is for shopify only")
    p = shopctl("export", "orders", data_dir=d, check=False)
    eq(p.returncode, 2)
    p = shopctl("import", "products", os.path.join(WORK, "none.xml"),
                data_dir=d, check=False)
    eq(p.returncode, 1)
    contains(p.stderr, "none.xml: No such file or directory")


run()
