"""Two generations that describe a Checkout Session differently (here by
their public URL, as in a deploy that moves the shop to a new address;
new code that words the items or the metadata otherwise is the same):
the old one starts a payment, the gateway makes the session, and the old
process is killed before it records it. The customer tries again and
reaches the new generation, which asks for the session with the same
Idempotency-Key and other parameters. The gateway refuses that
(idempotency_error, as Stripe does); the order must not stay unpayable
until its hold ends, but move to its next attempt and be paid once.
"""

import os
import shutil
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (BUILD, Lighttpd, datadir, eq, run, serving,  # noqa: E402
                      shopctl, sql, tempdir, test)
from gateway import Gateway  # noqa: E402
from shopper import JSON, Browser, checkout_form, session_of  # noqa: E402


def wait(pred, what, timeout=20):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@test
def attempt_made_with_other_parameters_is_left_behind():
    gw = Gateway().start()
    data = datadir(seed=True)
    old_build = tempdir("disagree-old-")
    for sub in ("cgi-bin", "bin"):
        shutil.copytree(os.path.join(BUILD, sub), os.path.join(old_build, sub))
    # Both behind HTTPS, so both know the browser's session cookie
    # (__Host-sid): the order is found again only by its own session.
    old = Lighttpd(data, build=old_build, env=gw.shop_env(),
                   base_url="https://old.shop.test").start()
    new = Lighttpd(data, build=BUILD, env=gw.shop_env(),
                   base_url="https://shop.test").start()
    vid = sql(data, "SELECT v.id FROM variants v JOIN products p ON "
              "p.id = v.product_id WHERE v.active AND p.active AND "
              "v.stock > 0 ORDER BY v.id LIMIT 1")[0][0]

    b = Browser(old.port)
    eq(b.post("/cart/items", {"variant_id": vid, "quantity": 1},
              headers=JSON).status, 200, "add to cart")
    form = checkout_form(b.get("/checkout", headers=JSON).json())

    # The old generation's call to the gateway is slow; it is killed in
    # the middle of it, and the gateway makes the session all the same.
    gw.set_faults(slow_ms=1500)
    answer = []
    t = threading.Thread(target=lambda: answer.append(
        b.twin().to(old.port).post("/checkout", form, headers=JSON,
                                   timeout=30)))
    t.start()
    oid = wait(lambda: (sql(data, "SELECT id FROM orders WHERE "
                            "payment_attempt = 1") or [[0]])[0][0],
               "the order's first attempt")
    pid = wait(lambda: next((p for p, n in old.children()
                             if n == "checkout" and serving(p)), None),
               "the checkout process calling the gateway")
    os.kill(pid, signal.SIGKILL)
    t.join(30)
    eq(answer[0].status in (500, 502, 503), True,
       f"the killed request: {answer[0]}")

    def first_session():
        return [s for s in gw.api("GET", "/v1/checkout/sessions",
                                  {"limit": 100})["data"]
                if s["metadata"].get("order_id") == str(oid)]
    lost = wait(first_session, "the session the old generation made")
    eq(len(lost), 1, "sessions")
    eq(sql(data, "SELECT payment_attempt, session_id FROM orders"),
       [(1, None)], "the order never heard of it")
    gw.set_faults()

    # Clicked again, the new generation serves it.
    r = b.to(new.port).post("/checkout", form, headers=JSON)
    eq(r.status, 200, f"checkout again on the new generation: "
       f"{r.body[:400]!r}")
    sid = session_of(r.json()["payment_url"])
    if sid == lost[0]["id"]:
        raise AssertionError("the session made with the old parameters "
                             "was handed out")
    eq(sql(data, "SELECT id, payment_attempt, session_id FROM orders"),
       [(oid, 2, sid)], "the order's next attempt")
    eq(gw.api("GET", f"/v1/checkout/sessions/{sid}")["success_url"],
       "https://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
       "success URL of the new session")

    gw.pay(sid)
    r = b.get(f"/checkout/success?session_id={sid}", headers=JSON)
    eq(r.status, 200, "success page")
    eq(r.json()["order"]["state"], "paid", "paid")
    eq(b.post(f"/orders/{r.json()['order']['token']}/pay",
              headers=JSON).status, 409, "paying again")
    a = shopctl("audit", data_dir=data, env=gw.shop_env(), check=False)
    eq(a.returncode, 0, f"audit:\n{a.stdout}{a.stderr}")


if __name__ == "__main__":
    run()
