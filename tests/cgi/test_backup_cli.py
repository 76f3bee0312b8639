"""shopctl backup: a consistent copy of the four databases, made while
another connection holds a write open, whole or not at all; --keep
prunes; bad arguments refused."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, shopctl, test  # noqa: E402

FILES = ["cable.db", "cache.db", "queue.db", "shop.db"]


def backups(d):
    root = os.path.join(d, "backups")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


@test
def backup_while_a_write_is_open():
    d = shoptest.datadir(seed=True)
    products = shoptest.sql(d, "SELECT count(*) FROM products")[0][0]
    stock = shoptest.sql(d, "SELECT sum(stock) FROM variants")[0][0]
    # A writer in the middle of a transaction: the copy is the state
    # before it, and the backup does not wait for it.
    con = sqlite3.connect(os.path.join(d, "shop.db"), isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE variants SET stock = 0")
    try:
        p = shopctl("backup", data_dir=d, check=False, timeout=60)
    finally:
        con.execute("ROLLBACK")
        con.close()
    eq(p.returncode, 0, p.stderr)
    names = backups(d)
    eq(len(names), 1)
    eq(names[0].endswith("-shopctl"), True, names[0])
    where = os.path.join(d, "backups", names[0])
    eq(p.stdout, f"backup: {where}\n")
    eq(sorted(os.listdir(where)), FILES)
    for f in FILES:
        c = sqlite3.connect(os.path.join(where, f))
        eq(c.execute("PRAGMA integrity_check").fetchone()[0], "ok", f)
        c.close()
    copy = sqlite3.connect(os.path.join(where, "shop.db"))
    eq(copy.execute("SELECT count(*) FROM products").fetchone()[0], products)
    eq(copy.execute("SELECT sum(stock) FROM variants").fetchone()[0], stock,
       "stock as before the open write")
    copy.close()
    # The copy is a data directory shopctl accepts.
    c = shopctl("check", data_dir=where, check=False)
    eq(c.returncode, 0, c.stdout + c.stderr)


@test
def keep_prunes_the_oldest():
    d = shoptest.datadir()
    root = os.path.join(d, "backups")
    os.makedirs(root)
    for old in ("20200101T000000Z-job1", "20200102T000000Z-job2"):
        os.makedirs(os.path.join(root, old))
    p = shopctl("backup", "--keep", "2", data_dir=d, check=False)
    eq(p.returncode, 0, p.stderr)
    names = backups(d)
    eq(len(names), 2, names)
    eq(names[0], "20200102T000000Z-job2")
    eq(names[1].endswith("-shopctl"), True)


@test
def bad_arguments():
    d = shoptest.datadir()
    for args in (("--keep", "0"), ("--keep", "x"), ("--keep", "1001"),
                 ("--keep",), ("now",)):
        p = shopctl("backup", *args, data_dir=d, check=False)
        eq(p.returncode, 2, f"{args}: {p.stdout}{p.stderr}")
        contains(p.stderr, "shopctl: ", str(args))
    eq(backups(d), [])
    p = shopctl("backup", data_dir=os.path.join(d, "nowhere"), check=False)
    eq(p.returncode, 1, p.stdout)
    contains(p.stderr, "shopctl migrate")


if __name__ == "__main__":
    shoptest.run()
