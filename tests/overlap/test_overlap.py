"""Overlapping deploys, proven (DESIGN.md, "Payments"; issue 4, item 9).

Two generations of the shop serve one data directory at once, as they do
during a deploy: two lighttpd instances on two ports, each spawning the
FastCGI programs of its own build directory, and one shop-worker per
generation, all on the same four SQLite files and their lock files.

The "old" generation is a copy of build/cgi-bin and build/bin taken when
the test starts, so it is the same code run from other paths by other
processes: what is proven is that two independent sets of processes
sharing the files lose nothing, not that two different versions agree.
OVERLAP_OLD_BUILD names a build directory of another commit to use as the
old generation instead (cgi-bin/ and bin/ inside it).

While OVERLAP_SECONDS (default 60) of load run:
- OVERLAP_SHOPPERS (default 8) customers, each a thread with one cookie
  jar (half of them pause between clicks, half are in a hurry), buy in
  a loop: cart, checkout, pay at the test gateway (good card,
  declined then good, asynchronous success or failure, or abandon, some
  sessions expired at the gateway), the success page, a replayed or
  doubled POST /checkout, paying again. Every request goes to either
  instance; connection errors and 5xx are retried with the same jar, and
  a retried POST /checkout must find the same order.
- The gateway duplicates, delays, reorders and drops webhooks and fails
  some API calls, the fault profile changing every few seconds. Webhooks
  reach the shop through a small forwarding proxy (standing in for the
  front server of a deploy) that sends each to either generation, some to
  both at once, and answers 502 when the instance it chose is down, so
  the gateway retries.
- A chaos thread SIGKILLs a FastCGI process of either instance about
  every second (preferring one in the middle of a request), SIGKILLs a
  worker now and then and starts it again, and every few seconds restarts
  one instance gracefully: SIGUSR1 (lighttpd reloads in place) or SIGINT
  (it finishes what is in flight, then exits) and a new lighttpd on the
  same port.

Then the chaos stops, faults are cleared, the gateway delivers everything
it still owes, `shopctl reconcile` runs twice (the second must find
nothing to do), and `shopctl audit` must exit 0 with zero lost paid
orders, zero double charges, zero negative stock and every
sqlite_sequence id accounted for. The same is checked again here with
Python's sqlite3 against the gateway's own list of sessions, along with
what each customer was told, stock conservation and the webhook events
stored. The counts are printed as "overlap: key: value" lines.

OVERLAP_SEED makes a run's choices repeatable (the interleaving is not).
"""

import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import http.client
import http.server

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (BUILD, TEMPLATES, Lighttpd, at_exit, datadir, eq,  # noqa: E402
                      free_port, run, serving, shopctl, sql, tempdir, test)
from gateway import (CARD_ASYNC_FAIL, CARD_ASYNC_OK, CARD_DECLINED,  # noqa: E402
                     CARD_OK, Gateway)
from shopper import (JSON, RETRY_ERRORS, RETRY_STATUS, Browser,  # noqa: E402
                     body_json, checkout_form, session_of)

SECONDS = float(os.environ.get("OVERLAP_SECONDS", "60"))
SHOPPERS = int(os.environ.get("OVERLAP_SHOPPERS", "8"))
SEED = int(os.environ.get("OVERLAP_SEED", str(int(time.time()))))
OLD_BUILD = os.environ.get("OVERLAP_OLD_BUILD")
SUCCESS_GAP = 2.1       # SETTLE_SUCCESS_GAP (lib/shop/settle.h), and a bit

KILL_EVERY = (0.5, 1.5)         # seconds between two SIGKILLs
KILL_AIM = 0.4                  # seconds spent looking for a busy victim
RESTART_EVERY = 8.0             # seconds between two graceful restarts
WORKER_KILL_EVERY = 17.0
FAULTS_EVERY = 9.0
THINK = (0.05, 0.3)             # seconds a customer waits between clicks
# The programs that are killed, by weight: where the money moves most.
VICTIMS = {"checkout": 5, "webhooks": 3, "cart": 1, "catalog": 1}
# Variants bought from, and their stock at the start: plenty of most,
# and a few scarce ones for which carts compete for the last units.
POOL_SIZE = 14
POOL_STOCK = 400
SCARCE = 3
SCARCE_STOCK = 6

FAULT_PROFILES = [
    {"duplicate": 1, "drop": "0.15", "api_500": "0.02"},
    {"duplicate": 2, "delay": 1, "drop": "0.25", "slow_ms": 150},
    {"duplicate": 1, "reorder": 1, "api_500": "0.05", "lost_next": 3},
    {"duplicate": 1, "drop": "0.3", "api_500_next": 2, "slow_ms": 80},
]


