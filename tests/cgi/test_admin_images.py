"""Product images in the back office: uploads checked by their content
and written at a few widths (WebP and JPEG) into the media folder with
their row and admin log row in one write; fakes, GIFs, files over the
byte bound and pictures over the pixel bound refused with 422 on the
field, nothing written and no file left; the upload route's larger body
limit and every other route's usual one; images reordered and deleted
with their files; the storefront's srcset and sizes."""

import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402
from pagecheck import check_page  # noqa: E402

MiB = 1024 * 1024


def seeded(role="admin"):
    d = shoptest.datadir(seed=True)
    return d, af.signed_in(d, role)


def mug(d):
    (pid,), = shoptest.sql(d, "SELECT id FROM products WHERE slug = "
                              "'stoneware-mug'")
    return pid


def images(d, pid):
    return shoptest.sql(d, "SELECT id, path, alt, width, height, position, "
                           "base, widths FROM images WHERE product_id = ? "
                           "ORDER BY position, id", (pid,))


def up(d, cookie, pid, data, **kw):
    return cf.upload(af.admin, d, pid, data, cookie=cookie, **kw)


@test
def upload_a_png_at_its_widths():
    d, cookie = seeded("admin")
    pid = mug(d)
    seeded_files = cf.media_files(d)
    r = up(d, cookie, pid, cf.png(700, 400), alt="The mug, from the side")
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=image")
    first, (iid, path, alt, w, h, pos, base, widths) = images(d, pid)
    eq(first[1], "products/stoneware-mug.svg")
    m = re.fullmatch(r"products/(p%d-[0-9a-f]{16})" % pid, base)
    eq(m is not None, True, base)
    name = m.group(1)
    eq((path, alt, w, h, pos, widths),
       (f"{base}-700.jpg", "The mug, from the side", 700, 400, 1,
        "[320,640,700]"))
    made = sorted(set(cf.media_files(d)) - set(seeded_files))
    eq(made, sorted(f"{name}-{w}.{e}" for w in (320, 640, 700)
                    for e in ("jpg", "webp")))
    folder = os.path.join(d, "media", "products")
    for f in made:
        with open(os.path.join(folder, f), "rb") as fh:
            head = fh.read(12)
        if f.endswith(".jpg"):
            eq(head[:3], b"\xff\xd8\xff", f)
        else:
            eq((head[:4], head[8:12]), (b"RIFF", b"WEBP"), f)
        eq(stat.S_IMODE(os.stat(os.path.join(folder, f)).st_mode), 0o640)
    eq([n for n in os.listdir(folder) if n.startswith(".")], [])
    (action, otype, oid, label, before, after, who), = cf.log(d)
    eq((action, otype, oid, label, before, who),
       ("image.add", "image", iid, "Stoneware Mug", None,
        "admin@shop.example"))
    eq(after, {"product_id": pid, "path": path, "alt": alt, "width": 700,
               "height": 400, "position": 1, "base": base,
               "widths": [320, 640, 700]})
    # The back office's page shows it, with its srcset.
    r = af.admin(d, f"/admin/products/{pid}?done=image", cookie=cookie)
    check_page(r)
    contains(r.text, "The image is added.")
    contains(r.text, f'<img src="/media/{path}" srcset="/media/{base}-320.jpg'
                     f' 320w, /media/{base}-640.jpg 640w, /media/{base}-700'
                     f'.jpg 700w" sizes="10rem" alt="The mug, from the side"'
                     f' width="700" height="400" loading="lazy">')


@test
def jpeg_and_webp_uploads_as_json():
    d, cookie = seeded("admin")
    pid = mug(d)
    for seed, fmt in (("rgb.jpg", "jpeg"), ("cmyk.jpg", "jpeg"),
                      ("rgb.webp", "webp"), ("alpha.png", "png")):
        # The name and claimed type are not what decides.
        r = up(d, cookie, pid, cf.seed(seed), filename="x.gif",
               ctype="application/octet-stream", json=True)
        status(r, 200)
        j = r.json()
        eq((j["ok"], j["format"]), (True, fmt), seed)
        eq((j["image"]["width"], j["image"]["height"]), (24, 16))
        eq(j["image"]["widths"], [24])
        eq(j["image"]["url"], f"/media/{j['image']['path']}")
        contains(j["image"]["srcset_webp"], "-24.webp 24w")
    eq([p for _, _, _, _, _, p, _, _ in images(d, pid)], [0, 1, 2, 3, 4])


