"""Shopfile under Apache 2.4 and mod_fcgid (httpd-conf/apache.conf.in):
pages, static files, errors, a cart kept by its cookie, and a purchase
paid at the test gateway with its webhook delivered to Apache. Nothing
in lib/ knows which server runs it."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402
from gateway import Gateway  # noqa: E402
from shoptest import (Apache, contains, datadir, eq, free_port, run,  # noqa
                      shopctl, sql, status, test)

PORT = free_port()
GW = Gateway(webhook_url=f"http://127.0.0.1:{PORT}/webhooks/stripe").start()
D = datadir(seed=True)
af.account(D, "admin@shop.example", "admin")
SRV = Apache(D, env=dict(GW.shop_env(), SHOP_INSECURE_FAST_PWHASH="1"),
             port=PORT).start()
J = {"Accept": "application/json"}


def in_stock():
    return sql(D, "SELECT v.id FROM variants v JOIN products p ON "
                  "p.id = v.product_id WHERE v.active AND p.active AND "
                  "v.stock > 10 ORDER BY v.id LIMIT 1")[0][0]


@test
def pages_static_and_errors():
    c = SRV.client()
    r = c.get("/")
    status(r, 200)
    contains(r.text, "<h1>Shopfile</h1>")
    eq(r.header("X-Frame-Options"), "DENY")
    contains(r.header("Content-Security-Policy"), "frame-ancestors 'none'")
    slug = sql(D, "SELECT slug FROM products WHERE active ORDER BY id "
                  "LIMIT 1")[0][0]
    status(c.get(f"/products/{slug}"), 200)
    status(c.get("/search?q=mug"), 200)
    r = c.get("/static/style.css")
    status(r, 200)
    eq(r.header("X-Content-Type-Options"), "nosniff")
    status(c.get(f"/media/products/{slug}.svg"), 200)
    r = c.get("/no/such/page")
    status(r, 404)
    contains(r.text, "There is nothing at this address")
    r = c.request("DELETE", "/products")
    status(r, 405)
    eq(r.header("Allow"), "GET, HEAD")
    r = c.get("/products?page=0", headers=J)
    status(r, 400)
    eq(r.json()["ok"], False)


@test
def bad_oversized_body_refused():
    c = SRV.client()
    r = c.post("/cart/items", "a=" + "x" * (1024 * 1024 + 10))
    eq(r.status, 413)


@test
def cart_kept_by_its_cookie():
    c = SRV.client()
    vid = in_stock()
    r = c.post("/cart/items", {"variant_id": vid, "quantity": 2})
    status(r, 303)
    r = c.get("/")
    contains(r.text, '<span class="badge">2<span class="visually-hidden"> '
                     'items</span></span>')


@test
def a_purchase_paid_through_the_gateway():
    c = SRV.client()
    vid = in_stock()
    before = sql(D, "SELECT stock FROM variants WHERE id = ?", (vid,))[0][0]
    status(c.post("/cart/items", {"variant_id": vid, "quantity": 1},
                  headers=J), 200)
    page = c.get("/checkout", headers=J).json()
    r = c.post("/checkout", {
        "email": "ann@example.com", "name": "Ann", "line1": "1 Rue X",
        "city": "Paris", "postcode": "75001", "country": "FR",
        "shipping": "standard",
        "checkout_key": page["checkout_key"]["value"],
        "total": page["total"]["value"]}, headers=J)
    status(r, 201)
    order = r.json()["order"]
    sid = r.json()["payment_url"].rsplit("/", 1)[-1]
    GW.pay(sid)
    GW.flush()
    end = time.monotonic() + 10
    while True:
        state = c.get(order["url"], headers=J).json()["order"]["state"]
        if state == "paid" or time.monotonic() > end:
            break
        time.sleep(0.1)
    eq(state, "paid")
    eq(sql(D, "SELECT stock FROM variants WHERE id = ?", (vid,))[0][0],
       before - 1)
    eq(sql(D, "SELECT outcome FROM payment_events WHERE session_id = ?",
           (sid,)), [("applied",)])
    r = c.get(f"/checkout/success?session_id={sid}")
    status(r, 303)
    eq(r.header("Location"), order["url"])
    p = shopctl("audit", data_dir=D, env=GW.shop_env(), check=False)
    eq(p.returncode, 0, p.stdout)
    contains(p.stdout, "lost paid orders: 0\ndouble charges: 0\n")


@test
def image_uploads_have_a_body_limit_of_their_own():
    """A photograph over SHOP_MAX_BODY reaches the image route (its
    LocationMatch and 413 rule say SHOP_MAX_UPLOAD_BODY); the same body
    anywhere else is refused by Apache, and so is one over the upload
    limit on the image route."""
    c = SRV.client()
    status(c.post("/account/login", {"email": "admin@shop.example",
                                     "password": af.PASSWORD}), 303)
    pid = sql(D, "SELECT id FROM products WHERE slug = 'stoneware-mug'")[0][0]
    photo = cf.noise_png(800, 600)
    eq(len(photo) > 1024 * 1024, True)
    body, ct = cf.multipart({"alt": "Noise"},
                            {"image": ("noise.png", "image/png", photo)})
    r = c.post(f"/admin/products/{pid}/images", body,
               headers={"Content-Type": ct})
    status(r, 303)
    (base,), = sql(D, "SELECT base FROM images WHERE product_id = ? AND "
                      "base IS NOT NULL", (pid,))
    r = c.get(f"/media/{base}-640.webp")
    status(r, 200)
    eq(r.body[8:12], b"WEBP")
    status(c.post("/admin/products", body, headers={"Content-Type": ct}),
           413)
    status(c.post(f"/admin/products/{pid}", body,
                  headers={"Content-Type": ct}), 413)
    huge, ct = cf.multipart({"alt": "Too big"}, {"image": (
        "a.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\0" * (12 * 1024 * 1024))})
    status(c.post(f"/admin/products/{pid}/images", huge,
                  headers={"Content-Type": ct}), 413)
    eq(sql(D, "SELECT count(*) FROM images WHERE product_id = ?", (pid,)),
       [(2,)])


run()
