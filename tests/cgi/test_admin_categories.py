"""The back office's categories: the list with the form of a new one,
one category's form, creating and changing them with their admin log
rows, and every refusal a 422 with the form and nothing written."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import catalogfixture as cf  # noqa: E402
from pagecheck import check_page  # noqa: E402


def seeded(role="admin"):
    d = shoptest.datadir(seed=True)
    return d, af.signed_in(d, role)


@test
def the_list_in_the_shops_order():
    d, staff = seeded("staff")
    r = af.admin(d, "/admin/categories", cookie=staff, json=True)
    status(r, 200)
    got = r.json()["categories"]
    want = shoptest.sql(d, "SELECT c.id, c.slug, c.name, (SELECT count(*) "
                           "FROM products p WHERE p.category_id = c.id AND "
                           "p.active) FROM categories c ORDER BY "
                           "c.position, c.name")
    eq([(c["id"], c["slug"], c["name"], c["products"]) for c in got],
       [tuple(w) for w in want])
    eq(got[0]["url"], f"/categories/{want[0][1]}")
    r = af.admin(d, "/admin/categories", cookie=staff)
    status(r, 200)
    check_page(r)
    contains(r.text, '<a href="/admin/categories" aria-current="page">'
                     'Categories</a>')
    contains(r.text, f'<td class="num"><a href="/admin/products?category='
                     f'{want[0][0]}">{want[0][3]}</a></td>')
    lacks(r.text, '<form action="/admin/categories" method="post"')
    admin = af.signed_in(d, "admin")
    r = af.admin(d, "/admin/categories", cookie=admin)
    check_page(r)
    contains(r.text, '<form action="/admin/categories" method="post" '
                     'novalidate>')
    contains(r.text, f'id="f-position" name="position" value="{len(want)}"')


@test
def create_a_category():
    d, cookie = seeded("admin")
    r = af.admin(d, "/admin/categories", "POST", cookie=cookie,
                 body={"name": "Tea Towels", "description": "Linen.\nWoven.",
                       "position": "3"})
    status(r, 303)
    eq(r.header("Location"), "/admin/categories?done=created")
    (cid, slug, name, desc, pos), = shoptest.sql(
        d, "SELECT id, slug, name, description, position FROM categories "
           "WHERE name = 'Tea Towels'")
    eq((slug, desc, pos), ("tea-towels", "Linen.\nWoven.", 3))
    (action, otype, oid, label, before, after, who), = cf.log(d)
    eq((action, otype, oid, label, before, who),
       ("category.create", "category", cid, "Tea Towels", None,
        "admin@shop.example"))
    eq(after, {"name": "Tea Towels", "slug": "tea-towels",
               "description": "Linen.\nWoven.", "position": 3})
    r = af.admin(d, "/admin/categories", "POST", cookie=cookie, json=True,
                 body={"name": "Tea Towels"})
    status(r, 200)
    eq(r.json()["category"]["slug"], "tea-towels-2")
    status(shoptest.cgi("catalog", "/categories/tea-towels", data_dir=d),
           200)
    # A new product may go in it.
    r = af.admin(d, "/admin/products", "POST", cookie=cookie, json=True,
                 body={"name": "Towel", "sku": "TW-1", "price": "9",
                       "category": str(cid)})
    status(r, 200)
    eq(r.json()["product"]["category_id"], cid)


@test
def bad_new_categories():
    d, cookie = seeded("admin")
    before = cf.state(d)
    cases = [
        ({"name": "Mugs", "slug": "mugs"},
         {"slug": "That address is taken; choose another."}),
        ({"name": "Mugs", "slug": "Mugs!"},
         {"slug": "Use lowercase letters, digits and single hyphens (at "
                  "most 80), or leave it empty to make one from the "
                  "name."}),
        ({"name": ""}, {"name": "Name is required."}),
        ({"name": "x" * 121}, {"name": "Name must be at most 120 "
                                       "characters."}),
        ({"name": "Jugs", "position": "-1"},
         {"position": "Enter a whole number from 0 to 1000000."}),
        ({"name": "Jugs", "position": "first"},
         {"position": "Enter a whole number from 0 to 1000000."}),
        ({"name": "Jugs", "description": "x" * 4001},
         {"description": "Description must be at most 4000 characters."}),
    ]
    for body, errors in cases:
        r = af.admin(d, "/admin/categories", "POST", cookie=cookie,
                     body=body, json=True)
        status(r, 422)
        eq(r.json()["errors"], errors, str(body))
    r = af.admin(d, "/admin/categories", "POST", cookie=cookie,
                 body={"name": "Mugs", "slug": "mugs"})
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-slug">That address is taken; choose '
                     'another.</a>')
    contains(r.text, 'id="f-slug" name="slug" value="mugs" maxlength="80" '
                     'autocomplete="off" aria-invalid="true" '
                     'aria-describedby="f-slug-hint f-slug-error">')
    contains(r.text, "<h1>Categories</h1>")
    eq(cf.state(d), before)


@test
def change_a_category():
    d, cookie = seeded("admin")
    (cid, desc, pos), = shoptest.sql(d, "SELECT id, description, position "
                                        "FROM categories WHERE slug = "
                                        "'tea'")
    r = af.admin(d, f"/admin/categories/{cid}", cookie=cookie)
    status(r, 200)
    check_page(r)
    contains(r.text, "<h1>Tea</h1>")
    contains(r.text, 'id="f-name" name="name" value="Tea"')
    body = {"name": "Teas", "slug": "", "description": desc,
            "position": str(pos)}
    r = af.admin(d, f"/admin/categories/{cid}", "POST", cookie=cookie,
                 body=body)
    status(r, 303)
    eq(r.header("Location"), f"/admin/categories/{cid}?done=saved")
    eq(shoptest.sql(d, "SELECT name, slug FROM categories WHERE id = ?",
                    (cid,)), [("Teas", "tea")])
    (action, otype, oid, label, before, after, _), = cf.log(d)
    eq((action, otype, oid, label), ("category.update", "category", cid,
                                     "Teas"))
    eq((before["name"], after["name"], after["slug"]),
       ("Tea", "Teas", "tea"))
    # The storefront's search sees the new name of the category.
    r = shoptest.cgi("catalog", "/categories/tea", data_dir=d)
    contains(r.text, "<h1>Teas</h1>")
    # Nothing changed: nothing logged.
    r = af.admin(d, f"/admin/categories/{cid}", "POST", cookie=cookie,
                 body=body, json=True)
    status(r, 200)
    eq(len(cf.log(d)), 1)
    before = cf.state(d)
    r = af.admin(d, f"/admin/categories/{cid}", "POST", cookie=cookie,
                 body=dict(body, slug="mugs"))
    status(r, 422)
    check_page(r)
    contains(r.text, '<a href="#f-slug">That address is taken')
    r = af.admin(d, f"/admin/categories/{cid}", "POST", cookie=cookie,
                 body=dict(body, name=""), json=True)
    eq(r.json()["errors"], {"name": "Name is required."})
    eq(cf.state(d), before)
    status(af.admin(d, "/admin/categories/999", cookie=cookie), 404)
    status(af.admin(d, "/admin/categories/999", "POST", cookie=cookie,
                    body=body), 404)
    eq(cf.state(d), before)


@test
def bad_roles_and_origins():
    d = shoptest.datadir(seed=True)
    before = cf.state(d)
    body = {"name": "Jugs"}
    status(af.admin(d, "/admin/categories"), 303)
    status(af.admin(d, "/admin/categories", "POST", body=body), 303)
    status(af.admin(d, "/admin/categories/1", "POST", body=body), 303)
    customer = af.signed_in(d, None)
    status(af.admin(d, "/admin/categories", cookie=customer), 403)
    status(af.admin(d, "/admin/categories/1", cookie=customer), 403)
    status(af.admin(d, "/admin/categories", "POST", cookie=customer,
                    body=body), 403)
    staff = af.signed_in(d, "staff")
    status(af.admin(d, "/admin/categories/1", cookie=staff), 200)
    status(af.admin(d, "/admin/categories", "POST", cookie=staff,
                    body=body), 403)
    status(af.admin(d, "/admin/categories/1", "POST", cookie=staff,
                    body=body), 403)
    admin = af.signed_in(d, "admin")
    r = af.admin(d, "/admin/categories", "POST", cookie=admin, body=body,
                 headers={"Sec-Fetch-Site": "cross-site"})
    status(r, 403)
    r = af.admin(d, "/admin/categories/1", "POST", cookie=admin, body=body,
                 headers={"Sec-Fetch-Site": "cross-site"})
    status(r, 403)
    eq(cf.state(d)[:6], before[:6])


shoptest.run()