@test
def the_storefront_offers_srcset_and_sizes():
    d, cookie = seeded("admin")
    pid = mug(d)
    status(up(d, cookie, pid, cf.png(1600, 900), alt="Big mug"), 303)
    (_, _, _, _, _, _, base, _), = images(d, pid)[1:]
    # Uploaded after the drawing: the gallery; moved first: the picture.
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, '<img src="/media/products/stoneware-mug.svg" '
                     'alt="Illustration of the Stoneware Mug" width="600" '
                     'height="600">')
    contains(r.text, '<ul class="product-gallery">')
    contains(r.text, f'srcset="/media/{base}-320.webp 320w, /media/{base}-'
                     f'640.webp 640w, /media/{base}-1280.webp 1280w"')
    (iid,), = shoptest.sql(d, "SELECT id FROM images WHERE base = ?",
                           (base,))
    r = af.admin(d, f"/admin/products/{pid}/images/{iid}/move", "POST",
                 cookie=cookie, body={"direction": "up"})
    status(r, 303)
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d)
    sizes = "(min-width: 72rem) 35rem, (min-width: 48rem) 50vw, 100vw"
    contains(r.text, f'<picture><source type="image/webp" srcset="/media/'
                     f'{base}-320.webp 320w, /media/{base}-640.webp 640w, '
                     f'/media/{base}-1280.webp 1280w" sizes="{sizes}"><img '
                     f'src="/media/{base}-1280.jpg" srcset="/media/{base}-'
                     f'320.jpg 320w, /media/{base}-640.jpg 640w, /media/'
                     f'{base}-1280.jpg 1280w" sizes="{sizes}" alt="Big mug" '
                     f'width="1280" height="720"></picture>')
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d,
                     headers={"Accept": "application/json"})
    p = r.json()["product"]
    eq(p["image"]["srcset"].split(", ")[0], f"/media/{base}-320.jpg 320w")
    eq(p["images"][1], {"url": "/media/products/stoneware-mug.svg",
                        "alt": "Illustration of the Stoneware Mug",
                        "width": 600, "height": 600})
    # The cards of the lists too.
    r = shoptest.cgi("catalog", "/categories/mugs", data_dir=d)
    contains(r.text, f'<img src="/media/{base}-1280.jpg" srcset="/media/'
                     f'{base}-320.jpg 320w')
    contains(r.text, 'sizes="(min-width: 36rem) 20rem, 100vw"')


@test
def bad_uploads_write_nothing():
    d, cookie = seeded("admin")
    pid = mug(d)
    before = cf.state(d)
    fake = "The file is not a JPEG, PNG or WebP image (GIF, HEIC, SVG and " \
           "other formats are not taken)."
    cases = [
        ("text named .jpg", b"this is a text file, not a photo\n",
         "photo.jpg", "image/jpeg", fake),
        ("a GIF", cf.GIF, "anim.gif", "image/gif", fake),
        ("an SVG", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.svg",
         "image/svg+xml", fake),
        ("a JPEG's magic only", b"\xff\xd8\xff\xe0" + b"\0" * 100, "a.jpg",
         "image/jpeg", None),
        ("a truncated PNG", cf.seed("truncated.png"), "t.png", "image/png",
         "The image is truncated or damaged; save it again and upload "
         "that."),
        ("over 10 MB", b"\xff\xd8\xff" + b"\0" * (10 * MiB), "big.jpg",
         "image/jpeg", "The file is larger than the 10 MB an image may be."),
        ("over the pixels", cf.png(7000, 7000, pixels=False), "huge.png",
         "image/png", "The image is 7000x7000, 49000000 pixels, over the "
                      "40000000 allowed."),
        ("over a side", cf.png(20000, 10, pixels=False), "wide.png",
         "image/png", "The image is 20000x10 pixels; a side may be 16383 "
                      "at most."),
        ("empty", b"", "empty.png", "image/png", "The file is empty."),
    ]
    for what, data, filename, ctype, msg in cases:
        r = up(d, cookie, pid, data, filename=filename, ctype=ctype,
               json=True)
        status(r, 422)
        eq(list(r.json()["errors"]), ["image"], what)
        if msg is not None:
            eq(r.json()["errors"]["image"], msg, what)
        eq(cf.state(d), before, what)
    r = up(d, cookie, pid, None, json=True)
    status(r, 422)
    eq(r.json()["errors"], {"image": "Choose an image file to upload."})
    r = up(d, cookie, pid, cf.png(40, 30), alt="", json=True)
    eq(r.json()["errors"], {"alt": "What the image shows is required."})
    r = up(d, cookie, pid, cf.png(40, 30), alt="x" * 301, json=True)
    eq(r.json()["errors"], {"alt": "What the image shows must be at most "
                                   "300 characters."})
    # A browser gets the product's page, the message on the file field.
    r = up(d, cookie, pid, cf.GIF, filename="anim.gif", ctype="image/gif")
    status(r, 422)
    check_page(r)
    contains(r.text, f'<a href="#f-image">{fake}</a>')
    contains(r.text, '<input type="file" id="f-image" name="image" value="" '
                     'required aria-invalid="true" aria-describedby='
                     '"f-image-hint f-image-error">')
    contains(r.text, 'id="f-alt" name="alt" value="A mug, from the side"')
    eq(cf.state(d), before)
    status(up(d, cookie, 999, cf.png(40, 30)), 404)
    eq(cf.state(d), before)


