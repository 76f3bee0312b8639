"""The test payment gateway (tests/gateway/) for Python tests: start it on
a free port behind its own lighttpd with given secrets and faults, call its
API and control endpoints, and receive its webhooks.

    gw = Gateway(webhook_url=hooks.url).start()
    s = gw.create_session(order_id=42)
    gw.pay(s["id"])                       # as the hosted page would
    hooks.wait(1)

Standard library only; uses shoptest for ports, directories and clients.
"""

import hashlib
import hmac
import http.server
import json
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse

import shoptest
from shoptest import BUILD, ROOT, Client, at_exit, fill, free_port, tempdir, \
    wait_port

CARD_OK = "4242424242424242"
CARD_ASYNC_OK = "4000000000002503"
CARD_ASYNC_FAIL = "4000000000002602"
CARD_DECLINED = "4000000000000002"
CARD_NO_FUNDS = "4000000000009995"


def stripe_signature(secret, t, body):
    """The v1 signature Stripe puts in Stripe-Signature, computed here
    independently of the C code."""
    if isinstance(body, str):
        body = body.encode()
    return hmac.new(secret.encode(), str(t).encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def verify_signature(header, body, secret, tolerance=300, now=None):
    """True when a Stripe-Signature header signs body with secret."""
    now = time.time() if now is None else now
    items = [p.split("=", 1) for p in header.split(",")]
    ts = [v for k, v in items if k == "t"]
    sigs = [v for k, v in items if k == "v1"]
    if len(ts) != 1 or not sigs:
        return False
    want = stripe_signature(secret, ts[0], body)
    if not any(hmac.compare_digest(want, s) for s in sigs):
        return False
    return abs(now - int(ts[0])) <= tolerance


def form_pairs(params, prefix=""):
    """Stripe's bracket syntax from nested dicts and lists:
    {"metadata": {"a": 1}} -> [("metadata[a]", "1")]."""
    out = []
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for k, v in items:
        key = f"{prefix}[{k}]" if prefix else str(k)
        if isinstance(v, (dict, list)):
            out.extend(form_pairs(v, key))
        elif v is not None:
            out.append((key, str(v)))
    return out


class Gateway:
    """The gateway behind lighttpd on a free loopback port."""

    def __init__(self, webhook_url=None, faults="", secret_key=None,
                 webhook_secret=None, build=None, port=None, env=None,
                 data_dir=None):
        self.build = os.path.abspath(build or BUILD)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.secret_key = secret_key or "sk_test_" + secrets.token_hex(12)
        self.webhook_secret = (webhook_secret or
                               "whsec_" + secrets.token_hex(16))
        self.webhook_url = webhook_url
        self.data_dir = data_dir or tempdir("gwdata-")
        self.run_dir = tempdir("gwrun-")
        self.conf = os.path.join(self.run_dir, "lighttpd.conf")
        self.env = dict(os.environ)
        self.env.update({
            "GATEWAY_SECRET_KEY": self.secret_key,
            "GATEWAY_WEBHOOK_SECRET": self.webhook_secret,
            "GATEWAY_FAULTS": faults,
        })
        if webhook_url:
            self.env["GATEWAY_WEBHOOK_URL"] = webhook_url
        else:
            self.env.pop("GATEWAY_WEBHOOK_URL", None)
        self.env.update(env or {})
        fill(os.path.join(ROOT, "tests", "gateway", "lighttpd.conf.in"),
             self.conf, {
                 "ROOT": ROOT, "BUILD": self.build, "PORT": self.port,
                 "DATA": self.data_dir, "RUN": self.run_dir,
                 "BASE_URL": self.base_url,
             })
        self.proc = None

    # ------------------------------------------------------- process

    def start(self):
        self.log = open(os.path.join(self.run_dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen(["lighttpd", "-D", "-f", self.conf],
                                     env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        at_exit(self.stop)
        wait_port(self.port, proc=self.proc)
        # The FastCGI process is up once it answers.
        end = time.monotonic() + 10
        while True:
            r = self.request("GET", "/_gateway/faults")
            if r.status == 200:
                break
            if time.monotonic() > end:
                raise AssertionError(f"gateway not ready: {r} "
                                     f"{self.error_log()[-2000:]}")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def error_log(self):
        """lighttpd's error log and the gateway's own log lines."""
        out = ""
        for name in ("gateway-error.log", "stderr.log"):
            try:
                with open(os.path.join(self.run_dir, name), "rb") as f:
                    out += f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                pass
        return out

    def api_calls(self, method, path):
        """How many API requests for method and path this gateway has
        begun to answer: its processes log each at debug level, so it
        must run with env={"SHOP_LOG_LEVEL": "debug"}."""
        return self.error_log().count(f'msg="api: {method} {path}"')

    def shop_env(self):
        """What the shop's processes need to talk to this gateway."""
        return {
            "STRIPE_API_BASE": self.base_url,
            "STRIPE_SECRET_KEY": self.secret_key,
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
        }

    # ------------------------------------------------------- HTTP

    def request(self, method, path, params=None, key=None, idem=None,
                headers=None, timeout=30):
        """An API or control request with Bearer auth; params (dict or
        list of pairs) go form-encoded in the body of a POST, in the
        query of a GET."""
        h = {"Authorization": "Bearer " + (self.secret_key if key is None
                                           else key)}
        if key == "":
            del h["Authorization"]
        if idem is not None:
            h["Idempotency-Key"] = idem
        h.update(headers or {})
        pairs = form_pairs(params) if isinstance(params, dict) else \
            list(params or [])
        body = None
        if method == "GET":
            if pairs:
                path += "?" + urllib.parse.urlencode(pairs)
        else:
            body = urllib.parse.urlencode(pairs)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        return Client(self.port).request(method, path, body=body, headers=h,
                                         timeout=timeout)

    def api(self, method, path, params=None, want=200, **kw):
        r = self.request(method, path, params, **kw)
        shoptest.status(r, want)
        return r.json()

    def session_params(self, order_id=42, items=None, currency="eur",
                       success="http://shop.test/checkout/success"
                               "?session_id={CHECKOUT_SESSION_ID}",
                       cancel="http://shop.test/checkout/cancel", **extra):
        items = items or [("Espresso cup", 1250, 2)]
        p = {
            "mode": "payment",
            "line_items": [
                {"price_data": {"currency": currency, "unit_amount": amount,
                                "product_data": {"name": name}},
                 "quantity": qty}
                for name, amount, qty in items],
            "client_reference_id": str(order_id),
            "metadata": {"order_id": str(order_id)},
            "payment_intent_data": {"metadata": {"order_id": str(order_id)}},
            "success_url": success,
            "cancel_url": cancel,
        }
        p.update(extra)
        return p

    def create_session(self, idem=None, **kw):
        return self.api("POST", "/v1/checkout/sessions",
                        self.session_params(**kw), idem=idem)

    def pay(self, session_id, card=CARD_OK, want=200, **fields):
        """Pay without a browser, as the hosted page would."""
        fields["card"] = card
        return self.api("POST", f"/_gateway/sessions/{session_id}/pay",
                        fields, want=want)

    def faults(self):
        return self.api("GET", "/_gateway/faults")

    def set_faults(self, reset=True, **faults):
        p = [("reset", "1")] if reset else []
        p += [(k, str(v)) for k, v in faults.items()]
        return self.api("POST", "/_gateway/faults", p)

    def events(self, type=None):
        return self.api("GET", "/_gateway/events",
                        {"type": type} if type else None)["data"]

    def deliveries(self):
        return self.api("GET", "/_gateway/deliveries")["data"]

    def flush(self):
        return self.api("POST", "/_gateway/deliveries/flush")["data"]

    def expire_sessions(self, *ids):
        return self.api("POST", "/_gateway/sessions/expire",
                        [("id", i) for i in ids])["expired"]

    def wait_events(self, n, type=None, timeout=10):
        end = time.monotonic() + timeout
        while True:
            ev = self.events(type)
            if len(ev) >= n:
                return ev
            if time.monotonic() > end:
                raise AssertionError(f"{len(ev)} {type or ''} events after "
                                     f"{timeout}s, want {n}: {ev}")
            time.sleep(0.05)


class WebhookReceiver:
    """A small HTTP server that records webhook requests and answers each
    with the next status of a script (then 200)."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        self.lock = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with receiver.lock:
                    status = (receiver.statuses.pop(0)
                              if receiver.statuses else 200)
                    receiver.requests.append({
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": body,
                        "json": json.loads(body),
                        "time": time.time(),
                        "status": status,
                    })
                    receiver.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhooks/stripe"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        at_exit(self.close)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.lock:
            self.requests = []
            self.statuses = []

    def about(self, object_id):
        """The requests whose event is about object_id (a session id, or
        a payment intent for charges)."""
        with self.lock:
            return [r for r in self.requests
                    if object_id in (r["json"]["data"]["object"].get("id"),
                                     r["json"]["data"]["object"].get(
                                         "payment_intent"))]

    def answer(self, *statuses):
        with self.lock:
            self.statuses = list(statuses)

    def wait(self, n, timeout=10):
        """The first n requests, waiting for them up to timeout."""
        end = time.monotonic() + timeout
        with self.lock:
            while len(self.requests) < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.requests)} webhooks after {timeout}s, "
                        f"want {n}: "
                        f"{[r['json']['type'] for r in self.requests]}")
                self.lock.wait(left)
            return list(self.requests[:n])

    def quiet(self, seconds):
        """All requests after nothing more arrived for seconds."""
        with self.lock:
            n = -1
            while n != len(self.requests):
                n = len(self.requests)
                self.lock.wait(seconds)
            return list(self.requests)

    def types(self):
        with self.lock:
            return [r["json"]["type"] for r in self.requests]