class Stats:
    """Counters shared by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.c = collections.Counter()

    def inc(self, key, n=1):
        with self.lock:
            self.c[key] += n

    def __getitem__(self, key):
        with self.lock:
            return self.c[key]


stats = Stats()
failures = []                   # what shoppers found wrong (tracebacks)
failures_lock = threading.Lock()


def fail(msg):
    with failures_lock:
        failures.append(msg)


# ------------------------------------------------------------ generations

def old_generation():
    """A build directory for the old generation: OVERLAP_OLD_BUILD, or a
    copy of this build's programs in a directory of its own."""
    if OLD_BUILD:
        return os.path.abspath(OLD_BUILD)
    d = tempdir("overlap-old-")
    for sub in ("cgi-bin", "bin"):
        shutil.copytree(os.path.join(BUILD, sub), os.path.join(d, sub))
    return d


class Generation:
    """One generation of the shop: a lighttpd with its FastCGI programs,
    and a shop-worker, from one build directory."""

    def __init__(self, name, build, data, env, base_url):
        self.name = name
        self.build = build
        self.data = data
        self.env = env
        self.httpd = Lighttpd(data, build=build, env=env, base_url=base_url)
        self.port = self.httpd.port
        self.worker = None
        self.worker_log = os.path.join(self.httpd.run_dir, "worker.log")

    def start(self):
        self.httpd.start()
        self.start_worker()
        return self

    def start_worker(self):
        e = dict(self.env)
        e.update({
            "SHOP_DATA_DIR": self.data,
            "SHOP_TEMPLATE_DIR": TEMPLATES,
            "SHOP_WORKER_POLL_MS": "100",
            "SHOP_WORKER_LEASE_SECONDS": "6",
            "SHOP_JOB_BACKOFF_MS": "500",
            "SHOP_JOB_BACKOFF_MAX_MS": "3000",
            "SHOP_CHECKPOINT_SECONDS": "3",
            "SHOP_SCHEDULE_RECONCILE_PAYMENTS": "every 10s",
            "SHOP_SCHEDULE_RELEASE_RESERVATIONS": "every 5s",
            "SHOP_SCHEDULE_TRIM_CABLE": "off",
            "SHOP_SCHEDULE_EVICT_CACHE": "off",
            "SHOP_SCHEDULE_BACKUP": "off",
            "SHOP_SCHEDULE_SWEEP_SESSIONS": "off",
        })
        e.pop("SMTP_URL", None)
        log = open(self.worker_log, "ab")
        self.worker = subprocess.Popen(
            [os.path.join(self.build, "bin", "shop-worker")], env=e,
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        w = self.worker
        at_exit(lambda: (w.poll() is None and w.kill(), w.wait()))

    def kill_worker(self):
        self.worker.kill()
        self.worker.wait()
        self.start_worker()

    def stop_worker(self):
        if self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
                raise AssertionError(f"{self.name} worker ignored SIGTERM")

    def restart(self, in_place):
        """A graceful restart: SIGUSR1 (lighttpd reloads and respawns
        its programs on the same socket) or SIGINT then a new lighttpd."""
        p = self.httpd.proc
        if in_place:
            p.send_signal(signal.SIGUSR1)
            stats.inc("restarts in place (SIGUSR1)")
            return
        self.httpd.stop(graceful=True)
        if p.returncode not in (0, -signal.SIGINT):
            fail(f"{self.name}: lighttpd exited {p.returncode} on SIGINT")
        self.httpd.start()
        stats.inc("restarts stop and start (SIGINT)")


# ------------------------------------------------------------ webhooks

class WebhookProxy:
    """The front of the shop for the gateway's webhooks: each delivery
    goes to one generation, or to both at once (an event arriving twice
    together), and the answer is 2xx only when every copy got one."""

    def __init__(self, generations, rng):
        self.gens = generations
        self.rng = rng
        self.rng_lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status = proxy.forward(self.path, body, {
                    k: v for k, v in self.headers.items()
                    if k.lower() in ("stripe-signature", "content-type",
                                     "user-agent")})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.url = (f"http://127.0.0.1:{self.server.server_address[1]}"
                    "/webhooks/stripe")
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        at_exit(self.close)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def send(self, gen, path, body, headers, out, i):
        try:
            c = http.client.HTTPConnection("127.0.0.1", gen.port, timeout=10)
            c.request("POST", path, body=body, headers=headers)
            r = c.getresponse()
            r.read()
            c.close()
            out[i] = r.status
        except RETRY_ERRORS:
            out[i] = 502

    def forward(self, path, body, headers):
        with self.rng_lock:
            both = self.rng.random() < 0.25
            gens = list(self.gens) if both else [self.rng.choice(self.gens)]
        out = [0] * len(gens)
        t0 = time.monotonic()
        threads = [threading.Thread(target=self.send,
                                    args=(g, path, body, headers, out, i))
                   for i, g in enumerate(gens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats.inc("webhook requests to the shop", len(gens))
        stats.inc("webhook ms", int((time.monotonic() - t0) * 1000))
        if both:
            stats.inc("webhooks sent to both generations at once")
        bad = [s for s in out if not 200 <= s <= 299]
        if bad:
            stats.inc("webhook answers not 2xx (retried by the gateway)")
            return bad[0]
        return 200


# ------------------------------------------------------------ shoppers

class World:
    """What the customers did and were told, for the checks at the end."""

    def __init__(self, gens, gw, data, pool):
        self.gens = gens
        self.gw = gw
        self.data = data
        self.pool = pool
        self.stop = threading.Event()
        self.lock = threading.Lock()
        # order id -> {"token", "total", "expect", "session", "fate"}
        self.orders = {}

    def note_order(self, o):
        with self.lock:
            known = self.orders.setdefault(o["id"], {
                "token": o["token"], "total": o["total"], "expect": None,
                "session": None, "fate": None})
        if known["token"] != o["token"] or known["total"] != o["total"]:
            raise AssertionError(f"order {o['id']} answered with token "
                                 f"{o['token']} total {o['total']}, before "
                                 f"{known['token']} {known['total']}")
        return known

    def expect(self, oid, fate, state, session=None):
        with self.lock:
            self.orders[oid].update(fate=fate, expect=state, session=session)


class Shopper(threading.Thread):
    def __init__(self, n, world, seed):
        super().__init__(name=f"shopper-{n}", daemon=True)
        self.n = n
        self.w = world
        self.rng = random.Random(seed)
        self.b = Browser(world.gens[0].port)

    # Either instance, as a front server without health checks would
    # choose; the other one after a failure.
    def port(self, avoid=None):
        gens = [g for g in self.w.gens if g.port != avoid] or self.w.gens
        return self.rng.choice(gens).port

    def call(self, method, path, body=None, browser=None, seen=None):
        """A request to either instance, retried while the answer is a
        connection error or a 5xx; seen(resp) sees each 5xx answer."""
        b = browser or self.b
        last = None
        for attempt in range(60):
            b.to(self.port(avoid=last))
            try:
                r = b.request(method, path, body=body, headers=JSON,
                              timeout=30)
            except RETRY_ERRORS:
                stats.inc("client retries after a connection error")
                last = b.port
                time.sleep(min(0.05 * (attempt + 1), 0.5))
                continue
            if r.status not in RETRY_STATUS:
                return r
            stats.inc(f"client retries after HTTP {r.status}")
            if seen is not None:
                seen(r)
            last = b.port
            time.sleep(min(0.05 * (attempt + 1), 0.5))
        raise AssertionError(f"{method} {path}: no answer in 60 tries")

    def think(self):
        """A customer reads the page before the next click; every other
        one is a script in a hurry, which keeps the writers queueing for
        the lock (where a request's copy of an order goes stale)."""
        if self.n % 2 == 0:
            time.sleep(self.rng.uniform(*THINK))

    def run(self):
        while not self.w.stop.is_set():
            try:
                self.one_order()
            except Exception:
                fail(f"{self.name}:\n{traceback.format_exc()}")
                stats.inc("shopper errors")
                time.sleep(0.5)

    def saved_order(self, r):
        """A 503 of checkout that says the order is saved: note it."""
        j = body_json(r)
        if j is not None and isinstance(j.get("order"), dict):
            self.w.note_order(j["order"])

    def place(self, form, browser=None):
        """POST /checkout until it answers: ("ok", order, payment_url),
        or ("sold_out", None, None)."""
        r = self.call("POST", "/checkout", form, browser=browser,
                      seen=self.saved_order)
        j = body_json(r)
        if r.status in (200, 201) and j and j.get("ok"):
            stats.inc("checkout answers 201" if r.status == 201 else
                      "checkout answers 200 (same order again)")
            return "ok", j["order"], j["payment_url"]
        if r.status == 409 and re.search(r"sold out", r.text):
            return "sold_out", None, None
        raise AssertionError(f"POST /checkout: {r.status} {r.body[:500]!r}")

    def one_order(self):
        rng = self.rng
        # The cart: one or two variants of the pool.
        r = self.call("POST", "/cart/empty")
        if r.status not in (200, 303):
            raise AssertionError(f"POST /cart/empty: {r}")
        added = 0
        for v in rng.sample(self.w.pool, rng.choice((1, 1, 1, 2))):
            r = self.call("POST", "/cart/items", {
                "variant_id": v, "quantity": rng.choice((1, 1, 1, 2))})
            if r.status == 200:
                added += 1
            elif r.status in (409, 422):
                stats.inc("cart adds refused (not enough stock)")
            else:
                raise AssertionError(f"POST /cart/items: {r}")
        if added == 0:
            time.sleep(0.2)
            return
        self.think()
        r = self.call("GET", "/checkout")
        if r.status != 200:
            raise AssertionError(f"GET /checkout: {r}")
        page = r.json()
        if not page["can_order"]:
            stats.inc("checkout pages with nothing to buy")
            return
        form = checkout_form(page, email=f"s{self.n}@example.test")
        self.think()

        if rng.random() < 0.12:
            # A double click: the same form twice at once, maybe to both
            # generations. One order, one session.
            twin = self.b.twin()
            res = [None, None]

            def go(i, b):
                try:
                    res[i] = self.place(form, browser=b)
                except Exception as e:
                    res[i] = e
            ts = [threading.Thread(target=go, args=(0, self.b)),
                  threading.Thread(target=go, args=(1, twin))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            for x in res:
                if isinstance(x, Exception):
                    raise x
            stats.inc("double clicks (two POST /checkout at once)")
            if res[0][0] == "ok" and res[1][0] == "ok":
                eq(res[1][1]["id"], res[0][1]["id"], "double click order")
                eq(session_of(res[1][2]), session_of(res[0][2]),
                   "double click session")
            outcome, order, url = res[0] if res[0][0] == "ok" else res[1]
        else:
            outcome, order, url = self.place(form)
        if outcome == "sold_out":
            stats.inc("checkouts refused: sold out")
            return
        known = self.w.note_order(order)
        eq(order["total"], int(form["total"]), "order total")
        eq(order["state"], "pending_payment", "new order state")
        sid = session_of(url)
        stats.inc("orders placed")

        if rng.random() < 0.15:
            # The form sent again later (back button, reload).
            outcome, again, url2 = self.place(form)
            eq(outcome, "ok", "replayed checkout")
            eq(again["id"], order["id"], "replayed checkout order")
            eq(session_of(url2), sid, "replayed checkout session")
            stats.inc("checkouts replayed")

        token = order["token"]
        self.think()
        x = rng.random()
        if x < 0.55:
            self.pay(sid, CARD_OK)
            self.w.expect(order["id"], "paid", "paid", sid)
            self.after_paid(form, order, sid)
        elif x < 0.63:
            r = self.w.gw.pay(sid, card=CARD_DECLINED, want=402)
            stats.inc("cards declined")
            if rng.random() < 0.5:
                # Back to the shop, which hands out the same session.
                r = self.call("POST", f"/orders/{token}/pay")
                eq(r.status, 200, f"pay after a decline: {r.body[:300]!r}")
                eq(session_of(r.json()["payment_url"]), sid,
                   "session after a decline")
            self.pay(sid, CARD_OK)
            self.w.expect(order["id"], "declined, then paid", "paid", sid)
            self.after_paid(form, order, sid)
        elif x < 0.71:
            self.pay(sid, CARD_ASYNC_OK)
            self.w.expect(order["id"], "paid later (async)", "paid", sid)
        elif x < 0.75:
            self.pay(sid, CARD_ASYNC_FAIL)
            self.w.expect(order["id"], "async payment failed",
                          "cancelled", sid)
        elif x < 0.87:
            self.w.gw.expire_sessions(sid)
            stats.inc("sessions expired at the gateway")
            self.w.expect(order["id"], "abandoned, expired", "cancelled")
            if rng.random() < 0.3:
                # Coming back once the session is gone: it cannot be paid.
                r = self.call("GET", f"/orders/{token}")
                eq(r.status, 200, "order page")
        else:
            self.w.expect(order["id"], "abandoned", "pending_payment")
            if rng.random() < 0.5:
                r = self.call("POST", f"/orders/{token}/pay")
                eq(r.status, 200, f"pay an open order: {r.body[:300]!r}")
                eq(session_of(r.json()["payment_url"]), sid,
                   "session of an open order")
        del known

    def pay(self, sid, card):
        self.w.gw.pay(sid, card=card)
        stats.inc("payments made at the gateway")

    def after_paid(self, form, order, sid):
        rng = self.rng
        token = order["token"]
        self.think()
        if rng.random() < 0.6:
            # The success page asks the gateway and settles at once; if
            # the gateway fails, or this browser has spent its calls
            # (lib/shop/settle.h: 20 a minute per session, one at a time
            # per order, not again within 2 s), it shows the order as it
            # is, and the customer reloads a moment later. What is still
            # pending then the webhook or reconcile settles.
            for _ in range(3):
                r = self.call("GET", f"/checkout/success?session_id={sid}")
                eq(r.status, 200, f"success page: {r.body[:300]!r}")
                eq(r.json()["order"]["id"], order["id"],
                   "success page order")
                if r.json()["order"]["state"] == "paid":
                    break
                eq(r.json()["order"]["state"], "pending_payment",
                   "success page state")
                stats.inc("success pages reloaded (not settled yet)")
                time.sleep(SUCCESS_GAP)
            stats.inc("success pages seen")
            stats.inc("success pages seen paid" if r.json()["order"]["state"]
                      == "paid" else "success pages seen still pending")
        if rng.random() < 0.3:
            r = self.call("POST", f"/orders/{token}/pay")
            eq(r.status, 409, f"paying a paid order: {r.body[:300]!r}")
            eq(r.json()["order"]["state"], "paid", "paid order state")
            stats.inc("second payments refused")
        if rng.random() < 0.1:
            r = self.call("POST", "/checkout", form)
            eq(r.status, 409, f"checkout replayed once paid: "
               f"{r.body[:300]!r}")
            eq(r.json()["order"]["id"], order["id"], "replay once paid")
            stats.inc("checkouts replayed once paid (refused)")


# ------------------------------------------------------------ chaos

class Chaos(threading.Thread):
    def __init__(self, world, seed):
        super().__init__(name="chaos", daemon=True)
        self.w = world
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            self.loop()
        except Exception:
            self.error = traceback.format_exc()

    def loop(self):
        rng = self.rng
        now = time.monotonic()
        next_kill = now + rng.uniform(*KILL_EVERY)
        next_restart = now + RESTART_EVERY / 2
        next_worker = now + WORKER_KILL_EVERY / 2
        next_faults = now + FAULTS_EVERY
        restarts = 0
        profile = 0
        while not self.stop.wait(0.05):
            now = time.monotonic()
            if now >= next_kill:
                self.kill_one()
                next_kill = now + rng.uniform(*KILL_EVERY)
            if now >= next_faults:
                profile = (profile + 1) % len(FAULT_PROFILES)
                self.w.gw.set_faults(**FAULT_PROFILES[profile])
                stats.inc("fault profile changes")
                next_faults = now + FAULTS_EVERY
            if now >= next_worker:
                g = rng.choice(self.w.gens)
                g.kill_worker()
                stats.inc("workers killed (SIGKILL) and started again")
                next_worker = now + WORKER_KILL_EVERY
            if now >= next_restart:
                g = self.w.gens[restarts % 2]
                # The restart blocks this thread while the instance
                # drains; the kills go on in a thread of their own.
                t = threading.Thread(target=self.kills_for, args=(2.0,))
                t.start()
                g.restart(in_place=restarts % 4 in (0, 3))
                t.join()
                restarts += 1
                next_restart = time.monotonic() + RESTART_EVERY

    def kills_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.stop.is_set():
            time.sleep(self.rng.uniform(*KILL_EVERY))
            self.kill_one()

    def kill_one(self):
        """SIGKILL a FastCGI process of either instance: mostly one
        caught serving a request (watched for up to KILL_AIM seconds),
        otherwise any, by VICTIMS' weights."""
        g = self.rng.choice(self.w.gens)
        p = g.httpd.proc
        if p is None or p.poll() is not None:
            return
        procs, working = [], []
        end = time.monotonic() + (KILL_AIM if self.rng.random() < 0.8
                                  else 0)
        while True:
            procs = [(pid, name) for pid, name in g.httpd.children()
                     if name in VICTIMS]
            working = [x for x in procs if serving(x[0])]
            if working or time.monotonic() >= end:
                break
            time.sleep(0.01)
        if not procs:
            return
        if working:
            pick = self.rng.choice(working)
        else:
            pick = self.rng.choices(procs,
                                    [VICTIMS[n] for _, n in procs])[0]
        was_busy = serving(pick[0])
        try:
            os.kill(pick[0], signal.SIGKILL)
        except ProcessLookupError:
            return
        stats.inc("FastCGI processes killed (SIGKILL)")
        stats.inc(f"killed: {pick[1]}")
        if was_busy:
            stats.inc("killed while serving a request")


# ------------------------------------------------------------ the test

def parse_kv(text):
    """The "key: value" lines of shopctl's answers."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition(": ")
        if sep and re.fullmatch(r"-?[0-9]+", v.strip()):
            out[k.strip()] = int(v)
    return out


def gateway_sessions(gw):
    """Every Checkout Session the gateway has, from its API."""
    out, after = [], None
    while True:
        p = {"limit": 100}
        if after:
            p["starting_after"] = after
        page = gw.api("GET", "/v1/checkout/sessions", p)
        out.extend(page["data"])
        if not page["has_more"] or not page["data"]:
            return out
        after = page["data"][-1]["id"]


def say(key, value):
    print(f"overlap: {key}: {value}")
    sys.stdout.flush()


@test
def two_generations_under_chaos_lose_nothing():
    rng = random.Random(SEED)
    say("seed", SEED)
    data = datadir(seed=True)
    # The variants bought from: in stock, for sale, priced in EUR.
    rows = sql(data, "SELECT v.id FROM variants v JOIN products p ON "
               "p.id = v.product_id WHERE v.active AND p.active AND "
               "v.currency = 'EUR' ORDER BY v.id")
    pool = sorted(rng.sample([r[0] for r in rows], POOL_SIZE))
    sql(data, f"UPDATE variants SET stock = {POOL_STOCK} WHERE id IN "
        f"({','.join('?' * len(pool))})", pool)
    sql(data, f"UPDATE variants SET stock = {SCARCE_STOCK} WHERE id IN "
        f"({','.join('?' * SCARCE)})", pool[:SCARCE])
    stock0 = dict(sql(data, "SELECT id, stock FROM variants"))

    gens = []
    proxy = WebhookProxy(gens, random.Random(SEED + 1))
    gw = Gateway(webhook_url=proxy.url,
                 faults=",".join(f"{k}={v}" for k, v in
                                 FAULT_PROFILES[0].items())).start()
    env = gw.shop_env()
    env["SHOP_INSECURE_FAST_PWHASH"] = "1"
    # Both generations are one shop: one public URL, as behind a front
    # server, so the sessions they ask the gateway for are the same.
    base = f"http://127.0.0.1:{free_port()}"
    gens.append(Generation("old", old_generation(), data, env, base))
    gens.append(Generation("new", BUILD, data, env, base))
    for g in gens:
        g.start()
    say("old generation", gens[0].build)
    say("new generation", gens[1].build)

    world = World(gens, gw, data, pool)
    shoppers = [Shopper(i, world, SEED * 100 + i) for i in range(SHOPPERS)]
    chaos = Chaos(world, SEED + 2)
    t0 = time.monotonic()
    for s in shoppers:
        s.start()
    chaos.start()
    world.stop.wait(SECONDS)
    world.stop.set()
    for s in shoppers:
        s.join(90)
        if s.is_alive():
            fail(f"{s.name} still busy 90 s after the load ended")
    chaos.stop.set()
    chaos.join(60)
    say("load seconds", round(time.monotonic() - t0, 1))
    if chaos.error:
        fail(f"chaos:\n{chaos.error}")

    # Everything up, no faults, everything the gateway owes delivered.
    for g in gens:
        if g.httpd.proc.poll() is not None:
            g.httpd.start()
    gw.set_faults(reset=True)
    time.sleep(2)               # asynchronous payments settle
    end = time.monotonic() + 120
    while True:
        pending = [d for d in gw.flush() if d["state"] == "pending"]
        if not pending:
            break
        if time.monotonic() > end:
            raise AssertionError(f"{len(pending)} deliveries still pending: "
                                 f"{pending[:3]}")
        time.sleep(0.5)
    say("drain seconds", round(time.monotonic() - t0 - SECONDS, 1))
    for g in gens:
        g.stop_worker()

    # Reconcile, twice: the second run finds nothing left to do.
    shop_env = dict(gw.shop_env())
    r1 = shopctl("reconcile", data_dir=data, env=shop_env, check=False)
    r2 = shopctl("reconcile", data_dir=data, env=shop_env, check=False)
    rec1, rec2 = parse_kv(r1.stdout), parse_kv(r2.stdout)
    audit = shopctl("audit", data_dir=data, env=shop_env, check=False)
    a = parse_kv(audit.stdout)

    # What the gateway and the database say, read independently.
    sessions = gateway_sessions(gw)
    paid = [s for s in sessions
            if s["status"] == "complete" and s["payment_status"] == "paid"]
    deliveries = gw.deliveries()
    events = gw.events()
    orders = {r[0]: r[1:] for r in sql(
        data, "SELECT id, state, total, token, coalesce(session_id, ''), "
        "stock_held, recovered FROM orders")}
    payments = sql(data, "SELECT order_id, session_id, amount FROM payments")
    stored = set(r[0] for r in sql(data, "SELECT event_id FROM "
                                   "payment_events"))
    by_source = dict(sql(data, "SELECT source, count(*) FROM order_events "
                         "WHERE to_state = 'paid' GROUP BY source"))
    audit_kinds = dict(sql(data, "SELECT kind, count(*) FROM audit_log "
                           "GROUP BY kind"))

    # The numbers, for the record: the whole list, then a summary.
    dstate = collections.Counter(d["state"] for d in deliveries)
    per_event = collections.Counter(d["event"] for d in deliveries)
    lost_events = [e["id"] for e in events if not any(
        d["state"] == "delivered" for d in e["deliveries"])]
    states = collections.Counter(o[0] for o in orders.values())
    kills = stats["FastCGI processes killed (SIGKILL)"]
    detail = {
        "orders created": len(orders),
        "orders known to the customers": len(world.orders),
        "sessions at the gateway": len(sessions),
        "paid at the gateway": len(paid),
        "paid here": states["paid"],
        "cancelled": states["cancelled"],
        "left pending (abandoned)": states["pending_payment"],
        "recovered by reconcile (rebuilt orders)":
            sum(1 for o in orders.values() if o[5]),
        "audit log": dict(sorted(audit_kinds.items())),
        "webhook events": len(events),
        "webhook deliveries": len(deliveries),
        "deliveries delivered": dstate["delivered"],
        "deliveries dropped (fault)": dstate["dropped"],
        "deliveries retried (attempts beyond the first)":
            sum(max(d["attempts"] - 1, 0) for d in deliveries),
        "events sent more than once (duplicate fault)":
            sum(1 for n in per_event.values() if n > 1),
        "events never delivered (every copy dropped)": len(lost_events),
        "events stored by the shop": len(stored),
        "webhook forward ms (mean)": round(
            stats["webhook ms"] / max(stats["webhook requests to the shop"],
                                      1), 1),
        "reconcile 1": rec1,
        "reconcile 2": rec2,
    }
    for src in ("webhook", "success_page", "checkout", "reconcile",
                "expiry"):
        detail[f"marked paid by {src}"] = by_source.get(src, 0)
    # Reconcile cannot tell a failed asynchronous payment from one still
    # on its way (the session stays complete and unpaid): without the
    # failure's webhook such an order keeps its stock.
    detail["async failures never heard of (left pending)"] = sum(
        1 for oid, w in world.orders.items()
        if w["fate"] == "async payment failed" and
        orders[oid][0] == "pending_payment")
    for k, v in stats.c.items():
        if k != "webhook ms":
            detail[k] = v
    for k in sorted(detail):
        say(k, detail[k])
    print(audit.stdout)
    summary = [
        ("load", f"{SECONDS:g} s, {SHOPPERS} customers, seed {SEED}"),
        ("orders created", len(orders)),
        ("paid at the gateway", len(paid)),
        ("paid here", states["paid"]),
        ("marked paid by webhook / success page / pay or checkout again / "
         "reconcile", " / ".join(str(by_source.get(k, 0)) for k in (
             "webhook", "success_page", "checkout", "reconcile"))),
        ("recovered (rebuilt) by reconcile", detail[
            "recovered by reconcile (rebuilt orders)"]),
        ("cancelled / left pending", f"{states['cancelled']} / "
         f"{states['pending_payment']}"),
        ("webhook deliveries: delivered / dropped / retried",
         f"{dstate['delivered']} / {dstate['dropped']} / "
         f"{detail['deliveries retried (attempts beyond the first)']}"),
        ("webhooks duplicated: events sent twice or more / sent to both "
         "generations at once", f"{detail['events sent more than once (duplicate fault)']} / "
         f"{stats['webhooks sent to both generations at once']}"),
        ("FastCGI processes killed / of them mid-request",
         f"{kills} / {stats['killed while serving a request']}"),
        ("graceful restarts (SIGUSR1 / SIGINT)",
         f"{stats['restarts in place (SIGUSR1)']} / "
         f"{stats['restarts stop and start (SIGINT)']}"),
        ("workers killed", stats["workers killed (SIGKILL) and started "
                                 "again"]),
        ("client retries (5xx or connection)", sum(
            v for k, v in stats.c.items() if k.startswith("client retries"))),
    ]
    for k in ("lost paid orders", "double charges", "negative stock",
              "orders missing", "payments missing", "payment_events missing",
              "order_events missing", "findings"):
        summary.append((f"audit: {k}", a.get(k)))
    for k, v in summary:
        print(f"overlap summary: {k}: {v}")
    sys.stdout.flush()

    # ---- the verdict
    if failures:
        raise AssertionError(f"{len(failures)} failures during the load:\n"
                             + "\n".join(failures[:8]))
    # Bounded as it is, the success page still settles at once for many.
    if stats["success pages seen"] and not stats["success pages seen paid"]:
        raise AssertionError("no success page showed its order paid")
    eq(r1.returncode, 0, f"shopctl reconcile: {r1.stdout}{r1.stderr}")
    eq(r2.returncode, 0, f"shopctl reconcile again: {r2.stdout}{r2.stderr}")
    for k in ("marked paid", "recovered orders", "cancelled (expired)",
              "expired at the gateway", "released without a session",
              "sessions attached", "errors"):
        eq(rec2.get(k), 0, f"second reconcile: {k}")
    eq(audit.returncode, 0, f"shopctl audit:\n{audit.stdout}{audit.stderr}")
    for k in ("lost paid orders", "double charges", "negative stock",
              "orders missing", "payments missing", "payment_events missing",
              "order_events missing", "totals not matching lines",
              "paid without a payment", "payments on unpaid orders",
              "payments not matching totals", "events matching no order",
              "findings"):
        eq(a.get(k), 0, f"audit: {k}")
    eq(a.get("paid sessions at the gateway"), len(paid),
       "audit: paid sessions")
    eq(a.get("paid orders"), len(paid), "audit: paid orders")

    # Every paid session is exactly one paid order, for its amount.
    pay_by_session = collections.defaultdict(list)
    for oid, sid, amount in payments:
        pay_by_session[sid].append((oid, amount))
    per_order = collections.Counter()
    for s in paid:
        oid = int(s["metadata"]["order_id"])
        per_order[oid] += 1
        eq(pay_by_session.get(s["id"]), [(oid, s["amount_total"])],
           f"payment of session {s['id']}")
        eq(orders[oid][0], "paid", f"order {oid} of paid session {s['id']}")
        eq(orders[oid][1], s["amount_total"], f"order {oid} total")
    eq([o for o, n in per_order.items() if n > 1], [],
       "orders paid by two sessions")
    eq(len(payments), len(paid), "payments here, paid sessions there")
    eq(sum(p[2] for p in payments), sum(s["amount_total"] for s in paid),
       "money here, money there")
    eq(sum(1 for o in orders.values() if o[0] == "paid"), len(paid),
       "paid orders")

    # Every order is one a customer was told about, in the state that
    # follows from what the customer did.
    eq(sorted(orders), sorted(world.orders), "orders here, orders told")
    wrong = []
    for oid, w in world.orders.items():
        state = orders[oid][0]
        if w["expect"] is None:
            wrong.append((oid, "no fate", state))
        elif w["fate"] == "async payment failed":
            # Its failure is only said by a webhook; when every copy of
            # it was dropped, the order waits (its hold runs on).
            if state not in ("cancelled", "pending_payment"):
                wrong.append((oid, w["fate"], state))
        elif state != w["expect"]:
            wrong.append((oid, w["fate"], state))
        if w["session"] and w["expect"] == "paid" and \
                orders[oid][3] != w["session"]:
            wrong.append((oid, "paid by", orders[oid][3], w["session"]))
    eq(wrong, [], "orders not where their customers left them")

    # Stock: what left the shelves is what orders still hold.
    stock = dict(sql(data, "SELECT id, stock FROM variants"))
    held = collections.Counter()
    for vid, qty in sql(data, "SELECT l.variant_id, l.quantity FROM "
                        "order_lines l JOIN orders o ON o.id = l.order_id "
                        "WHERE o.stock_held AND l.variant_id IS NOT NULL"):
        held[vid] += qty
    eq({v: stock0[v] - stock[v] for v in stock if stock0[v] != stock[v]},
       {v: n for v, n in held.items() if n}, "stock taken, stock held")
    eq([v for v, n in stock.items() if n < 0], [], "negative stock")

    # Webhook events: stored once each, exactly those delivered.
    delivered = set(e["id"] for e in events) - set(lost_events)
    eq(sorted(stored - delivered), [], "events stored, never delivered")
    eq(sorted(delivered - stored), [], "events delivered, not stored")

    # The chaos happened.
    if stats["FastCGI processes killed (SIGKILL)"] < SECONDS / 2:
        raise AssertionError("too few processes killed")
    if stats["restarts in place (SIGUSR1)"] + \
            stats["restarts stop and start (SIGINT)"] < 2:
        raise AssertionError("too few restarts")
    if len(paid) < 10:
        raise AssertionError(f"only {len(paid)} orders paid")


if __name__ == "__main__":
    run()
