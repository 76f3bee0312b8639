"""The shop's own pages: about, shipping, returns, privacy, terms,
contact and the legal notice, from the migration's texts, shown at
/pages/<slug> as libcmark renders their Markdown (raw HTML left out,
rendered once per version into cache.db), linked in every footer, and
edited in the back office with a preview, an admin log row per save, and
every refusal a 422 with nothing written."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402
from pagecheck import check_page  # noqa: E402

SLUGS = ["about", "shipping", "returns", "privacy", "terms", "contact",
         "legal-notice"]


def page(d, slug, **kw):
    return shoptest.cgi("catalog", f"/pages/{slug}", data_dir=d, **kw)


def body_of(d, slug):
    return shoptest.sql(d, "SELECT title, body, version FROM content_pages "
                           "WHERE slug = ?", (slug,))[0]


def save(d, cookie, slug, title, body, version, json=False, **extra):
    fields = {"title": title, "body": body, "version": str(version)}
    fields.update(extra)
    return af.admin(d, f"/admin/pages/{slug}", "POST", cookie=cookie,
                    body=fields, json=json)


@test
def every_page_is_there_from_the_migration():
    d = shoptest.datadir()
    got = shoptest.sql(d, "SELECT slug, version FROM content_pages "
                          "ORDER BY position")
    eq(got, [(s, 1) for s in SLUGS])
    for slug in SLUGS:
        r = page(d, slug)
        status(r, 200)
        check_page(r)
        title = body_of(d, slug)[0]
        contains(r.text, f"<h1>{title}</h1>")
        contains(r.text, f"<title>{title} · ")


@test
def the_demo_store_writes_its_own_texts_over_untouched_ones():
    d = shoptest.datadir(seed=True)
    got = dict(shoptest.sql(d, "SELECT slug, version FROM content_pages"))
    eq(got, {"about": 2, "shipping": 1, "returns": 1, "privacy": 1,
             "terms": 1, "contact": 2, "legal-notice": 1})
    r = page(d, "about")
    contains(r.text, "<p>Shopfile is a small independent shop of things "
                     "for everyday life")
    r = shoptest.cgi("catalog", "/pages/contact", data_dir=d,
                     env={"SHOP_NAME": "Ignored Later"})
    contains(r.text, "We answer every message to Shopfile within two "
                     "working days.")
    # A page changed before the seed is the merchant's: left alone.
    e = shoptest.datadir()
    shoptest.sql(e, "UPDATE content_pages SET body = 'Ours.' WHERE slug = "
                    "'about'")
    shoptest.shopctl("seed", "--no-gallery", data_dir=e,
                     env={"SHOP_NAME": "Nook & Co"})
    eq(body_of(e, "about")[1:], ("Ours.", 2))
    eq(body_of(e, "contact")[2], 2)
    contains(page(e, "contact").text, "message to Nook &amp; Co within")


@test
def markdown_is_rendered_with_h1_kept_for_the_title():
    d = shoptest.datadir()
    shoptest.sql(d, "UPDATE content_pages SET body = '# One\n\n### Three\n\n"
                    "![A *red* mug](/media/x.png)' WHERE slug = 'terms'")
    r = page(d, "terms")
    check_page(r)
    contains(r.text, '<div class="content-body"><h2>One</h2>\n<h3>Three</h3>\n'
                     '<p>A <em>red</em> mug</p>\n</div>')
    lacks(r.text, "x.png")
    r = page(d, "shipping")
    contains(r.text, "<h2>Costs and times</h2>")
    contains(r.text, "<li><strong>Standard:</strong> 3 to 5 working "
                     "days.</li>")
    r = page(d, "about")
    contains(r.text, '<a href="/pages/contact">Write to us</a>')


@test
def the_footer_links_every_page_and_the_payment_methods():
    d = shoptest.datadir(seed=True)
    for path in ("/", "/products", "/pages/about"):
        r = shoptest.cgi("catalog", path, data_dir=d)
        status(r, 200)
        footer = r.text[r.text.index('<footer class="site-footer">'):]
        for slug in SLUGS:
            contains(footer, f'<a href="/pages/{slug}">')
        contains(footer, "<li>Visa</li>\n<li>Mastercard</li>\n"
                         "<li>American Express</li>")


@test
def the_product_page_states_tax_and_shipping():
    d = shoptest.datadir(seed=True)
    slug, = shoptest.sql(d, "SELECT p.slug FROM products p WHERE p.active "
                            "AND EXISTS (SELECT 1 FROM variants v WHERE "
                            "v.product_id = p.id AND v.stock > 0) "
                            "ORDER BY p.id LIMIT 1")[0]
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d,
                     env={"SHOP_COUNTRY": "FR"})
    status(r, 200)
    contains(r.text, '<p class="tax-note">VAT included. Shipping '
                     'calculated at checkout.</p>')
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d,
                     headers={"Accept": "application/json"},
                     env={"SHOP_COUNTRY": "US"})
    eq(r.json()["product"]["tax_note"],
       "Sales tax and shipping calculated at checkout.")
    shoptest.sql(d, "DELETE FROM tax_rates")
    r = shoptest.cgi("catalog", f"/products/{slug}", data_dir=d,
                     headers={"Accept": "application/json"},
                     env={"SHOP_COUNTRY": "US"})
    eq(r.json()["product"]["tax_note"], "Shipping calculated at checkout.")


@test
def the_page_as_json():
    d = shoptest.datadir()
    r = page(d, "contact", headers={"Accept": "application/json"})
    status(r, 200)
    p = r.json()["page"]
    eq((p["slug"], p["title"], p["version"]), ("contact", "Contact", 1))
    contains(p["html"], "<p>We answer every message within two working "
                        "days.</p>")


@test
def rendered_once_per_version_into_the_cache():
    d = shoptest.datadir()
    status(page(d, "terms"), 200)
    (key, val), = shoptest.sql(d, "SELECT key, value FROM entries "
                                  "WHERE key LIKE 'content:%'",
                               db="cache.db")
    eq(key, "content:terms:1")
    # What is kept is what is shown: a changed entry shows.
    shoptest.sql(d, "UPDATE entries SET value = '<p>From the "
                    "cache</p>' WHERE key = 'content:terms:1'",
                 db="cache.db")
    contains(page(d, "terms").text, "<p>From the cache</p>")
    # A new version is rendered anew.
    shoptest.sql(d, "UPDATE content_pages SET body = 'Fresh *text*.' "
                    "WHERE slug = 'terms'")
    r = page(d, "terms")
    contains(r.text, "<p>Fresh <em>text</em>.</p>")
    eq(shoptest.sql(d, "SELECT count(*) FROM entries WHERE key = "
                       "'content:terms:2'", db="cache.db"), [(1,)])


@test
def bad_raw_html_and_script_links_are_not_shown():
    d = shoptest.datadir()
    shoptest.sql(d, "UPDATE content_pages SET body = ?1 WHERE slug = "
                    "'about'",
                 ("<script>alert(1)</script>\n\nHi <b onclick=x>there</b> "
                  "[click](javascript:alert(1)) "
                  "![x](data:text/html,evil)\n\n<iframe src=x></iframe>",))
    r = page(d, "about")
    status(r, 200)
    check_page(r)
    for bad in ("<script>alert", "<b onclick", "javascript:", "<iframe",
                "data:text/html"):
        lacks(r.text, bad)
    contains(r.text, '<a href="">click</a>')
    contains(r.text, "<!-- raw HTML omitted -->")


@test
def bad_slugs_are_404():
    d = shoptest.datadir()
    for slug in ("nope", "about-us", "a" * 40):
        r = page(d, slug)
        status(r, 404)
    for path in ("/pages/About", "/pages/", "/pages/" + "a" * 41,
                 "/pages/about/x", "/pages/../about"):
        status(shoptest.cgi("catalog", path, data_dir=d), 404)
    r = shoptest.cgi("catalog", "/pages/about", "POST", data_dir=d)
    status(r, 405)


@test
def the_back_office_lists_and_edits_the_pages():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    r = af.admin(d, "/admin/pages", cookie=cookie)
    status(r, 200)
    check_page(r)
    contains(r.text, '<a href="/admin/pages" aria-current="page">Pages</a>')
    for slug in SLUGS:
        contains(r.text, f'<a href="/admin/pages/{slug}">')
    r = af.admin(d, "/admin/pages", cookie=cookie, json=True)
    eq([p["slug"] for p in r.json()["pages"]], SLUGS)
    r = af.admin(d, "/admin/pages/returns", cookie=cookie)
    status(r, 200)
    check_page(r)
    contains(r.text, '<form action="/admin/pages/returns" method="post" '
                     'novalidate>')
    contains(r.text, '<input type="hidden" name="version" value="1">')
    contains(r.text, "You may return any product within **30 days**")
    contains(r.text, '<button type="submit" name="preview" value="1"')


@test
def a_save_writes_the_page_and_its_log_row_together():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    title, was, _ = body_of(d, "contact")
    r = save(d, cookie, "contact", "Contact us", "Write to **us**.", 1)
    status(r, 303)
    eq(r.header("Location"), "/admin/pages/contact?done=saved")
    eq(body_of(d, "contact"), ("Contact us", "Write to **us**.", 2))
    (action, otype, oid, label, before, after, who), = cf.log(d)
    pid, = shoptest.sql(d, "SELECT id FROM content_pages WHERE slug = "
                           "'contact'")[0]
    eq((action, otype, oid, label, who),
       ("page.update", "page", pid, "Contact us", "admin@shop.example"))
    eq(before, {"title": title, "body": was})
    eq(after, {"title": "Contact us", "body": "Write to **us**."})
    r = page(d, "contact")
    contains(r.text, "<h1>Contact us</h1>")
    contains(r.text, "<p>Write to <strong>us</strong>.</p>")
    # The same again changes nothing and logs nothing.
    r = save(d, cookie, "contact", "Contact us", "Write to **us**.", 2,
             json=True)
    status(r, 200)
    eq(r.json()["page"]["version"], 2)
    eq(len(cf.log(d)), 1)


@test
def a_preview_shows_the_page_and_saves_nothing():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    before = body_of(d, "about")
    r = save(d, cookie, "about", "About", "## Who\n\nWe *are*.", 1,
             preview="1")
    status(r, 200)
    check_page(r)
    contains(r.text, "Preview: not saved yet")
    contains(r.text, "<h2>Who</h2>\n<p>We <em>are</em>.</p>")
    contains(r.text, "## Who\n\nWe *are*.</textarea>")
    eq(body_of(d, "about"), before)
    eq(cf.log(d), [])
    r = save(d, cookie, "about", "About", "<b>x</b> *y*", 1, json=True,
             preview="1")
    eq(r.json()["html"], "<p><!-- raw HTML omitted -->x<!-- raw HTML "
                         "omitted --> <em>y</em></p>\n")


@test
def bad_saves_are_422_with_nothing_written():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    before = body_of(d, "terms")
    cases = [
        ({"title": "", "body": "x", "version": "1"}, "title"),
        ({"title": "a" * 121, "body": "x", "version": "1"}, "title"),
        ({"title": "T", "body": "bell \x07", "version": "1"}, "body"),
        ({"title": "T", "body": "x", "version": "zero"}, "version"),
    ]
    for fields, field in cases:
        r = af.admin(d, "/admin/pages/terms", "POST", cookie=cookie,
                     body=fields, json=True)
        status(r, 422)
        eq(list(r.json()["errors"]), [field], repr(fields)[:60])
    # Longer than a form field: refused before any handler.
    r = af.admin(d, "/admin/pages/terms", "POST", cookie=cookie,
                 body={"title": "T", "body": "x" * 8193, "version": "1"})
    status(r, 413)
    r = af.admin(d, "/admin/pages/terms", "POST", cookie=cookie,
                 body={"title": "", "body": "Kept *as typed*",
                       "version": "1"})
    status(r, 422)
    check_page(r)
    contains(r.text, "Kept *as typed*</textarea>")
    eq(body_of(d, "terms"), before)
    eq(cf.log(d), [])


@test
def bad_a_stale_form_does_not_overwrite_a_newer_save():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    status(save(d, cookie, "privacy", "Privacy", "First.", 1), 303)
    r = save(d, cookie, "privacy", "Privacy", "Second, from an old form.",
             1, json=True)
    status(r, 422)
    contains(r.json()["errors"]["body"], "Someone saved this page")
    eq(body_of(d, "privacy"), ("Privacy", "First.", 2))
    eq(len(cf.log(d)), 1)


@test
def bad_only_administrators_edit_pages():
    d = shoptest.datadir()
    staff = af.signed_in(d, "staff")
    customer = af.signed_in(d, None)
    before = body_of(d, "about")
    for cookie in (staff, customer):
        status(af.admin(d, "/admin/pages", cookie=cookie), 403)
        status(af.admin(d, "/admin/pages/about", cookie=cookie), 403)
        status(save(d, cookie, "about", "Hacked", "x", 1), 403)
    r = af.admin(d, "/admin/pages")
    status(r, 303)
    admin = af.signed_in(d, "admin")
    status(af.admin(d, "/admin/pages/nope", cookie=admin), 404)
    status(save(d, admin, "nope", "T", "x", 1), 404)
    eq(body_of(d, "about"), before)


shoptest.run()
