"""The back office at scale: the dashboard's sales come from sales_days,
kept by triggers as orders are paid and refunded; customers are searched
by any part of their email or name through user_search's trigrams; and
scripts/bench-admin.py, which make bench fills a shop with, leaves books
that shopctl audit finds nothing wrong with."""

import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402

DAY = 86400


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def pay(d, order, when, paid=None, refunded=0, state="paid"):
    shoptest.sql(d, "UPDATE orders SET state = ?, paid_at = ?, amount_paid "
                    "= coalesce(?, total), amount_refunded = ? WHERE id = ?",
                 (state, iso(when), paid, refunded, order["id"]))


def rollup_agrees(d):
    """sales_days holds what the orders add up to, day by day."""
    want = shoptest.sql(d, "SELECT substr(paid_at, 1, 10), currency, "
                           "count(*), sum(amount_paid - amount_refunded) "
                           "FROM orders WHERE paid_at IS NOT NULL "
                           "GROUP BY 1, 2 ORDER BY 1, 2")
    got = shoptest.sql(d, "SELECT day, currency, orders, revenue FROM "
                          "sales_days WHERE orders <> 0 OR revenue <> 0 "
                          "ORDER BY 1, 2")
    eq(got, want, "sales_days")


@test
def dashboard_sales_follow_payments_and_refunds():
    d = fx.datadir()
    cookie = af.signed_in(d, "staff")
    now = int(time.time())
    today = now - now % DAY
    a = pf.pending_order(d, [(fx.HAT, 1)])
    b = pf.pending_order(d, [(fx.SHIRT_M, 2)])
    c = pf.pending_order(d, [(fx.HAT, 3)])
    old = pf.pending_order(d, [(fx.HAT, 1)])
    totals = {o["id"]: shoptest.sql(d, "SELECT total FROM orders WHERE "
                                       "id = ?", (o["id"],))[0][0]
              for o in (a, b, c, old)}
    pay(d, a, today + 60)
    pay(d, b, today - 10 * DAY)
    pay(d, c, today - 29 * DAY + 5)
    pay(d, old, today - 30 * DAY)           # a day before the window
    rollup_agrees(d)
    r = af.admin(d, "/admin", cookie=cookie, json=True)
    status(r, 200)
    j = r.json()
    eq((j["today"]["orders"], j["today"]["revenue"][0]["amount"]),
       (1, totals[a["id"]]))
    eq((j["month"]["orders"], j["month"]["revenue"][0]["amount"]),
       (3, totals[a["id"]] + totals[b["id"]] + totals[c["id"]]))
    # A refund lowers the day the order was paid; a repair that moves
    # the payment to another day moves its part with it.
    shoptest.sql(d, "UPDATE orders SET amount_refunded = 500, state = "
                    "'partially_refunded' WHERE id = ?", (b["id"],))
    shoptest.sql(d, "UPDATE orders SET paid_at = ? WHERE id = ?",
                 (iso(today + 120), c["id"]))
    rollup_agrees(d)
    j = af.admin(d, "/admin", cookie=cookie, json=True).json()
    eq((j["today"]["orders"], j["today"]["revenue"][0]["amount"]),
       (2, totals[a["id"]] + totals[c["id"]]))
    eq((j["month"]["orders"], j["month"]["revenue"][0]["amount"]),
       (3, totals[a["id"]] + totals[b["id"]] - 500 + totals[c["id"]]))
    r = af.admin(d, "/admin", cookie=cookie)
    contains(r.text, "<p class=\"figure-value\">2 orders</p>")


@test
def an_order_paid_when_it_is_written_counts():
    """Reconcile rebuilds an order that was paid at the gateway: it is
    written with its payment already in it."""
    d = fx.datadir()
    now = int(time.time())
    shoptest.sql(d, "INSERT INTO orders (number, token, state, email, "
                    "currency, subtotal, shipping, tax, total, tax_name, "
                    "tax_rate_bp, tax_inclusive, shipping_code, "
                    "shipping_name, ship_name, ship_line1, ship_city, "
                    "ship_postcode, ship_country, amount_paid, "
                    "reserved_until, paid_at, recovered) VALUES "
                    "('SF-900001', ?, 'paid', 'x@example.com', 'EUR', 1000, "
                    "0, 167, 1000, 'VAT', 2000, 1, 'standard', 'Standard', "
                    "'X', '1 Rue', 'Paris', '75001', 'FR', 1000, 0, ?, 1)",
                 ("t" * 40, iso(now)))
    rollup_agrees(d)
    eq(shoptest.sql(d, "SELECT orders, revenue FROM sales_days WHERE day = "
                       "?", (iso(now)[:10],)), [(1, 1000)])


