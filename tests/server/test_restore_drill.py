"""The restore drill, as README.md's Operating section tells it: a backup,
then 50 more orders paid through the test gateway, then `shopctl
restore`, which puts the backup in place, keeps the files it replaced,
and reconciles since the backup; afterwards `shopctl audit` is clean and
not one paid order is lost.

And the refusals, each leaving the data directory as it was: while
lighttpd serves or a worker runs, while a write holds a lock file, a
corrupt backup, a backup of a newer program, one missing a file, and a
name that is not a backup."""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402
from workertest import Worker, wait_until  # noqa: E402

JSON = {"Accept": "application/json"}
SAME = {"Sec-Fetch-Site": "same-origin"}
AFTER = 50
FILES = ("shop.db", "queue.db", "cache.db", "cable.db")


def place(srv):
    """An order through the real checkout: (id, number, token, sid)."""
    c = srv.client()
    status(c.post("/cart/items", {"variant_id": fx.HAT, "quantity": 1},
                  headers=SAME), 303)
    r = c.post("/checkout", {"email": "ann@example.test", "name": "Ann",
                             "line1": "1 Rue X", "city": "Paris",
                             "postcode": "75001", "country": "FR",
                             "shipping": "standard"},
               headers={**SAME, **JSON})
    status(r, 201)
    o = r.json()["order"]
    return (o["id"], o["number"], o["token"],
            r.json()["payment_url"].rsplit("/", 1)[1], c)


def pay(srv, gw):
    o = place(srv)
    gw.pay(o[3])
    # The success page answers the browser that placed the order only.
    o[4].get(f"/checkout/success?session_id={o[3]}")
    return o[:4]


def state(srv, token):
    r = srv.client().get(f"/orders/{token}", headers=JSON)
    status(r, 200)
    return r.json()["order"]["state"]


def report(out):
    return dict((k, int(v)) for k, v in
                re.findall(r"^([a-z_ ,()]+): (\d+)$", out, re.M))


def snapshot(d):
    """Every file of the data directory but the backups, by content; the
    -shm files are left out, as a serving program rewrites their index
    on a read as well."""
    out = {}
    for top, dirs, files in os.walk(d):
        if os.path.relpath(top, d).startswith("backups"):
            continue
        for f in files:
            if f.endswith("-shm"):
                continue
            p = os.path.join(top, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = hashlib.sha256(
                    fh.read()).hexdigest()
    return out


def stop(srv):
    """Stop lighttpd and wait for its FastCGI programs to be gone, as an
    operator stopping the service does."""
    kids = [pid for pid, _ in srv.children()]
    srv.stop()
    wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in kids),
               what="lighttpd's programs exited")


def backup(d, env=None):
    p = shoptest.shopctl("backup", data_dir=d, env=env, check=False)
    eq(p.returncode, 0, p.stderr)
    return p.stdout.split(": ", 1)[1].strip()


def restore(d, *args, env=None):
    return shoptest.shopctl("restore", *args, data_dir=d, env=env,
                            check=False)


@test
def drill_backup_fifty_paid_orders_restore_reconcile():
    d = fx.datadir()
    pf.pricing(d)
    port = shoptest.free_port()
    gw = Gateway(webhook_url=f"http://127.0.0.1:{port}/webhooks/stripe"
                 ).start()
    env = gw.shop_env()
    srv = shoptest.Lighttpd(d, port=port, env=env).start()
    before = [pay(srv, gw) for _ in range(3)]
    where = backup(d, env)
    after = [pay(srv, gw) for _ in range(AFTER)]
    for o in before + after:
        eq(state(srv, o[2]), "paid", o[1])
    paid_here = shoptest.sql(d, "SELECT count(*) FROM payments")[0][0]
    eq(paid_here, 3 + AFTER)

    # Refused while lighttpd's programs have the files open.
    p = restore(d, os.path.basename(where), env=env)
    eq(p.returncode, 1, p.stdout + p.stderr)
    stop(srv)

    p = restore(d, os.path.basename(where), env=env)
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, f"restore: {where} (taken ")
    n = report(p.stdout)
    eq((n["recovered orders"], n["errors"]), (AFTER, 0), p.stdout)
    # The files it replaced are kept whole, with every order in them.
    aside, = glob.glob(os.path.join(d, "aside", "*-restore"))
    contains(p.stdout, f"restore: the files it replaced are in {aside}\n")
    eq(sorted(f for f in os.listdir(aside) if f.endswith(".db")),
       sorted(FILES))
    old = sqlite3.connect(os.path.join(aside, "shop.db"))
    eq(old.execute("SELECT count(*) FROM payments").fetchone()[0],
       3 + AFTER)
    old.close()
    eq(shoptest.shopctl("check", data_dir=d, check=False).returncode, 0)

    srv = shoptest.Lighttpd(d, port=port, env=env).start()
    for o in before + after:
        eq(state(srv, o[2]), "paid", o[1])
    eq(shoptest.sql(d, "SELECT count(*) FROM orders WHERE state = 'paid'"),
       [(3 + AFTER,)])
    eq(shoptest.sql(d, "SELECT count(*) FROM audit_log WHERE kind = "
                    "'recovered'"), [(AFTER,)])
    p = shoptest.shopctl("audit", data_dir=d, env=env, check=False)
    eq(p.returncode, 0, p.stdout + p.stderr)
    n = report(p.stdout)
    eq((n["paid orders"], n["paid sessions at the gateway"],
        n["lost paid orders"], n["findings"],
        n["recorded in audit_log"]), (3 + AFTER, 3 + AFTER, 0, 0, AFTER),
       p.stdout)
    # The shop takes orders again.
    o = pay(srv, gw)
    eq(state(srv, o[2]), "paid")
    srv.stop()


