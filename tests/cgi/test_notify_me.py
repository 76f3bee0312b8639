"""'Notify me' on a sold-out variant: the product page offers an email
form for its sold-out variants; a request is taken once per address
and variant, answered the same whether it was new or not, throttled per
client address and per email, and mailed once, through the outbox, by
the transaction that puts the variant back in stock (from the back
office, or an unpaid order's stock coming back); every refusal writes
nothing."""

import email
import email.policy
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
from pagecheck import check_page  # noqa: E402


def sold_out(d, one=True):
    """(slug, variant id, title, product id) of a sold-out variant of a
    product with one variant (one) or several, some of them in stock."""
    q = ("SELECT p.slug, v.id, v.title, p.id FROM variants v JOIN products "
         "p ON p.id = v.product_id WHERE p.active AND v.active AND "
         "v.stock = 0 AND (SELECT count(*) FROM variants w WHERE "
         "w.product_id = p.id) " + ("= 1" if one else "> 1 AND EXISTS "
         "(SELECT 1 FROM variants w WHERE w.product_id = p.id AND "
         "w.stock > 0)") + " ORDER BY v.id LIMIT 1")
    return shoptest.sql(d, q)[0]


def ask(d, slug, vid, addr="ann@example.com", json_=False, remote=None,
        headers=None, **kw):
    h = {"Accept": "application/json"} if json_ else {}
    h.update(headers or {})
    env = {"REMOTE_ADDR": remote} if remote else None
    return shoptest.cgi("catalog", f"/products/{slug}/notify", "POST",
                        body=shoptest.form(variant_id=str(vid), email=addr),
                        headers=h, env=env, data_dir=d, **kw)


def requests(d):
    return shoptest.sql(d, "SELECT variant_id, email, notified_at IS NOT "
                           "NULL, mails FROM restock_requests ORDER BY id")


def restock_mails(d):
    return shoptest.sql(d, "SELECT unique_key, payload FROM outbox WHERE "
                           "name = 'send_mail' AND payload LIKE "
                           "'%back_in_stock%' ORDER BY id")


def stock(d, cookie, vid, amount, mode="delta"):
    return af.admin(d, f"/admin/variants/{vid}/stock", "POST", cookie=cookie,
                    body={"mode": mode, "amount": str(amount),
                          "reason": "delivery"})


@test
def the_product_page_offers_the_form():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, f'<form class="notify-me" action="/products/{slug}/'
                     f'notify" method="post" aria-labelledby="notify-title">')
    contains(r.text, f'<input type="hidden" name="variant_id" '
                     f'value="{vid}">')
    contains(r.text, '<input id="notify-email" type="email" name="email" '
                     'required maxlength="254" autocomplete="email" '
                     'aria-describedby="notify-hint">')
    # Several options, some in stock: a choice of the sold-out ones.
    slug, vid, title, pid = sold_out(d, one=False)
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d)
    check_page(r)
    out = shoptest.sql(d, "SELECT id, title FROM variants WHERE product_id "
                          "= ? AND active AND stock = 0 ORDER BY position, "
                          "id", (pid,))
    opts = "".join(f'<option value="{i}">{t}</option>\n' for i, t in out)
    contains(r.text, f'<select id="notify-variant" name="variant_id" '
                     f'required>\n{opts}</select>')
    # Nothing sold out: no form.
    slug, = shoptest.sql(d, "SELECT p.slug FROM products p WHERE p.active "
                            "AND NOT EXISTS (SELECT 1 FROM variants v WHERE "
                            "v.product_id = p.id AND v.stock = 0) LIMIT 1")[0]
    lacks(shoptest.cgi("catalog", f"/products/{slug}", data_dir=d).text,
          "notify-me")


@test
def a_request_is_taken_and_confirmed():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    r = ask(d, slug, vid, "Ann@Example.com ")
    status(r, 303)
    eq(r.header("Location"), f"/products/{slug}/notify?sent=1")
    eq(requests(d), [(vid, "ann@example.com", 0, 0)])
    r = shoptest.cgi("catalog", f"/products/{slug}/notify", query="sent=1",
                     data_dir=d)
    status(r, 200)
    check_page(r)
    contains(r.text, "is back in stock.</p>")
    eq(r.header("Cache-Control"), "no-store")
    # The form alone, without JavaScript or the product page.
    r = shoptest.cgi("catalog", f"/products/{slug}/notify", data_dir=d)
    check_page(r)
    contains(r.text, f'<option value="{vid}">')


@test
def asking_again_is_answered_the_same_and_kept_once():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    first = ask(d, slug, vid, json_=True)
    again = ask(d, slug, vid, json_=True)
    status(first, 200)
    eq(first.body, again.body)
    eq(first.json(), {"ok": True, "message": "We will email you once when "
                                             "it is back in stock."})
    eq(requests(d), [(vid, "ann@example.com", 0, 0)])


