"""Who may use the back office: signed-out browsers are sent to log in,
JSON clients get 401, customers 403; staff and administrators get in,
and only administrators see the staff section. Accounts come from
shopctl user add --staff and --admin."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402


@test
def signed_out_browser_goes_to_log_in():
    d = shoptest.datadir()
    r = af.admin(d, "/admin")
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Fadmin")
    eq(r.header("Cache-Control"), "no-store")


@test
def signed_out_json_client_gets_401():
    d = shoptest.datadir()
    r = af.admin(d, "/admin", json=True)
    status(r, 401)
    eq(r.json()["ok"], False)
    contains(r.header("WWW-Authenticate") or "", "Cookie")


@test
def bad_customer_is_refused():
    d = shoptest.datadir()
    cookie = af.signed_in(d, None)
    r = af.admin(d, "/admin", cookie=cookie)
    status(r, 403)
    contains(r.text, "This page is for the shop&#39;s staff only.")
    r = af.admin(d, "/admin", cookie=cookie, json=True)
    status(r, 403)
    eq(r.json()["error"], "This page is for the shop's staff only.")


@test
def staff_get_in_without_the_staff_section():
    """Signed in through the log-in form, as staff do."""
    d = shoptest.datadir()
    af.account(d, "staff@shop.example", "staff")
    cookie = af.login_form(d, "staff@shop.example")
    r = af.admin(d, "/admin", cookie=cookie)
    status(r, 200)
    contains(r.text, "<h1>Dashboard</h1>")
    contains(r.text, '<a href="/admin" aria-current="page">Dashboard</a>')
    contains(r.text, "staff@shop.example")
    contains(r.text, "(staff)")
    lacks(r.text, 'href="/admin/staff"')
    eq(r.header("Cache-Control"), "no-store")


@test
def administrators_see_every_section():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    r = af.admin(d, "/admin", cookie=cookie)
    status(r, 200)
    for href in ("/admin/orders", "/admin/products", "/admin/categories",
                 "/admin/customers", "/admin/jobs", "/admin/audit",
                 "/admin/staff"):
        contains(r.text, f'<a href="{href}">')


@test
def roles_as_stored():
    """--staff leaves users.role customer (a program of the previous
    build sees no administrator); --admin sets both."""
    d = shoptest.datadir()
    af.account(d, "s@shop.example", "staff")
    af.account(d, "a@shop.example", "admin")
    af.account(d, "c@shop.example", None)
    eq(shoptest.sql(d, "SELECT email, role, staff_role FROM users "
                       "ORDER BY id"),
       [("s@shop.example", "customer", "staff"),
        ("a@shop.example", "admin", "admin"),
        ("c@shop.example", "customer", None)])


@test
def an_administrator_of_the_previous_build_is_one_still():
    """An account made admin before staff roles (role 'admin', no
    staff_role) keeps the back office."""
    d = shoptest.datadir()
    af.account(d, "old@shop.example", None)
    shoptest.sql(d, "UPDATE users SET role = 'admin' WHERE email = ?",
                 ("old@shop.example",))
    cookie = af.login_form(d, "old@shop.example")
    r = af.admin(d, "/admin", cookie=cookie)
    status(r, 200)
    contains(r.text, 'href="/admin/staff"')


@test
def bad_usage_of_user_add():
    d = shoptest.datadir()
    p = shoptest.shopctl("user", "add", "--root", "x@shop.example", "X",
                         data_dir=d, check=False, input="pw pw pw pw\n")
    eq(p.returncode, 2)
    contains(p.stderr, "usage: shopctl user add [--admin | --staff]")


@test
def dashboard_figures_as_json():
    d = shoptest.datadir(seed=True)
    cookie = af.signed_in(d, "staff")
    r = af.admin(d, "/admin", cookie=cookie, json=True)
    status(r, 200)
    j = r.json()
    eq(j["to_ship"], 0)
    eq(j["failed_jobs"], 0)
    eq(j["today"]["orders"], 0)
    (low,), = shoptest.sql(d, "SELECT count(*) FROM variants v JOIN "
                              "products p ON p.id = v.product_id WHERE "
                              "v.active AND p.active AND v.stock <= 5")
    eq(len(j["low_stock"]), min(low, 10))
    stocks = [v["stock"] for v in j["low_stock"]]
    eq(stocks, sorted(stocks))
    r = af.admin(d, "/admin", cookie=cookie)
    contains(r.text, '<th scope="col">SKU</th>')
    contains(r.text, f'<a href="/admin/products/{j["low_stock"][0]["product_id"]}">')
    contains(r.text, "0 orders")
    contains(r.text, 'data-live-channel="admin"')


@test
def unknown_admin_path_is_404():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    r = af.admin(d, "/admin/nothing-here", cookie=cookie)
    status(r, 404)


shoptest.run()