def customers(d):
    for email, name in (("ann.moreau@example.com", "Ann Moreau"),
                        ("bob@mercier.example", "Bob Martin"),
                        ("chloe@example.com", 'Chloé "Coco" Petit'),
                        ("zo@example.org", "Zoe Roux")):
        af.account(d, email, None, name=name)


@test
def customers_found_by_any_part_of_email_or_name():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    customers(d)

    def found(q):
        r = af.admin(d, "/admin/customers?q=" + urllib.parse.quote(q),
                     cookie=cookie, json=True)
        status(r, 200)
        return [c["email"] for c in r.json()["customers"]]

    eq(found("MOREAU"), ["ann.moreau@example.com"])
    eq(found("mercier"), ["bob@mercier.example"])      # inside an email
    eq(found("martin"), ["bob@mercier.example"])
    eq(found("example.com"), ["chloe@example.com", "ann.moreau@example.com"])
    eq(found('"Coco"'), ["chloe@example.com"])         # quotes are text
    eq(found("Chloé"), ["chloe@example.com"])
    eq(found("nobody"), [])
    eq(found("zo"), ["zo@example.org"])                # two: by prefix
    eq(found("ro"), ["zo@example.org"])                # or in a name
    # A new name is found, the old one no more.
    shoptest.sql(d, "UPDATE users SET name = 'Ann Fontaine' WHERE email = "
                    "'ann.moreau@example.com'")
    eq(found("fontaine"), ["ann.moreau@example.com"])
    eq(found("Ann Moreau"), [])


@test
def a_search_matching_many_is_paged():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    for i in range(60):
        af.account(d, f"p{i:02d}@paged.example", None, name=f"Paged {i}")
    r = af.admin(d, "/admin/customers?q=paged.example", cookie=cookie,
                 json=True)
    got = [c["email"] for c in r.json()["customers"]]
    eq((len(got), got[0], got[-1]), (50, "p59@paged.example",
                                     "p10@paged.example"))
    nxt = r.json()["next"]
    contains(nxt, "q=paged.example")
    r = af.admin(d, nxt, cookie=cookie, json=True)
    eq([c["email"] for c in r.json()["customers"]],
       [f"p{i:02d}@paged.example" for i in range(9, -1, -1)])
    eq("next" in r.json(), False)


@test
def the_bench_shop_has_sound_books():
    d = fx.datadir()
    env = dict(os.environ, BENCH_PRODUCTS="300", BENCH_CUSTOMERS="100",
               BENCH_ORDERS="600")
    p = subprocess.run([sys.executable, os.path.join(shoptest.ROOT,
                        "scripts", "bench-admin.py"), d], env=env,
                       capture_output=True, text=True, timeout=120)
    eq(p.returncode, 0, p.stderr)
    words = dict(kv.split("=", 1) for kv in p.stdout.split()[1:])
    eq(sorted(words), ["email", "name", "word"])
    eq(shoptest.sql(d, "SELECT count(*) FROM products WHERE slug GLOB "
                       "'bench-*'"), [(300,)])
    eq(shoptest.sql(d, "SELECT count(*) FROM variants WHERE sku GLOB "
                       "'BENCH-*'"), [(300,)])
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(100,)])
    (n,), = shoptest.sql(d, "SELECT count(*) FROM orders")
    eq(n >= 600, True)
    # The triggers' work: every active product in the search index,
    # every account in user_search, sales_days from the orders.
    eq(shoptest.sql(d, "SELECT count(*) FROM product_search"),
       shoptest.sql(d, "SELECT count(*) FROM products WHERE active"))
    eq(shoptest.sql(d, "SELECT count(*) FROM user_search WHERE "
                       "user_search MATCH '\"bench.example\"'"), [(100,)])
    rollup_agrees(d)
    eq(shoptest.sql(d, "SELECT count(*) FROM orders WHERE email = ?",
                    (words["email"],))[0][0] >= 1, True)
    a = shoptest.shopctl("audit", "--local", data_dir=d, check=False)
    eq(a.returncode, 0, a.stdout + a.stderr)
    contains(a.stdout, "findings: 0")
    r = shoptest.cgi("catalog", "/search", query="q=" + words["word"],
                     data_dir=d)
    status(r, 200)
    contains(r.text, 'href="/products/bench-')


shoptest.run()