@test
def the_upload_routes_body_limit():
    """The upload route takes a body up to SHOP_MAX_UPLOAD_BODY (12 MiB);
    every other route stays at SHOP_MAX_BODY (1 MiB) and its file at
    SHOP_MAX_UPLOAD."""
    d, cookie = seeded("admin")
    pid = mug(d)
    before = cf.state(d)
    big = b"\xff\xd8\xff" + b"\0" * (2 * MiB)
    r = up(d, cookie, pid, big, json=True)
    status(r, 422)
    eq(list(r.json()["errors"]), ["image"])
    r = up(d, cookie, pid, b"x", json=True,
           headers={"Content-Length": str(12 * MiB + 1)})
    status(r, 413)
    eq(r.json()["error"], "The request body is larger than the 12582912 "
                          "bytes allowed.")
    body, ct = cf.multipart({"name": "X", "sku": "X-1", "price": "1"},
                            {"image": ("a.jpg", "image/jpeg", big)})
    r = af.admin(d, "/admin/products", "POST", cookie=cookie, body=body,
                 json=True, headers={"Content-Type": ct})
    status(r, 413)
    eq(r.json()["error"], "The request body is larger than the 1048576 "
                          "bytes allowed.")
    body, ct = cf.multipart({"name": "X", "sku": "X-1", "price": "1"},
                            {"image": ("a.jpg", "image/jpeg",
                                       b"\0" * (800 * 1024))})
    r = af.admin(d, "/admin/products", "POST", cookie=cookie, body=body,
                 json=True, headers={"Content-Type": ct})
    status(r, 413)
    eq(cf.state(d), before)


@test
def reorder_images():
    d, cookie = seeded("admin")
    pid = mug(d)
    for alt in ("Second", "Third"):
        status(up(d, cookie, pid, cf.png(30, 20), alt=alt), 303)
    ids = [i for i, *_ in images(d, pid)]
    eq(len(ids), 3)

    def order():
        return [a for _, _, a, _, _, _, _, _ in images(d, pid)]

    def move(iid, **body):
        return af.admin(d, f"/admin/products/{pid}/images/{iid}/move",
                        "POST", cookie=cookie, body=body)

    drawing = "Illustration of the Stoneware Mug"
    r = move(ids[2], direction="up")
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=images")
    eq(order(), [drawing, "Third", "Second"])
    status(move(ids[0], direction="down"), 303)
    eq(order(), ["Third", drawing, "Second"])
    status(move(ids[1], position="1"), 303)
    eq(order(), ["Second", "Third", drawing])
    eq([p for *_, p, _, _ in images(d, pid)], [0, 1, 2])
    # At the ends already, or past them: nothing changes, nothing logged.
    n = len(cf.log(d, "image.move"))
    status(move(ids[1], direction="up"), 303)
    status(move(ids[0], position="99"), 303)
    eq(order(), ["Second", "Third", drawing])
    eq(len(cf.log(d, "image.move")), n)
    eq([(i, b, a) for _, _, i, _, b, a, _ in cf.log(d, "image.move")],
       [(ids[2], {"place": 3}, {"place": 2}),
        (ids[0], {"place": 1}, {"place": 2}),
        (ids[1], {"place": 3}, {"place": 1})])
    r = af.admin(d, f"/admin/products/{pid}/images/{ids[0]}/move", "POST",
                 cookie=cookie, body={"direction": "up"}, json=True)
    eq(r.json(), {"id": ids[0], "place": 2, "ok": True})
    r = af.admin(d, f"/admin/products/{pid}?done=images", cookie=cookie)
    check_page(r)
    contains(r.text, "The images are changed.")
    contains(r.text, f'<form action="/admin/products/{pid}/images/{ids[1]}/'
                     f'move" method="post"><input type="hidden" name='
                     f'"direction" value="down">')
    # Bad moves: 422, or 404 for an image that is not the product's.
    before = cf.state(d)
    for body, errors in (({}, {"direction": "Say where the image goes: up "
                                            "or down, or a position."}),
                         ({"direction": "left"},
                          {"direction": "Move an image up or down."}),
                         ({"position": "0"},
                          {"position": "Give a position of 1 or more: 1 "
                                       "is the product's picture."}),
                         ({"position": "x"},
                          {"position": "Give a position of 1 or more: 1 "
                                       "is the product's picture."})):
        r = af.admin(d, f"/admin/products/{pid}/images/{ids[0]}/move",
                     "POST", cookie=cookie, body=body, json=True)
        status(r, 422)
        eq(r.json()["errors"], errors, str(body))
    r = move(ids[0])
    status(r, 422)
    check_page(r)
    contains(r.text, "<li>Say where the image goes: up or down, or a "
                     "position.</li>")
    (other,), = shoptest.sql(d, "SELECT id FROM images WHERE product_id "
                                "<> ? LIMIT 1", (pid,))
    status(move(other, direction="up"), 404)
    status(move(99999, direction="up"), 404)
    eq(cf.state(d), before)