@test
def bad_refused_while_lighttpd_serves():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    srv = shoptest.Lighttpd(d).start()
    status(srv.client().get("/"), 200)
    was = snapshot(d)
    p = restore(d, "--no-reconcile", where)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stderr, "shopctl: restore refused: ")
    contains(p.stderr, "(a web server's program or a worker): stop them "
             "first\n")
    eq(snapshot(d), was)
    eq(os.path.exists(os.path.join(d, "aside")), False)
    srv.stop()


@test
def bad_refused_while_a_worker_runs():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    w = Worker(d)
    try:
        wait_until(lambda: shoptest.sql(d, "SELECT count(*) FROM workers",
                                        db="queue.db")[0][0] == 1,
                   what="the worker registered")
        was = snapshot(d)
        p = restore(d, "--no-reconcile", where)
        eq(p.returncode, 1, p.stdout + p.stderr)
        contains(p.stderr, f"is open in process {w.proc.pid} ")
        eq(snapshot(d), was)
    finally:
        w.stop()
    p = restore(d, "--no-reconcile", where)
    eq(p.returncode, 0, p.stdout + p.stderr)


@test
def bad_refused_while_a_write_holds_the_lock():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    with open(os.path.join(d, "queue.db.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        was = snapshot(d)
        p = restore(d, "--no-reconcile", where)
        eq(p.returncode, 1, p.stdout + p.stderr)
        contains(p.stderr, "restore refused: queue.db is being written to")
        eq(snapshot(d), was)


@test
def bad_corrupt_backup_refused_with_nothing_moved():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    bad = where + "-bad"
    os.rename(where, bad)
    with open(os.path.join(bad, "shop.db"), "r+b") as f:
        f.seek(4096 * 3)
        f.write(b"\xa5" * 4096 * 4)
    was = snapshot(d)
    p = restore(d, "--no-reconcile", bad)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stderr, f"restore refused: {bad}/shop.db fails "
             "integrity_check")
    contains(p.stderr, "; nothing in place was changed\n")
    eq(snapshot(d), was)
    eq(os.path.exists(os.path.join(d, "aside")), False)
    eq(glob.glob(os.path.join(d, ".*")), [])


@test
def bad_backup_of_a_newer_program_or_missing_a_file():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    newer = os.path.join(os.path.dirname(where), "20300101T000000Z-newer")
    shutil.copytree(where, newer)
    shoptest.sql(newer, "INSERT INTO schema_migrations (version, name, "
                 "checksum) VALUES (9999, 'future', 'x')", db="queue.db")
    was = snapshot(d)
    p = restore(d, "--no-reconcile", newer)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stderr, f"{newer}/queue.db has migration 9999 of queue, "
             "which this program does not know")
    eq(snapshot(d), was)
    os.remove(os.path.join(where, "cable.db"))
    p = restore(d, "--no-reconcile", where)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stderr, f"{where}/cable.db: No such file or directory")
    eq(snapshot(d), was)
    for args in ((), ("a", "b"), ("--what", where), (d,)):
        p = restore(d, *args)
        eq(p.returncode, 2, f"{args}: {p.stderr}")
    eq(snapshot(d), was)


@test
def older_backup_is_migrated_after_restore():
    d = shoptest.datadir(seed=True)
    where = backup(d)
    # As if made before sql/primary/0040_catalog_version.sql.
    bad = os.path.join(os.path.dirname(where), "20200101T000000Z-half")
    shutil.copytree(where, bad)
    shoptest.sql(bad, "DELETE FROM schema_migrations WHERE version = 40")
    was = snapshot(d)
    # Half of it there: the migration fails, and nothing is changed.
    p = restore(d, "--no-reconcile", bad)
    eq(p.returncode, 1, p.stdout + p.stderr)
    contains(p.stderr, "migration 0040_catalog_version: ")
    contains(p.stderr, "; nothing in place was changed\n")
    eq(snapshot(d), was)
    eq(glob.glob(os.path.join(d, ".*")), [])
    # None of it there: applied to the copy before it is put in place.
    names = [r[0] for r in shoptest.sql(
        where, "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE 'catalog_state_%'")]
    for n in names:
        shoptest.sql(where, f"DROP TRIGGER {n}")
    shoptest.sql(where, "DROP TABLE catalog_state")
    shoptest.sql(where, "DELETE FROM schema_migrations WHERE version = 40")
    p = restore(d, "--no-reconcile", where)
    eq(p.returncode, 0, p.stdout + p.stderr)
    contains(p.stdout, "restore: 1 migration applied\n")
    eq(shoptest.sql(d, "SELECT version FROM catalog_state"), [(1,)])
    eq(shoptest.shopctl("check", data_dir=d, check=False).returncode, 0)
    eq(sorted(f for f in os.listdir(d) if f.startswith(".")), [])


if __name__ == "__main__":
    shoptest.run()
