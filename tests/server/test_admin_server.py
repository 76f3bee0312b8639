#!/usr/bin/env python3
"""The back office's catalog behind a real lighttpd: an administrator
signed in over HTTP uploads a photograph larger than any form may be
(the image route's server.max-request-size is SHOP_MAX_UPLOAD_BODY),
lighttpd refuses the same body on every other route and a body over the
upload limit on the image route, and serves the files written at their
widths from the media folder, with nosniff."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (Lighttpd, contains, datadir, eq, limits, run,  # noqa
                      sql, status, test)
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402

D = datadir(seed=True)
af.account(D, "admin@shop.example", "admin")
server = Lighttpd(D).start()
client = server.client()
status(client.post("/account/login", {"email": "admin@shop.example",
                                      "password": af.PASSWORD}), 303)
PID = sql(D, "SELECT id FROM products WHERE slug = 'stoneware-mug'")[0][0]
MAX_BODY = int(limits()["MAX_BODY"])
MAX_UPLOAD_BODY = int(limits()["MAX_UPLOAD_BODY"])


@test
def a_photo_larger_than_any_form():
    photo = cf.noise_png(800, 600)
    eq(len(photo) > MAX_BODY, True, "the photo is over SHOP_MAX_BODY")
    body, ct = cf.multipart({"alt": "Noise, seen from close by"},
                            {"image": ("noise.png", "image/png", photo)})
    r = client.post(f"/admin/products/{PID}/images", body,
                    headers={"Content-Type": ct})
    status(r, 303)
    eq(r.header("Location"), f"/admin/products/{PID}?done=image")
    (base, widths), = sql(D, "SELECT base, widths FROM images WHERE "
                             "product_id = ? AND base IS NOT NULL", (PID,))
    eq(widths, "[320,640,800]")
    r = client.get(f"/media/{base}-640.webp")
    status(r, 200)
    eq(r.header("Content-Type"), "image/webp")
    eq(r.header("X-Content-Type-Options"), "nosniff")
    eq(r.body[8:12], b"WEBP")
    r = client.get(f"/media/{base}-800.jpg")
    status(r, 200)
    eq(r.header("Content-Type"), "image/jpeg")
    r = client.get("/products/stoneware-mug")
    contains(r.text, f'srcset="/media/{base}-320.webp 320w')


@test
def bad_bodies_refused_by_the_server():
    before = cf.state(D)
    big = b"\xff\xd8\xff" + b"\0" * (MAX_BODY + 1024)
    body, ct = cf.multipart({"name": "X", "sku": "X-1", "price": "1"},
                            {"image": ("a.jpg", "image/jpeg", big)})
    for path in ("/admin/products", f"/admin/products/{PID}",
                 f"/admin/products/{PID}/variants",
                 f"/admin/products/{PID}/images/1/move"):
        r = client.post(path, body, headers={"Content-Type": ct})
        status(r, 413)
    body, ct = cf.multipart({"alt": "Too big"},
                            {"image": ("a.jpg", "image/jpeg",
                                       b"\xff\xd8\xff" +
                                       b"\0" * MAX_UPLOAD_BODY)})
    r = client.post(f"/admin/products/{PID}/images", body,
                    headers={"Content-Type": ct})
    status(r, 413)
    eq(cf.state(D), before)


run()
