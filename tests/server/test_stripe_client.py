"""lib/ext/stripe.c against the real test gateway, through
build/tests/tools/stripe_cli: sessions, payments, lists, refunds,
idempotent retries, 5xx retries, timeouts and connection failures, and
reading the webhook events the gateway sends."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from shoptest import BUILD, ROOT, contains, eq, free_port, run, test  # noqa
from gateway import (CARD_ASYNC_OK, Gateway, WebhookReceiver,  # noqa
                     stripe_signature)

hooks = WebhookReceiver()
gw = Gateway(webhook_url=hooks.url).start()
ASAN_CLI = os.path.join(ROOT, "build", "asan", "test", "tests", "tools",
                        "stripe_cli")


def cli(*args, env=None, stdin=b"", tool=None, want=None):
    """Run stripe_cli; returns (exit status, JSON answer, seconds)."""
    e = dict(os.environ)
    e.update(gw.shop_env())
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run([tool or os.path.join(BUILD, "tests", "tools",
                                             "stripe_cli"), *args],
                       env=e, input=stdin, capture_output=True, timeout=60)
    took = time.monotonic() - t0
    if p.returncode not in (0, 1):
        raise AssertionError(f"stripe_cli {args}: exit {p.returncode}\n"
                             f"{p.stdout!r}\n{p.stderr.decode()[-3000:]}")
    out = json.loads(p.stdout)
    if want is not None and out["ok"] != want:
        raise AssertionError(f"stripe_cli {args}: {out}")
    eq(p.returncode, 0 if out["ok"] else 1, "exit status")
    return out, took


def create(order, idem=None, *extra, **kw):
    return cli("create", f"idem={idem or f'order-{order}-session-1'}",
               "currency=EUR", "item=Espresso cup:1250:2", "item=Tea:500:1",
               f"order={order}", f"ref={order}",
               "cancel=http://shop.test/checkout/cancel", *extra, **kw)


def about(object_id, n, timeout=8):
    """The first n webhooks about a session or payment intent."""
    end = time.monotonic() + timeout
    while len(hooks.about(object_id)) < n:
        if time.monotonic() > end:
            raise AssertionError(f"webhooks about {object_id}: "
                                 f"{hooks.types()}")
        time.sleep(0.05)
    return hooks.about(object_id)[:n]


def sessions_for(ref):
    listed = gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]
    return [s for s in listed if s["client_reference_id"] == str(ref)]


@test
def session_lifecycle():
    gw.set_faults()
    start = int(time.time())
    out, _ = create(101, "order-101-session-1", "email=ada@example.com",
                    want=True)
    s = out["session"]
    eq(out["attempts"], 1)
    eq((s["status"], s["payment_status"], s["amount_total"], s["currency"],
        s["client_reference_id"], s["customer_email"], s["payment_intent"]),
       ("open", "unpaid", 3000, "eur", "101", "ada@example.com", None))
    eq(s["metadata"], {"order_id": "101", "order_token": "tok-101"})
    eq(s["url"], f"{gw.base_url}/c/pay/{s['id']}")
    assert s["expires_at"] - s["created"] == 86400

    got, _ = cli("get", s["id"], want=True)
    eq(got["session"], s)

    gw.pay(s["id"])
    got, _ = cli("get", s["id"], want=True)
    paid = got["session"]
    eq((paid["status"], paid["payment_status"], paid["url"]),
       ("complete", "paid", None))
    assert paid["payment_intent"].startswith("pi_")

    listed, _ = cli("list", f"since={start}", "limit=100", want=True)
    eq([x for x in listed["data"] if x["id"] == s["id"]], [paid])

    items, _ = cli("line-items", s["id"], want=True)
    eq([(i["description"], i["quantity"], i["unit_amount"],
         i["amount_total"], i["currency"]) for i in items["data"]],
       [("Espresso cup", 2, 1250, 2500, "eur"), ("Tea", 1, 500, 500, "eur")])

    r1, _ = cli("refund", paid["payment_intent"], "1000",
                "idem=order-101-refund-1", want=True)
    eq((r1["refund"]["amount"], r1["refund"]["status"],
        r1["refund"]["payment_intent"], r1["refund"]["currency"]),
       (1000, "succeeded", paid["payment_intent"], "eur"))
    again, _ = cli("refund", paid["payment_intent"], "1000",
                   "idem=order-101-refund-1", want=True)
    eq(again["refund"]["id"], r1["refund"]["id"])
    over, _ = cli("refund", paid["payment_intent"], "5000",
                  "idem=order-101-refund-2", want=False)
    eq((over["error"]["kind"], over["error"]["code"],
        over["error"]["param"], over["error"]["attempts"]),
       ("request", "amount_too_large", "amount", 1))


@test
def refunds_with_reason_metadata_get_and_list():
    gw.set_faults()
    out, _ = create(109, want=True)
    sid = out["session"]["id"]
    gw.pay(sid)
    pi = gw.api("GET", f"/v1/checkout/sessions/{sid}")["payment_intent"]
    r1, _ = cli("refund", pi, "700", "idem=order-109-refund-1",
                "reason=requested_by_customer", "meta=refund_id:1",
                "meta=order_id:109", want=True)
    re1 = r1["refund"]
    eq((re1["amount"], re1["status"], re1["reason"], re1["currency"],
        re1["metadata"]),
       (700, "succeeded", "requested_by_customer", "eur",
        {"refund_id": "1", "order_id": "109"}))
    assert re1["charge"].startswith("ch_") and re1["created"] > 0, re1
    got, _ = cli("refund-get", re1["id"], want=True)
    eq(got["refund"], re1)
    # The same key, the same parameters: the same refund, not a second.
    again, _ = cli("refund", pi, "700", "idem=order-109-refund-1",
                   "reason=requested_by_customer", "meta=refund_id:1",
                   "meta=order_id:109", want=True)
    eq(again["refund"], re1)
    # The same key with another amount: refused as the caller's bug.
    bad, _ = cli("refund", pi, "800", "idem=order-109-refund-1", want=False)
    eq((bad["error"]["kind"], bad["error"]["unknown_outcome"]),
       ("idempotency", False))
    r2, _ = cli("refund", pi, "300", "idem=order-109-refund-2", want=True)
    listed, _ = cli("refunds", f"pi={pi}", want=True)
    eq(([r["id"] for r in listed["data"]], listed["has_more"]),
       ([r2["refund"]["id"], re1["id"]], False))
    eq(listed["data"][1], re1)
    page, _ = cli("refunds", f"pi={pi}", "limit=1",
                  f"after={r2['refund']['id']}", want=True)
    eq(([r["id"] for r in page["data"]], page["has_more"]), ([re1["id"]],
                                                               False))
    missing, _ = cli("refund-get", "re_missing", want=False)
    eq((missing["error"]["kind"], missing["error"]["status"]),
       ("not_found", 404))
    # A lost answer: retried with the same key, refunded once.
    gw.set_faults(lost_next=1)
    r3, _ = cli("refund", pi, "100", "idem=order-109-refund-3", want=True)
    eq(r3["attempts"], 2)
    gw.set_faults()
    listed, _ = cli("refunds", f"pi={pi}", want=True)
    eq([r["amount"] for r in listed["data"]], [100, 300, 700])


@test
def idempotent_create_returns_the_same_session():
    gw.set_faults()
    a, _ = create(102, want=True)
    b, _ = create(102, want=True)
    eq(b["session"]["id"], a["session"]["id"])
    eq(len(sessions_for(102)), 1)
    # The same key with other parameters is the caller's bug.
    c, _ = cli("create", "idem=order-102-session-1", "currency=EUR",
               "item=Other:1:1", want=False)
    eq((c["error"]["kind"], c["error"]["type"], c["error"]["status"]),
       ("idempotency", "idempotency_error", 400))
    eq(c["error"]["unknown_outcome"], False)


@test
def retried_after_500():
    gw.set_faults(api_500_next=1)
    out, _ = create(103, want=True)
    eq(out["attempts"], 2)
    eq(len(sessions_for(103)), 1)
    eq(gw.faults()["api_500_next"], 0)


@test
def lost_answer_retried_with_the_same_key():
    """The request took effect but its answer was lost: the retry with
    the same Idempotency-Key gets the first session, not a second one."""
    gw.set_faults(lost_next=1)
    out, _ = create(104, want=True)
    eq(out["attempts"], 2)
    (only,) = sessions_for(104)
    eq(only["id"], out["session"]["id"])


@test
def bad_500_every_time():
    gw.set_faults(api_500="all")
    out, took = cli("get", "cs_test_whatever", want=False)
    e = out["error"]
    eq((e["kind"], e["status"], e["attempts"], e["type"]),
       ("server", 500, 3, "api_error"))
    eq(e["unknown_outcome"], True)
    contains(e["message"], "GET /v1/checkout/sessions/cs_test_whatever: "
                           "Stripe answered 500: ")
    contains(e["message"], "(3 attempts)")
    assert e["request_id"].startswith("req_")
    assert took < 3, took
    gw.set_faults()


@test
def bad_slow_times_out():
    """Default timeouts: 4 s an attempt, 6 s in all, then a clear error."""
    out, _ = create(105, want=True)
    gw.set_faults(slow_ms=7000)
    res, took = cli("get", out["session"]["id"], want=False)
    gw.set_faults()
    e = res["error"]
    eq((e["kind"], e["status"], e["attempts"]), ("timeout", 0, 2))
    eq(e["unknown_outcome"], True)
    contains(e["message"], "Stripe did not answer in time: 2 attempts in ")
    contains(e["message"], "(at most 4.0 s each, 6.0 s in all)")
    assert 5.8 <= took <= 7.5, f"took {took:.1f}s"


@test
def bad_slow_with_short_timeouts():
    gw.set_faults(slow_ms=800)
    # Attempts run out first...
    res, took = cli("attempt_ms=300", "deadline_ms=3000", "attempts=2",
                    "get", "cs_test_whatever", want=False)
    eq((res["error"]["kind"], res["error"]["attempts"]), ("timeout", 2))
    assert took < 1.2, took
    # ... or the deadline does, which also cuts the attempt short.
    res, took = cli("attempt_ms=4000", "deadline_ms=500", "get",
                    "cs_test_whatever", want=False)
    gw.set_faults()
    eq((res["error"]["kind"], res["error"]["attempts"]), ("timeout", 1))
    contains(res["error"]["message"], "1 attempt in 0.5 s")
    assert took < 0.8, took


@test
def bad_connection_refused():
    port = free_port()
    res, took = cli("get", "cs_test_whatever", env={
        "STRIPE_API_BASE": f"http://127.0.0.1:{port}"}, want=False)
    e = res["error"]
    eq((e["kind"], e["status"], e["attempts"]), ("connect", 0, 3))
    contains(e["message"], "GET /v1/checkout/sessions/cs_test_whatever: ")
    contains(e["message"], "(3 attempts)")
    assert took < 3, took


@test
def bad_key():
    res, _ = cli("get", "cs_test_whatever",
                 env={"STRIPE_SECRET_KEY": "sk_test_wrong"}, want=False)
    e = res["error"]
    eq((e["kind"], e["status"], e["attempts"]), ("auth", 401, 1))
    eq(e["message"], "Invalid API Key provided: sk_test_****rong")


@test
def bad_not_found():
    res, _ = cli("get", "cs_test_missing", want=False)
    e = res["error"]
    eq((e["kind"], e["status"], e["code"], e["attempts"]),
       ("not_found", 404, "resource_missing", 1))
    eq(e["message"], "No such checkout.session: 'cs_test_missing'")


@test
def bad_usage_sends_nothing():
    before = len(gw.api("GET", "/v1/checkout/sessions",
                        {"limit": 100})["data"])
    for args in (("create", "currency=EUR", "item=A:1:1"),
                 ("create", "idem=k", "currency=EURO", "item=A:1:1"),
                 ("create", "idem=k", "currency=EUR"),
                 ("create", "idem=k", "currency=EUR", "item=A:-1:1"),
                 ("create", "idem=k", "currency=EUR", "item=A:1:1",
                  "success=ftp://x"),
                 ("create", "idem=bad key", "currency=EUR", "item=A:1:1"),
                 ("get", "../../v1/refunds"),
                 ("refund", "pi_x", "0", "idem=k"),
                 ("refund", "pi_x", "5"),
                 ("refund", "../x", "5", "idem=k"),
                 ("refund", "pi_x", "5", "idem=k", "reason=bored"),
                 ("refund", "pi_x", "5", "idem=k", "meta=a[b]:c"),
                 ("refund-get", "re_../x"),
                 ("refunds", "pi=pi x"),
                 ("refunds", "limit=101"),
                 ("expire", "cs_test_x")):
        res, took = cli(*args, want=False)
        eq((res["error"]["kind"], res["error"]["attempts"]), ("usage", 0),
           " ".join(args))
    eq(len(gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]),
       before)


@test
def list_paginates():
    gw.set_faults()
    time.sleep(1.05)
    start = int(time.time())
    ids = [create(200 + i, want=True)[0]["session"]["id"] for i in range(5)]
    page, _ = cli("list", f"since={start}", "limit=2", want=True)
    eq([s["id"] for s in page["data"]], [ids[4], ids[3]])
    eq(page["has_more"], True)
    everything, _ = cli("list", f"since={start}", "limit=2", "all=1",
                        want=True)
    eq([s["id"] for s in everything["data"]], list(reversed(ids)))
    eq((everything["pages"], everything["has_more"]), (3, False))


@test
def expire_session():
    out, _ = create(106, want=True)
    sid = out["session"]["id"]
    res, _ = cli("expire", sid, "idem=order-106-expire-1", want=True)
    eq((res["session"]["status"], res["session"]["url"]), ("expired", None))
    res, _ = cli("expire", sid, "idem=order-106-expire-2", want=False)
    eq((res["error"]["kind"], res["error"]["code"]),
       ("request", "checkout_session_not_open"))


@test
def reads_webhook_events():
    gw.set_faults()
    hooks.reset()
    out, _ = create(107, want=True)
    sid = out["session"]["id"]
    gw.pay(sid, card=CARD_ASYNC_OK)
    pi = gw.api("GET", f"/v1/checkout/sessions/{sid}")["payment_intent"]
    completed, settled = about(sid, 2)
    ev, _ = cli("event", stdin=completed["body"], want=True)
    eq((ev["type"], ev["object"], ev["session"]["id"],
        ev["session"]["status"], ev["session"]["payment_status"],
        ev["session"]["amount_total"], ev["session"]["metadata"]),
       ("checkout.session.completed", "checkout.session", sid, "complete",
        "unpaid", 3000, {"order_id": "107", "order_token": "tok-107"}))
    eq(ev["id"], completed["json"]["id"])
    eq(ev["session"]["customer_email"], "customer@example.com")
    ev, _ = cli("event", stdin=settled["body"], want=True)
    eq((ev["type"], ev["session"]["payment_status"]),
       ("checkout.session.async_payment_succeeded", "paid"))

    cli("refund", pi, "3000", "idem=order-107-refund-1", want=True)
    (refunded,) = [h for h in about(pi, 3) if h["json"]["type"] ==
                   "charge.refunded"]
    ev, _ = cli("event", stdin=refunded["body"], want=True)
    eq((ev["type"], ev["object"], ev["charge"]["payment_intent"],
        ev["charge"]["amount"], ev["charge"]["amount_refunded"],
        ev["charge"]["refunded"], ev["charge"]["metadata"]),
       ("charge.refunded", "charge", pi, 3000, 3000, True,
        {"order_id": "107", "order_token": "tok-107"}))

    # The signature the gateway sent verifies with lib/ext/stripe_sig.c.
    sig = completed["headers"]["Stripe-Signature"]
    t = sig.split(",")[0][2:]
    res, _ = cli("verify", sig, gw.webhook_secret, t,
                 stdin=completed["body"], want=True)
    eq(res["message"], "ok")
    res, _ = cli("verify", sig, gw.webhook_secret, t,
                 stdin=completed["body"][:-1], want=False)
    eq(res["message"], "no signature matches the payload")
    res, _ = cli("verify", sig, gw.webhook_secret, str(int(t) + 301),
                 stdin=completed["body"], want=False)
    eq(res["message"], "timestamp outside the tolerance")


@test
def bad_events():
    for body in (b"", b"not json", b"[]", b'{"id":"evt_1"}',
                 b'{"id":"evt_1","type":"checkout.session.completed",'
                 b'"created":1,"data":{"object":{"object":"charge"}}}',
                 b'{"id":5,"type":"x","created":1,'
                 b'"data":{"object":{"object":"x"}}}',
                 b'{"id":null,"type":"x","created":1,'
                 b'"data":{"object":{"object":"x"}}}',
                 b'{"id":"evt_1","type":"checkout.session.completed",'
                 b'"created":1,"data":{"object":{"object":null,'
                 b'"id":"cs_1"}}}',
                 b'{"id":"evt_1","type":"checkout.session.completed",'
                 b'"created":1,"data":{"object":{"object":'
                 b'"checkout.session","id":"cs_1","status":"open",'
                 b'"payment_status":"paid","amount_total":"5"}}}'):
        res, _ = cli("event", stdin=body, want=False)
        eq(res["error"]["kind"], "response", body.decode())
    other, _ = cli("event", stdin=b'{"id":"evt_2","type":"customer.created",'
                   b'"created":1,"data":{"object":{"object":"customer"}}}',
                   want=True)
    eq((other["type"], other["type_name"]), ("other", "customer.created"))
    odd, _ = cli("event", stdin=b'{"id":"evt_3","type":'
                 b'"checkout.session.completed","created":1,"data":'
                 b'{"object":{"object":"checkout.session","id":"cs_1",'
                 b'"status":"new","payment_status":"settled"}}}', want=True)
    eq((odd["session"]["status"], odd["session"]["payment_status"]),
       ("unknown", "unknown"))


@test
def sanitizer_build():
    """The same calls under ASan and UBSan, leaks included."""
    if not os.path.exists(ASAN_CLI):
        raise AssertionError(f"{ASAN_CLI} is missing: run make asan")
    env = {"ASAN_OPTIONS": "detect_leaks=1:exitcode=99",
           "UBSAN_OPTIONS": "halt_on_error=1:exitcode=99"}
    gw.set_faults()
    out, _ = cli("create", "idem=order-108-session-1", "currency=EUR",
                 "item=A:100:1", "order=108", env=env, tool=ASAN_CLI,
                 want=True)
    sid = out["session"]["id"]
    cli("get", sid, env=env, tool=ASAN_CLI, want=True)
    cli("list", "limit=3", env=env, tool=ASAN_CLI, want=True)
    cli("line-items", sid, env=env, tool=ASAN_CLI, want=True)
    cli("get", "cs_test_missing", env=env, tool=ASAN_CLI, want=False)
    gw.pay(sid)
    pi = gw.api("GET", f"/v1/checkout/sessions/{sid}")["payment_intent"]
    r, _ = cli("refund", pi, "100", "idem=order-108-refund-1",
               "reason=duplicate", "meta=refund_id:1", env=env,
               tool=ASAN_CLI, want=True)
    cli("refund-get", r["refund"]["id"], env=env, tool=ASAN_CLI, want=True)
    cli("refunds", f"pi={pi}", "limit=2", env=env, tool=ASAN_CLI, want=True)
    cli("refund", pi, "100000", "idem=order-108-refund-2", env=env,
        tool=ASAN_CLI, want=False)
    gw.set_faults(api_500_next=1)
    cli("expire", sid, "idem=order-108-expire-1", env=env, tool=ASAN_CLI,
        want=False)
    gw.set_faults()
    body = json.dumps({"id": "evt_1", "type": "charge.refunded",
                       "created": 1, "data": {"object": {
                           "object": "charge", "id": "ch_1", "amount": 5,
                           "amount_refunded": 5, "refunded": True,
                           "metadata": {"a": "b"}}}}).encode()
    cli("event", stdin=body, env=env, tool=ASAN_CLI, want=True)
    cli("event", stdin=b"{", env=env, tool=ASAN_CLI, want=False)
    sig = stripe_signature("whsec_x", 1700000000, body)
    cli("verify", f"t=1700000000,v1={sig}", "whsec_x", "1700000000",
        stdin=body, env=env, tool=ASAN_CLI, want=True)


run()
