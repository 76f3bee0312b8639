"""The files the shop creates have their modes whatever the umask: the
data directory 0750; every database, -wal, -shm, lock and backup file
0640 (the web server's group may read, only the owner writes). Every
program here runs with umask 000, the worst an operator's shell or a
service manager could hand it."""

import glob
import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import eq, shopctl, status, test  # noqa: E402

os.umask(0)
DBS = ("shop.db", "queue.db", "cache.db", "cable.db")
SAME = {"Sec-Fetch-Site": "same-origin"}


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def modes(d, pattern):
    return {os.path.relpath(p, d): oct(mode(p))
            for p in sorted(glob.glob(os.path.join(d, pattern)))}


def fresh():
    """A data directory made by shopctl migrate, under umask 000."""
    d = os.path.join(shoptest.tempdir(), "data")
    p = shopctl("migrate", data_dir=d, check=False)
    eq(p.returncode, 0, p.stderr)
    return d


@test
def migrate_creates_private_files():
    d = fresh()
    eq(oct(mode(d)), "0o750")
    want = {}
    for f in DBS:
        for suffix in ("", ".lock", ".ckpt"):
            want[f + suffix] = "0o640"
    eq(modes(d, "*.db*"), want)


@test
def wal_and_shm_of_a_serving_shop():
    d = fresh()
    shoptest.sql(d, "INSERT INTO products (id, slug, name) VALUES "
                 "(1, 'hat', 'Hat')")
    shoptest.sql(d, "INSERT INTO variants (id, product_id, sku, price, "
                 "currency, stock) VALUES (1, 1, 'H', 1500, 'EUR', 5)")
    # Python's own connection made the -wal and -shm; gone with it.
    for f in glob.glob(os.path.join(d, "*-wal")) + \
            glob.glob(os.path.join(d, "*-shm")):
        os.remove(f)
    srv = shoptest.Lighttpd(d).start()
    c = srv.client()
    status(c.get("/products/hat"), 200)
    status(c.post("/cart/items", {"variant_id": 1, "quantity": 1},
                  headers=SAME), 303)
    got = modes(d, "*.db-*")
    eq({"shop.db-wal", "shop.db-shm"} <= set(got), True, got)
    eq(set(got.values()), {"0o640"}, got)
    srv.stop()


@test
def worker_and_backups():
    d = fresh()
    shoptest.worker_once(d)
    p = shopctl("backup", data_dir=d, check=False)
    eq(p.returncode, 0, p.stderr)
    eq(oct(mode(os.path.join(d, "backups"))), "0o750")
    b, = glob.glob(os.path.join(d, "backups", "*-shopctl"))
    eq(oct(mode(b)), "0o750")
    eq(modes(b, "*"), {f: "0o640" for f in DBS})
    for f in glob.glob(os.path.join(d, "*.db*")):
        eq(oct(mode(f)), "0o640", f)


@test
def lock_files_made_again_by_a_web_process():
    d = fresh()
    for f in glob.glob(os.path.join(d, "*.lock")):
        os.remove(f)
    r = shoptest.cgi("cart", "/cart/items", method="POST",
                     body="variant_id=1&quantity=1", headers=SAME,
                     data_dir=d)
    eq(r.status in (303, 422), True, r)
    got = modes(d, "*.lock")
    eq(bool(got), True, "no lock file made")
    eq(set(got.values()), {"0o640"}, got)
    eq(all(re.fullmatch(r"[a-z]+\.db\.lock", k) for k in got), True, got)


if __name__ == "__main__":
    shoptest.run()
