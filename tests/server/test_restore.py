"""A restore from a backup loses no paid order: orders paid after the
backup are gone from the restored database, `shopctl audit` says so,
and `shopctl reconcile` rebuilds them from their sessions at the
gateway, even when a new order placed after the restore has taken the
id of a lost one (and its Idempotency-Keys at the gateway)."""

import glob
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import payfixture as pf  # noqa: E402
from gateway import Gateway  # noqa: E402

JSON = {"Accept": "application/json"}
SAME = {"Sec-Fetch-Site": "same-origin"}


def place(srv):
    """An order through the real checkout: (id, number, token, sid, the
    browser that placed it, which alone may use its success page)."""
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


def state(srv, token):
    r = srv.client().get(f"/orders/{token}", headers=JSON)
    status(r, 200)
    return r.json()["order"]["state"]


def report(out):
    return dict((k, int(v)) for k, v in
                re.findall(r"^([a-z ()]+): (\d+)$", out, re.M))


@test
def restored_backup_then_reconcile_loses_no_paid_order():
    d = fx.datadir()
    pf.pricing(d)
    port = shoptest.free_port()
    gw = Gateway(webhook_url=f"http://127.0.0.1:{port}/webhooks/stripe"
                 ).start()
    env = gw.shop_env()
    srv = shoptest.Lighttpd(d, port=port, env=env).start()

    def ctl(*args):
        return shoptest.shopctl(*args, data_dir=d, env=env, check=False)

    a = place(srv)
    gw.pay(a[3])
    a[4].get(f"/checkout/success?session_id={a[3]}")
    eq(state(srv, a[2]), "paid")
    p = ctl("backup")
    eq(p.returncode, 0, p.stderr)
    backup, = glob.glob(os.path.join(d, "backups", "*-shopctl"))
    # Paid after the backup: B and C.
    b = place(srv)
    gw.pay(b[3])
    c = place(srv)
    gw.pay(c[3])
    for o in (a, b, c):
        o[4].get(f"/checkout/success?session_id={o[3]}")
        eq(state(srv, o[2]), "paid", o[1])

    # The disk is lost; the backup comes back as README.md says.
    srv.stop()
    for f in os.listdir(d):
        if re.match(r"(shop|queue|cache|cable)\.db(-wal|-shm)?$", f):
            os.remove(os.path.join(d, f))
    for f in os.listdir(backup):
        shutil.copy(os.path.join(backup, f), os.path.join(d, f))
    eq(ctl("check").returncode, 0)
    srv = shoptest.Lighttpd(d, port=port, env=env).start()
    eq(state(srv, a[2]), "paid")
    status(srv.client().get(f"/orders/{b[2]}"), 404)

    # A new order takes B's id, and B's keys are taken at the gateway:
    # it can still be paid.
    n = place(srv)
    eq(n[0], b[0])
    gw.pay(n[3])
    n[4].get(f"/checkout/success?session_id={n[3]}")
    eq(state(srv, n[2]), "paid")

    p = ctl("audit")
    eq(p.returncode, 1, p.stdout)
    p = ctl("reconcile")
    eq(p.returncode, 0, p.stdout + p.stderr)
    eq(report(p.stdout)["recovered orders"], 2, p.stdout)
    for o in (b, c):
        eq(state(srv, o[2]), "paid", o[1])
    r = srv.client().get(f"/orders/{b[2]}")
    contains(r.text, 'Status: <strong data-live-field="label">Paid</strong>')
    eq(shoptest.sql(d, "SELECT count(*) FROM orders WHERE state = 'paid'"),
       [(4,)])
    eq(shoptest.sql(d, "SELECT count(*) FROM audit_log WHERE kind = "
                    "'recovered'"), [(2,)])
    p = ctl("audit")
    eq(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    shoptest.run()