@test
def mailed_once_when_back_in_stock():
    d = shoptest.datadir(seed=True)
    slug, vid, title, _ = sold_out(d)
    name, = shoptest.sql(d, "SELECT p.name FROM products p JOIN variants v "
                            "ON v.product_id = p.id WHERE v.id = ?",
                         (vid,))[0]
    status(ask(d, slug, vid, "ann@example.com"), 303)
    status(ask(d, slug, vid, "bob@example.com", remote="10.0.0.2"), 303)
    eq(restock_mails(d), [])
    staff = af.signed_in(d, "staff")
    status(stock(d, staff, vid, 3), 303)
    mails = restock_mails(d)
    eq([k for k, _ in mails], [f"mail:restock:{i}:1" for i, in
                               shoptest.sql(d, "SELECT id FROM "
                                               "restock_requests ORDER BY id")])
    p = json.loads(mails[0][1])
    eq(p, {"to": "ann@example.com", "template": "back_in_stock",
           "data": {"product": name, "variant": title, "slug": slug}})
    eq([r[2:] for r in requests(d)], [(1, 1), (1, 1)])
    # More stock, and a sale and a new delivery: no mail again.
    status(stock(d, staff, vid, 2), 303)
    status(stock(d, staff, vid, 0, "set"), 303)
    status(stock(d, staff, vid, 4), 303)
    eq(len(restock_mails(d)), 2)
    # The worker sends it.
    shoptest.worker_once(d)
    files = sorted(glob.glob(os.path.join(d, "mail", "*.eml")))
    bodies = []
    for f in files:
        with open(f, "rb") as fh:
            m = email.message_from_binary_file(fh, policy=email.policy.default)
        if m["Subject"] == f"{name} is back in stock":
            bodies.append((m["To"], m.get_body(("plain",)).get_content()))
    eq(sorted(t for t, _ in bodies), ["ann@example.com", "bob@example.com"])
    contains(bodies[0][1], f"http://127.0.0.1:8080/products/{slug}")


@test
def asking_again_after_the_mail_is_mailed_again():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    staff = af.signed_in(d, "staff")
    status(ask(d, slug, vid), 303)
    status(stock(d, staff, vid, 1), 303)
    status(stock(d, staff, vid, 0, "set"), 303)
    status(ask(d, slug, vid), 303)
    eq(requests(d), [(vid, "ann@example.com", 0, 1)])
    status(stock(d, staff, vid, 1), 303)
    eq([k for k, _ in restock_mails(d)],
       ["mail:restock:1:1", "mail:restock:1:2"])


@test
def setting_the_count_mails_too():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    status(ask(d, slug, vid), 303)
    cookie = af.signed_in(d, "staff")
    status(af.admin(d, f"/admin/variants/{vid}/stock", "POST",
                    cookie=cookie, body={"mode": "set", "amount": "2",
                                         "reason": "found two"}), 303)
    eq(len(restock_mails(d)), 1)


@test
def bad_a_refused_stock_change_mails_nothing():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    status(ask(d, slug, vid), 303)
    staff = af.signed_in(d, "staff")
    r = stock(d, staff, vid, -1)
    status(r, 422)
    eq(restock_mails(d), [])
    eq(requests(d), [(vid, "ann@example.com", 0, 0)])


@test
def bad_requests_are_422_with_nothing_written():
    d = shoptest.datadir(seed=True)
    slug, vid, _, pid = sold_out(d)
    other_slug, other_vid, _, _ = sold_out(d, one=False)
    in_stock, = shoptest.sql(d, "SELECT id FROM variants WHERE product_id = "
                                "(SELECT product_id FROM variants WHERE id = "
                                "?) AND stock > 0 LIMIT 1", (other_vid,))[0]
    for v, addr, field in [(vid, "", "email"), (vid, "not-an-email",
                                                "email"),
                           (vid, "a@" + "b" * 260 + ".com", "email"),
                           (other_vid, "ann@example.com", "variant_id"),
                           ("x", "ann@example.com", "variant_id"),
                           ("", "ann@example.com", "variant_id")]:
        r = ask(d, slug, v, addr, json_=True, remote=f"10.1.{len(addr)}.1")
        status(r, 422)
        eq(list(r.json()["errors"]), [field], f"{v} {addr[:20]}")
    # An option in stock is not one to wait for.
    r = ask(d, other_slug, in_stock, json_=True, remote="10.2.0.1")
    status(r, 422)
    eq(list(r.json()["errors"]), ["variant_id"])
    r = ask(d, slug, "", "bad", remote="10.3.0.1")
    status(r, 422)
    check_page(r)
    contains(r.text, 'aria-invalid="true"')
    eq(requests(d), [])
    status(ask(d, "no-such-product", vid), 404)
    status(shoptest.cgi("catalog", "/products/no-such/notify", data_dir=d),
           404)


@test
def bad_a_cross_site_post_is_refused():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    r = ask(d, slug, vid, headers={"Sec-Fetch-Site": "cross-site"})
    status(r, 403)
    r = ask(d, slug, vid, headers={"Origin": "https://evil.example"})
    status(r, 403)
    eq(requests(d), [])


@test
def bad_too_many_requests_are_throttled():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    for i in range(5):
        status(ask(d, slug, vid, f"u{i}@example.com", remote="10.9.9.9"),
               303)
    r = ask(d, slug, vid, "late@example.com", remote="10.9.9.9")
    status(r, 429)
    # A minute from the last request, which may have been a second ago.
    eq(r.header("Retry-After") in ("59", "60"), True, r.header("Retry-After"))
    contains(r.text, "Too many requests. Please wait 1 minute and try "
                     "again.")
    eq(len(requests(d)), 5)
    # Another address may; the same email from many addresses may not.
    status(ask(d, slug, vid, "late@example.com", remote="10.9.9.10"), 303)
    for i in range(4):
        ask(d, slug, vid, "victim@example.com", remote=f"10.8.0.{i}")
    r = ask(d, slug, vid, "victim@example.com", remote="10.8.1.1",
            json_=True)
    status(r, 200)
    r = ask(d, slug, vid, "victim@example.com", remote="10.8.1.2",
            json_=True)
    status(r, 429)


@test
def bad_without_the_throttles_requests_are_refused():
    d = shoptest.datadir(seed=True)
    slug, vid, _, _ = sold_out(d)
    shoptest.sql(d, "DROP TABLE throttles", db="cache.db")
    r = ask(d, slug, vid)
    status(r, 503)
    eq(r.header("Retry-After"), "60")
    eq(requests(d), [])


shoptest.run()
