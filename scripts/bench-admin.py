#!/usr/bin/env python3
"""make bench, back office part: a shop the size the lists must stay fast
at, written straight into a data directory that shopctl migrate and
shopctl seed made.

usage: bench-admin.py DATA

Adds BENCH_PRODUCTS (50000) products, each with one variant, in 50
categories; BENCH_CUSTOMERS (20000) customer accounts; BENCH_ORDERS
(100000) orders of one to three lines, in every state, paid over the
last 90 days, seven in ten by a customer and the rest by guests, each
paid one with its payment. Prints what it added and one word and one
email to search for, as "bench-admin: word=... email=...".

This is test data for the benchmark only. It is written with SQL in a
few large transactions, under the database's lock file as every writer
takes it, and keeps what the triggers and the audit expect: the search
index and versions come from the triggers themselves, order ids leave
no gap in sqlite_sequence, each total is the sum of its lines plus
shipping, and each paid order has one payment of its total, so
shopctl audit --local finds nothing. The accounts cannot sign in: their
password hash is a placeholder.
"""
import fcntl
import os
import random
import sqlite3
import sys
import time

DATA = sys.argv[1]
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "50000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "20000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
CATEGORIES = 50
DAY = 86400

ADJECTIVES = ("amber azure brisk calm coral dusky early fern gentle hazel "
              "indigo jade keen lunar misty noble ochre pale quiet rustic "
              "sable tawny umber velvet woven young zesty").split()
NOUNS = ("bowl candle chair cushion desk glass jar jug kettle lamp mug "
         "notebook pencil planter plate poster rug scarf shelf sock spoon "
         "teapot throw towel tray vase").split()
FIRST = ("Ann Bob Chloe David Emma Farid Grace Hugo Iris Jules Karim Lea "
         "Marc Nina Oscar Paula Quentin Rosa Sami Tess Ugo Vera Will Yara "
         "Zoe").split()
LAST = ("Bernard Dubois Durand Fontaine Garcia Girard Lambert Laurent "
        "Lefebvre Martin Mercier Michel Moreau Petit Richard Robert Roux "
        "Simon Thomas Vincent").split()
# Order states and how often each is drawn, in percent.
STATES = (("pending_payment", 8), ("paid", 22), ("fulfilled", 55),
          ("cancelled", 10), ("partially_refunded", 3), ("refunded", 2))
