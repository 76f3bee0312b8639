"""The product gallery: the demo store's products each get two more
pictures after their drawing, drawn by libvips in the category's colour
with a shape and the product's name of their own, and written through
image_ingest() at every width as WebP and JPEG; the product page shows
the first as its picture and the others as thumbnails with srcset,
sizes, width and height and lazy loading, each opening the picture at
its full size; the back office's order is the page's."""

import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
from pagecheck import check_page  # noqa: E402

SIZES = "(min-width: 48rem) 11rem, 30vw"


def rows(d, slug):
    return shoptest.sql(d, "SELECT i.id, i.position, i.path, i.alt, "
                           "i.width, i.height, i.base, i.widths FROM images "
                           "i JOIN products p ON p.id = i.product_id WHERE "
                           "p.slug = ? ORDER BY i.position, i.id", (slug,))


def jpeg_size(path):
    """(width, height) from a JPEG's first SOF marker."""
    with open(path, "rb") as f:
        data = f.read()
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise AssertionError(f"{path}: not a JPEG marker at {i}")
        marker = data[i + 1]
        seglen = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + seglen
    raise AssertionError(f"{path}: no SOF")


@test
def every_product_has_a_gallery_of_distinct_pictures():
    d = shoptest.datadir(seed="gallery")
    media = os.path.join(d, "media")
    products = shoptest.sql(d, "SELECT slug, name FROM products ORDER BY id")
    eq(len(products), 64)
    digests = set()
    for n, (slug, name) in enumerate(products, 1):
        got = rows(d, slug)
        eq([r[1] for r in got], [0, 1, 2], slug)
        eq(got[0][2], f"products/{slug}.svg")
        for k, (iid, pos, path, alt, w, h, base, widths) in \
                enumerate(got[1:], 1):
            eq(base, f"products/seed-p{n:02d}-{k}")
            eq(widths, "[320,640]")
            eq((path, w, h), (f"{base}-640.jpg", 640, 640))
            eq(alt, f"Illustration of the {name}, " +
               ("close up" if k == 1 else "on a light background"))
            for width in (320, 640):
                jpg = os.path.join(media, f"{base}-{width}.jpg")
                webp = os.path.join(media, f"{base}-{width}.webp")
                eq(jpeg_size(jpg), (width, width))
                with open(webp, "rb") as f:
                    head = f.read(12)
                eq((head[:4], head[8:12]), (b"RIFF", b"WEBP"))
            with open(os.path.join(media, path), "rb") as f:
                digests.add(hashlib.sha256(f.read()).hexdigest())
    # No two pictures alike, across every product.
    eq(len(digests), 128)


@test
def the_product_page_shows_its_gallery():
    d = shoptest.datadir(seed="gallery")
    slug = "stoneware-mug"
    got = rows(d, slug)
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d)
    status(r, 200)
    check_page(r)
    # The picture first, loaded at once; its size is set.
    contains(r.text, f'<img src="/media/products/{slug}.svg" alt="'
                     f'Illustration of the Stoneware Mug" width="600" '
                     f'height="600">')
    contains(r.text, '<ul class="product-gallery">')
    for _, _, path, alt, w, h, base, _ in got[1:]:
        contains(r.text,
                 f'<li><a class="gallery-link" href="/media/{path}">'
                 f'<picture><source type="image/webp" srcset="/media/'
                 f'{base}-320.webp 320w, /media/{base}-640.webp 640w" '
                 f'sizes="{SIZES}"><img src="/media/{path}" srcset="/media/'
                 f'{base}-320.jpg 320w, /media/{base}-640.jpg 640w" sizes="'
                 f'{SIZES}" alt="{alt}" width="640" height="640" '
                 f'loading="lazy"></picture></a></li>')
    # Only the thumbnails below it wait to load.
    eq(r.text.count('loading="lazy"'), 2)
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d,
                     headers={"Accept": "application/json"})
    j = r.json()["product"]
    eq([i["url"] for i in j["images"]], [f"/media/{g[2]}" for g in got])
    eq(j["has_gallery"], True)


@test
def the_back_offices_order_is_the_pages():
    d = shoptest.datadir(seed="gallery")
    cookie = af.signed_in(d, "admin")
    slug = "stoneware-mug"
    pid, = shoptest.sql(d, "SELECT id FROM products WHERE slug = ?",
                        (slug,))[0]
    got = rows(d, slug)
    last = got[2]
    r = af.admin(d, f"/admin/products/{pid}/images/{last[0]}/move", "POST",
                 cookie=cookie, body={"position": "1"})
    status(r, 303)
    now = rows(d, slug)
    eq([g[0] for g in now], [last[0], got[0][0], got[1][0]])
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d)
    # The moved picture is the product's picture now, the drawing a
    # thumbnail.
    contains(r.text, f'<img src="/media/{last[2]}" srcset="/media/'
                     f'{last[6]}-320.jpg 320w, /media/{last[6]}-640.jpg '
                     f'640w" sizes="(min-width: 72rem) 35rem, (min-width: '
                     f'48rem) 50vw, 100vw" alt="{last[3]}" width="640" '
                     f'height="640">')
    contains(r.text, f'<li><a class="gallery-link" href="/media/products/'
                     f'{slug}.svg"><img src="/media/products/{slug}.svg" '
                     f'alt="Illustration of the Stoneware Mug" width="600" '
                     f'height="600" loading="lazy"></a></li>')


@test
def bad_no_gallery_seeds_the_drawings_alone():
    d = shoptest.datadir(seed=True)
    eq(shoptest.sql(d, "SELECT count(*), count(base) FROM images"),
       [(64, 0)])
    lacks(os.listdir(os.path.join(d, "media", "products")), "seed-p01-1-"
          "640.jpg")
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d)
    lacks(r.text, "product-gallery")
    eq(r.text.count('loading="lazy"'), 0)


@test
def bad_a_refused_seed_draws_nothing():
    d = shoptest.datadir(seed=True)
    before = sorted(os.listdir(os.path.join(d, "media", "products")))
    p = shoptest.shopctl("seed", data_dir=d, check=False)
    eq(p.returncode, 1)
    lacks(p.stdout, "drawing")
    eq(sorted(os.listdir(os.path.join(d, "media", "products"))), before)


shoptest.run()