@test
def delete_images_with_their_files():
    d, cookie = seeded("admin")
    pid = mug(d)
    seeded_files = cf.media_files(d)
    status(up(d, cookie, pid, cf.png(700, 400), alt="Upload"), 303)
    (svg, *_), (iid, path, *_, base, _) = images(d, pid)
    eq(len(cf.media_files(d)), len(seeded_files) + 6)
    r = af.admin(d, f"/admin/products/{pid}/images/{iid}/delete", "POST",
                 cookie=cookie)
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{pid}?done=images")
    eq([i for i, *_ in images(d, pid)], [svg])
    eq(cf.media_files(d), seeded_files)
    (action, otype, oid, label, before, after, _), = cf.log(d,
                                                           "image.delete")
    eq((action, otype, oid, label, after), ("image.delete", "image", iid,
                                            "Stoneware Mug", None))
    eq((before["path"], before["base"], before["widths"], before["alt"]),
       (path, base, [320, 640, 700], "Upload"))
    # A drawing of the demo store: its row goes, the file stays.
    r = af.admin(d, f"/admin/products/{pid}/images/{svg}/delete", "POST",
                 cookie=cookie, json=True)
    eq(r.json(), {"id": svg, "deleted": True, "ok": True})
    eq(images(d, pid), [])
    eq(cf.media_files(d), seeded_files)
    r = shoptest.cgi("catalog", "/products/stoneware-mug", data_dir=d)
    status(r, 200)
    lacks(r.text, "<img")
    before = cf.state(d)
    status(af.admin(d, f"/admin/products/{pid}/images/{svg}/delete", "POST",
                    cookie=cookie), 404)
    (other, opid), = shoptest.sql(d, "SELECT id, product_id FROM images "
                                     "LIMIT 1")
    status(af.admin(d, f"/admin/products/{pid}/images/{other}/delete",
                    "POST", cookie=cookie), 404)
    eq(cf.state(d), before)


@test
def bad_roles_and_origins():
    d = shoptest.datadir(seed=True)
    pid = mug(d)
    (iid,), = shoptest.sql(d, "SELECT id FROM images WHERE product_id = ?",
                           (pid,))
    before = cf.state(d)
    png = cf.png(30, 20)
    r = up(d, None, pid, png)
    status(r, 303)
    eq(r.header("Location"), "/account/login")
    status(up(d, None, pid, png, json=True), 401)
    customer = af.signed_in(d, None)
    staff = af.signed_in(d, "staff")
    admin = af.signed_in(d, "admin")
    for cookie, want in ((customer, 403), (staff, 403)):
        status(up(d, cookie, pid, png), want)
        for what in ("move", "delete"):
            r = af.admin(d, f"/admin/products/{pid}/images/{iid}/{what}",
                         "POST", cookie=cookie, body={"direction": "down"})
            status(r, want)
    for h in ({"Sec-Fetch-Site": "cross-site"},
              {"Origin": "https://evil.example"}):
        status(up(d, admin, pid, png, headers=h), 403)
        for what in ("move", "delete"):
            r = af.admin(d, f"/admin/products/{pid}/images/{iid}/{what}",
                         "POST", cookie=admin, body={"direction": "down"},
                         headers=h)
            status(r, 403)
    eq(cf.state(d)[:6], before[:6])
    eq(cf.state(d)[6:], before[6:])


shoptest.run()
