"""The last units of a variant (issue 4, item 10): 30 customers, each
with a cart holding one unit, place their orders at the same moment
while 5 units are left. Exactly 5 orders are made and hold the stock;
the 25 others are told plainly that it sold out, keep their carts, and
stock never goes below zero.

The customers are split between two lighttpd instances serving one data
directory, one running this build's programs and one a copy of them
from another directory (two generations during a deploy), so the race
runs across two independent sets of processes; and once more against a
single instance, where the losers queue in one server.
"""

import os
import shutil
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (BUILD, Lighttpd, contains, datadir, eq, run,  # noqa: E402
                      shopctl, sql, tempdir, test)
from gateway import Gateway  # noqa: E402
from shopper import JSON, Browser, body_json, checkout_form, session_of  # noqa: E402

CUSTOMERS = 30
LEFT = 5

def old_build():
    d = tempdir("lastunits-old-")
    for sub in ("cgi-bin", "bin"):
        shutil.copytree(os.path.join(BUILD, sub), os.path.join(d, sub))
    return d


def race(builds):
    # A gateway of its own: the order ids, and so the Idempotency-Keys
    # derived from them, start again at 1 in each new data directory.
    gw = Gateway().start()
    data = datadir(seed=True)
    vid, name = sql(data, "SELECT v.id, p.name FROM variants v JOIN "
                    "products p ON p.id = v.product_id WHERE v.active AND "
                    "p.active AND v.stock > 0 ORDER BY v.id LIMIT 1")[0]
    others = sql(data, "SELECT count(*) FROM orders")[0][0]
    eq(others, 0, "orders before")
    # Enough for every cart to take its unit; then only LEFT remain.
    sql(data, "UPDATE variants SET stock = ? WHERE id = ?", (CUSTOMERS, vid))
    env = gw.shop_env()
    base = None
    servers = []
    for b in builds:
        s = Lighttpd(data, build=b, env=env, base_url=base).start()
        base = s.base_url
        servers.append(s)

    people = []
    for i in range(CUSTOMERS):
        b = Browser(servers[i % len(servers)].port)
        r = b.post("/cart/items", {"variant_id": vid, "quantity": 1},
                   headers=JSON)
        eq(r.status, 200, f"customer {i} adds to the cart: {r.body[:200]!r}")
        r = b.get("/checkout", headers=JSON)
        eq(r.status, 200, "checkout page")
        page = r.json()
        eq(page["can_order"], True, "can order")
        people.append((b, checkout_form(page,
                                        email=f"c{i}@example.test")))
    sql(data, "UPDATE variants SET stock = ? WHERE id = ?", (LEFT, vid))

    go = threading.Barrier(CUSTOMERS)
    answers = [None] * CUSTOMERS

    def place(i):
        b, form = people[i]
        go.wait()
        try:
            answers[i] = b.post("/checkout", form, headers=JSON, timeout=60)
        except Exception as e:      # reported below, with the others
            answers[i] = e

    threads = [threading.Thread(target=place, args=(i,))
               for i in range(CUSTOMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    errors = [a for a in answers if isinstance(a, Exception)]
    eq(errors, [], "requests that got no answer")
    statuses = sorted(a.status for a in answers)
    eq(statuses, [201] * LEFT + [409] * (CUSTOMERS - LEFT),
       f"answers: {[(a.status, a.body[:200]) for a in answers if a.status not in (201, 409)]}")

    won, lost = [], []
    for i, a in enumerate(answers):
        j = body_json(a)
        if a.status == 201:
            eq(j["ok"], True, "ok")
            eq(j["order"]["state"], "pending_payment", "state")
            eq([(l["quantity"]) for l in j["order"]["lines"]], [1], "lines")
            session_of(j["payment_url"])
            won.append((i, j["order"]["id"]))
        else:
            eq(j["ok"], False, "ok")
            msg = j["errors"]["form"]
            contains(msg, "sold out", f"customer {i}")
            contains(msg, name, f"customer {i}")
            lost.append(i)

    # The books: five orders holding one unit each, none left, none owed.
    eq(sql(data, "SELECT stock FROM variants WHERE id = ?", (vid,)),
       [(0,)], "stock left")
    eq(sql(data, "SELECT count(*) FROM variants WHERE stock < 0"), [(0,)],
       "negative stock")
    rows = sql(data, "SELECT o.id, o.stock_held, l.variant_id, l.quantity "
               "FROM orders o JOIN order_lines l ON l.order_id = o.id "
               "ORDER BY o.id")
    eq(sorted(r[0] for r in rows), sorted(oid for _, oid in won),
       "orders made")
    eq([r[1:] for r in rows], [(1, vid, 1)] * LEFT, "order lines")
    # The losers keep their carts and can see why.
    for i in lost:
        b = people[i][0]
        r = b.get("/cart", headers=JSON)
        eq(r.status, 200, "cart")
        eq(r.json()["cart"]["count"], 1, f"cart of customer {i}")
        eq(r.json()["cart"]["problems"], 1, f"problems of customer {i}")
    # In a page too, for a person.
    b, form = people[lost[0]]
    r = b.post("/checkout", form)
    eq(r.status, 409, "again, as a page")
    contains(r.text, f"Sorry, {name} has sold out", "page")
    eq(sql(data, "SELECT count(*) FROM orders"), [(LEFT,)], "orders after")
    a = shopctl("audit", "--local", data_dir=data, check=False)
    eq(a.returncode, 0, f"audit:\n{a.stdout}{a.stderr}")
    contains(a.stdout, "negative stock: 0", "audit")
    for s in servers:
        s.stop()
    gw.stop()


@test
def last_units_across_two_generations():
    race([old_build(), BUILD])


@test
def last_units_in_one_server():
    race([BUILD])


if __name__ == "__main__":
    run()