HASH = "$argon2id$v=19$m=65536,t=2,p=1$YmVuY2g$placeholder-cannot-sign-in"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def main():
    rnd = random.Random(42)
    now = int(time.time())
    db = os.path.join(DATA, "shop.db")
    lock = open(db + ".lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA busy_timeout = 5000")
    t0 = time.time()

    # Categories and products, each product with one variant: the
    # triggers index it for search and bump the versions.
    con.execute("BEGIN IMMEDIATE")
    have = con.execute("SELECT count(*) FROM categories").fetchone()[0]
    for i in range(have, CATEGORIES):
        con.execute("INSERT INTO categories (slug, name, position) VALUES "
                    "(?, ?, ?)", (f"bench-{i}", f"Bench shelf {i}", i))
    cats = [r[0] for r in con.execute("SELECT id FROM categories")]
    first = con.execute("SELECT coalesce(max(id), 0) FROM products"
                        ).fetchone()[0] + 1
    products, variants = [], []
    for i in range(PRODUCTS):
        pid = first + i
        name = (f"{rnd.choice(ADJECTIVES).capitalize()} "
                f"{rnd.choice(NOUNS)} {pid}")
        products.append((pid, f"bench-{pid}", name,
                         f"A {name.lower()} for the benchmark.",
                         rnd.choice(cats), int(rnd.random() < 0.9),
                         iso(now - rnd.randrange(365 * DAY))))
        variants.append((pid, f"BENCH-{pid}", "One size",
                         rnd.randrange(300, 9000, 5), "EUR",
                         rnd.choice((0, 1, 3, 5)) if rnd.random() < 0.05
                         else rnd.randrange(6, 200)))
    con.executemany("INSERT INTO products (id, slug, name, description, "
                    "category_id, active, created_at, updated_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?7)", products)
    con.executemany("INSERT INTO variants (product_id, sku, title, price, "
                    "currency, stock) VALUES (?, ?, ?, ?, ?, ?)", variants)
    con.execute("COMMIT")
    sellable = con.execute(
        "SELECT v.id, p.name, v.title, v.sku, v.price FROM variants v "
        "JOIN products p ON p.id = v.product_id WHERE v.sku GLOB 'BENCH-*' "
        "AND p.active").fetchall()
    t1 = time.time()

    # Customers.
    con.execute("BEGIN IMMEDIATE")
    first = con.execute("SELECT coalesce(max(id), 0) FROM users"
                        ).fetchone()[0] + 1
    users = []
    for i in range(CUSTOMERS):
        uid = first + i
        fn, ln = rnd.choice(FIRST), rnd.choice(LAST)
        t = now - rnd.randrange(720 * DAY)
        users.append((uid, f"{fn.lower()}.{ln.lower()}.{uid}@bench.example",
                      f"{fn} {ln}", HASH, t, t))
    con.executemany("INSERT INTO users (id, email, name, password_hash, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    users)
    con.execute("COMMIT")
    t2 = time.time()

    # Orders, their lines and payments, oldest first, so that ids grow
    # with time as they do in a shop.
    con.execute("BEGIN IMMEDIATE")
    first = con.execute("SELECT coalesce((SELECT seq FROM sqlite_sequence "
                        "WHERE name = 'orders'), 0)").fetchone()[0] + 1
    pfirst = con.execute("SELECT coalesce((SELECT seq FROM sqlite_sequence "
                         "WHERE name = 'payments'), 0)").fetchone()[0] + 1
    states = [s for s, n in STATES for _ in range(n)]
    times = sorted(now - rnd.randrange(90 * DAY) for _ in range(ORDERS))
    orders, lines, payments = [], [], []
    for i, t in enumerate(times):
        oid = first + i
        state = rnd.choice(states)
        # A shop ships within days: older paid orders are fulfilled.
        if state == "paid" and t < now - 7 * DAY:
            state = "fulfilled"
        if rnd.random() < 0.7:
            u = rnd.choice(users)
            uid, email, name = u[0], u[1], u[2]
        else:
            uid = None
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            email = f"guest.{oid}@bench.example"
        subtotal = 0
        for _ in range(rnd.choice((1, 1, 2, 3))):
            vid, pname, title, sku, price = rnd.choice(sellable)
            qty = rnd.choice((1, 1, 1, 2, 3))
            subtotal += price * qty
            lines.append((oid, vid, pname, title, sku, price, qty,
                          price * qty, price * qty * 2000 // 12000))
        shipping = 0 if subtotal >= 5000 else 495
        total = subtotal + shipping
        paid = state not in ("pending_payment", "cancelled")
        refunded = {"refunded": total,
                    "partially_refunded": total // 2}.get(state, 0)
        orders.append((oid, f"SF-{oid:06d}", os.urandom(16).hex(), state,
                       email, uid, "EUR", subtotal, shipping,
                       total * 2000 // 12000, total, "VAT", 2000, 1,
                       "standard", "Standard (3-5 days)", name,
                       f"{oid} Rue du Banc", "Paris", "75001", "FR",
                       f"cs_bench_{oid}" if state != "cancelled" else None,
                       f"pi_bench_{oid}" if paid else None,
                       total if paid else 0, refunded, t + 1860,
                       iso(t), iso(t + 60), iso(t + 60) if paid else None))
        if paid:
            payments.append((pfirst + len(payments), oid, f"cs_bench_{oid}",
                             f"pi_bench_{oid}", total, "EUR", refunded,
                             "webhook", iso(t + 60)))
    con.executemany(
        "INSERT INTO orders (id, number, token, state, email, user_id, "
        "currency, subtotal, shipping, tax, total, tax_name, tax_rate_bp, "
        "tax_inclusive, shipping_code, shipping_name, ship_name, ship_line1, "
        "ship_city, ship_postcode, ship_country, session_id, payment_intent, "
        "amount_paid, amount_refunded, reserved_until, stock_held, "
        "created_at, updated_at, paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        orders)
    con.executemany(
        "INSERT INTO order_lines (order_id, variant_id, product_name, "
        "variant_title, sku, unit_price, quantity, line_total, tax) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
    con.executemany(
        "INSERT INTO payments (id, order_id, session_id, payment_intent, "
        "amount, currency, amount_refunded, source, created_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?)", payments)
    # These orders are history made up at once, paid before the shop kept
    # invoices: the books (shopctl audit) begin after them.
    con.execute("UPDATE books_start SET first_order_id = "
                "max(first_order_id, ?)", (orders[-1][0] + 1,))
    con.execute("COMMIT")
    t3 = time.time()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    fcntl.flock(lock, fcntl.LOCK_UN)
    t4 = time.time()

    word = rnd.choice(NOUNS)
    email = orders[len(orders) // 2][4]
    print(f"bench-admin: {PRODUCTS} products in {t1 - t0:.1f} s, "
          f"{CUSTOMERS} customers in {t2 - t1:.1f} s, {ORDERS} orders "
          f"({len(lines)} lines, {len(payments)} payments) in "
          f"{t3 - t2:.1f} s, checkpoint {t4 - t3:.1f} s",
          file=sys.stderr)
    print(f"bench-admin: word={word} email={email} "
          f"name={rnd.choice(LAST)}")


if __name__ == "__main__":
    main()
