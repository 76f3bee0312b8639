"""The back office's people: customers (a keyset list searched by email
or name, one customer with orders, addresses and lifetime value), staff
accounts given a role by administrators only, every change in the admin
log, and the audit page with the local audit's findings."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402


def customers(d, n):
    for i in range(n):
        af.account(d, f"c{i:03d}@example.com", None, name=f"Customer {i}")


@test
def customers_newest_first_in_keyset_pages():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    customers(d, 120)
    r = af.admin(d, "/admin/customers", cookie=cookie, json=True)
    status(r, 200)
    got = r.json()["customers"]
    eq(len(got), 50)
    eq(got[0]["email"], "c119@example.com")
    eq(got[49]["email"], "c070@example.com")
    eq(r.json()["next"], f"/admin/customers?before={got[49]['id']}")
    r = af.admin(d, r.json()["next"], cookie=cookie, json=True)
    got2 = r.json()["customers"]
    eq(got2[0]["email"], "c069@example.com")
    eq(len(got2), 50)
    r = af.admin(d, r.json()["next"], cookie=cookie, json=True)
    eq(len(r.json()["customers"]), 21)      # 20 and the staff account
    eq("next" in r.json(), False)


@test
def customers_searched_by_email_or_name():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    customers(d, 12)
    r = af.admin(d, "/admin/customers?q=C011@", cookie=cookie, json=True)
    eq([c["email"] for c in r.json()["customers"]], ["c011@example.com"])
    r = af.admin(d, "/admin/customers?q=Customer%201", cookie=cookie,
                 json=True)
    eq(sorted(c["name"] for c in r.json()["customers"]),
       ["Customer 1", "Customer 10", "Customer 11"])
    # LIKE's wildcards are text here.
    r = af.admin(d, "/admin/customers?q=%25", cookie=cookie, json=True)
    eq(r.json()["customers"], [])
    r = af.admin(d, "/admin/customers?q=nobody", cookie=cookie)
    contains(r.text, "No customer matches.")
    contains(r.text, 'value="nobody"')


@test
def bad_customer_list_inputs():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    status(af.admin(d, "/admin/customers?before=abc", cookie=cookie), 400)
    status(af.admin(d, "/admin/customers?q=" + "x" * 300, cookie=cookie),
           400)
    status(af.admin(d, "/admin/customers/999", cookie=cookie), 404)
    status(af.admin(d, "/admin/customers/0", cookie=cookie), 404)


@test
def one_customer_with_orders_and_lifetime_value():
    d = fx.datadir()
    cookie = af.signed_in(d, "staff")
    uid = af.account(d, "ann@example.com", None, name="Ann <b>Lee</b>")
    paid = pf.pending_order(d, [(fx.HAT, 2)])
    other = pf.pending_order(d, [(fx.SHIRT_M, 1)])
    shoptest.sql(d, "UPDATE orders SET user_id = ? WHERE id IN (?, ?)",
                 (uid, paid["id"], other["id"]))
    shoptest.sql(d, "UPDATE orders SET state = 'paid', amount_paid = "
                    "total, amount_refunded = 500, paid_at = "
                    "'2026-12-01T10:00:00Z' WHERE id = ?", (paid["id"],))
    (total,), = shoptest.sql(d, "SELECT total FROM orders WHERE id = ?",
                             (paid["id"],))
    r = af.admin(d, f"/admin/customers/{uid}", cookie=cookie, json=True)
    status(r, 200)
    c = r.json()["customer"]
    eq((c["orders"], c["paid_orders"], c["lifetime"], c["currency"]),
       (2, 1, total - 500, "EUR"))
    eq([o["number"] for o in r.json()["orders"]],
       [other["number"], paid["number"]])
    r = af.admin(d, f"/admin/customers/{uid}", cookie=cookie)
    contains(r.text, "<h1>Ann &lt;b&gt;Lee&lt;/b&gt;</h1>")
    lacks(r.text, "<b>Lee</b>")


@test
def staff_page_is_for_administrators():
    d = shoptest.datadir()
    staff = af.signed_in(d, "staff")
    status(af.admin(d, "/admin/staff", cookie=staff), 403)
    r = af.admin(d, "/admin/staff", "POST", cookie=staff,
                 body={"email": "staff@shop.example", "role": "admin"})
    status(r, 403)
    eq(shoptest.sql(d, "SELECT staff_role FROM users"), [("staff",)])
    admin = af.signed_in(d, "admin")
    r = af.admin(d, "/admin/staff", cookie=admin)
    status(r, 200)
    contains(r.text, '<option value="staff" selected>Staff</option>')
    contains(r.text, "staff@shop.example")


@test
def an_administrator_gives_roles_recorded_in_the_admin_log():
    d = shoptest.datadir()
    admin = af.signed_in(d, "admin")
    uid = af.account(d, "bob@example.com", None, name="Bob")
    r = af.admin(d, "/admin/staff", "POST", cookie=admin,
                 body={"email": "Bob@Example.com", "role": "staff"})
    status(r, 303)
    eq(r.header("Location"), "/admin/staff?done=role")
    eq(shoptest.sql(d, "SELECT role, staff_role FROM users WHERE id = ?",
                    (uid,)), [("customer", "staff")])
    bob = af.login(d, "bob@example.com")
    status(af.admin(d, "/admin", cookie=bob), 200)
    r = af.admin(d, "/admin/staff", "POST", cookie=admin, json=True,
                 body={"email": "bob@example.com", "role": "customer"})
    status(r, 200)
    eq(r.json(), {"ok": True, "id": uid, "email": "bob@example.com",
                  "role": "customer"})
    status(af.admin(d, "/admin", cookie=bob), 403)
    rows = shoptest.sql(d, "SELECT actor, action, object_type, object_id, "
                           "label, before, after FROM admin_log ORDER BY id")
    eq(rows, [
        ("admin@shop.example", "user.role", "user", uid, "bob@example.com",
         '{"role":"customer"}', '{"role":"staff"}'),
        ("admin@shop.example", "user.role", "user", uid, "bob@example.com",
         '{"role":"staff"}', '{"role":"customer"}'),
    ])
    r = af.admin(d, "/admin/audit", cookie=admin)
    contains(r.text, "user.role bob@example.com")
    contains(r.text, "{&quot;role&quot;:&quot;staff&quot;}")


@test
def bad_role_changes_get_422_and_change_nothing():
    d = shoptest.datadir()
    admin = af.signed_in(d, "admin")
    af.account(d, "bob@example.com", None, name="Bob")
    cases = [
        ({"email": "nobody@example.com", "role": "staff"}, "email",
         "No account uses this email."),
        ({"email": "bob@example.com", "role": "root"}, "role",
         "Role: choose one from the list."),
        ({"email": "admin@shop.example", "role": "customer"}, "email",
         "You cannot change your own role"),
        ({"email": "not an email", "role": "staff"}, "email",
         "Enter an email address"),
    ]
    for body, field, msg in cases:
        r = af.admin(d, "/admin/staff", "POST", cookie=admin, body=body,
                     json=True)
        status(r, 422)
        contains(r.json()["errors"][field], msg)
        r = af.admin(d, "/admin/staff", "POST", cookie=admin, body=body)
        status(r, 422)
        contains(r.text, 'aria-invalid="true"')
        contains(r.text, f'href="#f-{field}"')
    eq(shoptest.sql(d, "SELECT count(*) FROM admin_log"), [(0,)])
    eq(shoptest.sql(d, "SELECT email, coalesce(staff_role, role) FROM users "
                       "ORDER BY id"),
       [("admin@shop.example", "admin"), ("bob@example.com", "customer")])


@test
def bad_the_last_administrator_stays_one():
    d = shoptest.datadir()
    a1 = af.signed_in(d, "admin", "a1@shop.example")
    af.account(d, "a2@shop.example", "admin")
    r = af.admin(d, "/admin/staff", "POST", cookie=a1, json=True,
                 body={"email": "a2@shop.example", "role": "staff"})
    status(r, 200)
    a2 = af.login(d, "a2@shop.example")
    # a2 is staff now and may not; a1 is the last administrator.
    status(af.admin(d, "/admin/staff", "POST", cookie=a2, json=True,
                    body={"email": "a1@shop.example", "role": "staff"}), 403)
    af.account(d, "a3@shop.example", "admin")
    a3 = af.login(d, "a3@shop.example")
    status(af.admin(d, "/admin/staff", "POST", cookie=a3, json=True,
                    body={"email": "a1@shop.example", "role": "staff"}), 200)
    r = af.admin(d, "/admin/staff", "POST", cookie=a1, json=True,
                 body={"email": "a3@shop.example", "role": "customer"})
    status(r, 403)      # a1 is staff now


@test
def bad_cross_site_role_change_refused():
    d = shoptest.datadir()
    admin = af.signed_in(d, "admin")
    af.account(d, "bob@example.com", None)
    r = af.admin(d, "/admin/staff", "POST", cookie=admin,
                 body={"email": "bob@example.com", "role": "admin"},
                 headers={"Sec-Fetch-Site": "cross-site",
                          "Origin": "https://evil.example"})
    status(r, 403)
    eq(shoptest.sql(d, "SELECT count(*) FROM admin_log"), [(0,)])


@test
def audit_page_shows_the_books():
    d = fx.datadir()
    cookie = af.signed_in(d, "staff")
    # The check reads every order: it runs when asked, not on each view.
    r = af.admin(d, "/admin/audit", cookie=cookie, json=True)
    status(r, 200)
    eq("books" in r.json(), False)
    r = af.admin(d, "/admin/audit", cookie=cookie)
    contains(r.text, '<input type="hidden" name="books" value="1">'
                     '<button type="submit" class="button">Check the books'
                     '</button>')
    r = af.admin(d, "/admin/audit?books=1", cookie=cookie, json=True)
    status(r, 200)
    eq(r.json()["books"]["findings"], 0)
    eq(r.json()["books"]["clean"], True)
    shoptest.sql(d, "INSERT INTO audit_log (kind, actor, detail) VALUES "
                    "('amount_mismatch', 'webhook', 'paid 10.00, due 12.00')")
    # A finding the local audit sees: an order id handed out and gone.
    shoptest.sql(d, "UPDATE sqlite_sequence SET seq = seq + 3 "
                    "WHERE name = 'orders'")
    shoptest.sql(d, "INSERT OR IGNORE INTO sqlite_sequence (name, seq) "
                    "VALUES ('orders', 3)")
    r = af.admin(d, "/admin/audit?books=1", cookie=cookie)
    status(r, 200)
    contains(r.text, "amount_mismatch")
    contains(r.text, "paid 10.00, due 12.00")
    contains(r.text, "finding(s).")
    lacks(r.text, "No finding:")
    lacks(r.text, "Check the books</button>")
    r = af.admin(d, "/admin/audit", cookie=cookie)
    contains(r.text, "amount_mismatch")
    lacks(r.text, "finding(s).")


shoptest.run()
