"""The test payment gateway over HTTP: Stripe's API shapes, auth,
idempotency, the hosted page with each test card, signed webhooks and
their retries, the fault modes, expiry and refunds."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import shoptest  # noqa
from shoptest import Client, contains, eq, lacks, run, status, test  # noqa
from gateway import (CARD_ASYNC_FAIL, CARD_ASYNC_OK, CARD_DECLINED,  # noqa
                     CARD_NO_FUNDS, CARD_OK, Gateway, WebhookReceiver,
                     stripe_signature, verify_signature)

hooks = WebhookReceiver()
gw = Gateway(webhook_url=hooks.url).start()


def fresh():
    """No faults, no webhooks remembered, every receiver answer 200."""
    gw.set_faults()
    hooks.reset()


def wait_for(what, fn, timeout=8):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def about(object_id, n, timeout=8):
    """The first n webhooks about object_id."""
    return wait_for(f"{n} webhooks about {object_id}: {hooks.types()}",
                    lambda: (lambda r: r if len(r) >= n else None)(
                        hooks.about(object_id)), timeout)[:n]


def page_form(session_id, **fields):
    c = Client(gw.port)
    return c.post(f"/c/pay/{session_id}", body=fields,
                  headers={"Origin": gw.base_url})


# ------------------------------------------------------------ API shapes

@test
def session_shape():
    fresh()
    s = gw.create_session(order_id=42, customer_email="ada@example.com")
    assert re.fullmatch(r"cs_test_[A-Za-z0-9]{24}", s["id"]), s["id"]
    eq(s["object"], "checkout.session")
    eq(s["mode"], "payment")
    eq(s["status"], "open")
    eq(s["payment_status"], "unpaid")
    eq(s["amount_total"], 2500)
    eq(s["amount_subtotal"], 2500)
    eq(s["currency"], "eur")
    eq(s["client_reference_id"], "42")
    eq(s["metadata"], {"order_id": "42"})
    eq(s["customer_email"], "ada@example.com")
    eq(s["payment_intent"], None)
    eq(s["livemode"], False)
    eq(s["expires_at"] - s["created"], 86400)
    eq(s["url"], f"{gw.base_url}/c/pay/{s['id']}")
    eq(s["success_url"], "http://shop.test/checkout/success"
                         "?session_id={CHECKOUT_SESSION_ID}")
    eq(s["cancel_url"], "http://shop.test/checkout/cancel")
    r = gw.request("GET", f"/v1/checkout/sessions/{s['id']}")
    status(r, 200)
    eq(r.json(), s, "retrieve")
    eq(r.header("Content-Type"), "application/json")
    assert re.fullmatch(r"req_[A-Za-z0-9]{24}", r.header("Request-Id"))


@test
def line_items_shape():
    fresh()
    s = gw.create_session(items=[("Mug", 1250, 2), ("Tea, green", 499, 3)],
                          currency="USD")
    eq(s["amount_total"], 1250 * 2 + 499 * 3)
    eq(s["currency"], "usd")
    li = gw.api("GET", f"/v1/checkout/sessions/{s['id']}/line_items")
    eq(li["object"], "list")
    eq(li["has_more"], False)
    eq(li["url"], f"/v1/checkout/sessions/{s['id']}/line_items")
    eq([(i["description"], i["quantity"], i["price"]["unit_amount"],
         i["amount_total"], i["currency"], i["object"])
        for i in li["data"]],
       [("Mug", 2, 1250, 2500, "usd", "item"),
        ("Tea, green", 3, 499, 1497, "usd", "item")])
    page = gw.api("GET", f"/v1/checkout/sessions/{s['id']}/line_items",
                  {"limit": 1})
    eq(len(page["data"]), 1)
    eq(page["has_more"], True)


@test
def list_pages_newest_first():
    fresh()
    start = int(time.time())
    ids = [gw.create_session(order_id=900 + i)["id"] for i in range(3)]
    p1 = gw.api("GET", "/v1/checkout/sessions",
                {"limit": 2, "created[gte]": start})
    eq(p1["object"], "list")
    eq([s["id"] for s in p1["data"]], [ids[2], ids[1]])
    eq(p1["has_more"], True)
    p2 = gw.api("GET", "/v1/checkout/sessions",
                {"limit": 2, "created[gte]": start,
                 "starting_after": ids[1]})
    eq([s["id"] for s in p2["data"]][:1], [ids[0]])
    future = gw.api("GET", "/v1/checkout/sessions",
                    {"created[gte]": start + 3600})
    eq(future["data"], [])
    eq(future["has_more"], False)


@test
def bad_list_params():
    fresh()
    r = gw.request("GET", "/v1/checkout/sessions", {"limit": 101})
    status(r, 400)
    eq(r.json()["error"]["param"], "limit")
    r = gw.request("GET", "/v1/checkout/sessions", {"colour": "red"})
    status(r, 400)
    eq(r.json()["error"]["code"], "parameter_unknown")
    r = gw.request("GET", "/v1/checkout/sessions",
                   {"starting_after": "cs_test_missing"})
    status(r, 400)
    eq(r.json()["error"]["code"], "resource_missing")


# ------------------------------------------------------------ auth

@test
def bad_auth():
    fresh()
    r = gw.request("GET", "/v1/checkout/sessions", key="")
    status(r, 401)
    e = r.json()["error"]
    eq(e["type"], "invalid_request_error")
    contains(e["message"], "You did not provide an API key")
    wrong = "sk_test_" + "x" * 24
    r = gw.request("GET", "/v1/checkout/sessions", key=wrong)
    status(r, 401)
    e = r.json()["error"]
    eq(e["code"], "api_key_invalid")
    eq(e["message"], "Invalid API Key provided: sk_test_****xxxx")
    lacks(r.text, wrong)
    r = gw.request("GET", "/_gateway/events", key=wrong)
    status(r, 401)
    # curl -u KEY: sends Basic auth, which Stripe accepts too.
    import base64
    basic = base64.b64encode((gw.secret_key + ":").encode()).decode()
    r = gw.request("GET", "/v1/checkout/sessions",
                   headers={"Authorization": "Basic " + basic})
    status(r, 200)


# ------------------------------------------------------------ validation

def create_error(params, want_status=400):
    r = gw.request("POST", "/v1/checkout/sessions", params)
    status(r, want_status)
    e = r.json()["error"]
    eq(e["type"], "invalid_request_error")
    return e


@test
def bad_session_params():
    fresh()
    p = gw.session_params()
    del p["mode"]
    e = create_error(p)
    eq((e["code"], e["param"]), ("parameter_missing", "mode"))
    eq(e["message"], "Missing required param: mode.")

    e = create_error(gw.session_params(colour="red"))
    eq((e["code"], e["param"]), ("parameter_unknown", "colour"))
    eq(e["message"], "Received unknown parameter: colour")

    p = gw.session_params()
    p["line_items"][0]["quantity"] = "two"
    e = create_error(p)
    eq((e["code"], e["param"]),
       ("parameter_invalid_integer", "line_items[0][quantity]"))

    p = gw.session_params()
    p["line_items"][0]["price_data"]["tax"] = "1"
    e = create_error(p)
    eq(e["param"], "line_items[0][price_data][tax]")

    e = create_error(gw.session_params(currency="xyz"))
    eq(e["param"], "line_items[0][price_data][currency]")
    eq(e["message"], "Invalid currency: xyz.")

    p = gw.session_params(items=[("A", 100, 1), ("B", 100, 1)])
    p["line_items"][1]["price_data"]["currency"] = "usd"
    e = create_error(p)
    eq(e["message"], "All line items must have the same currency.")

    e = create_error(gw.session_params(success="javascript:alert(1)"))
    eq((e["code"], e["param"]), ("url_invalid", "success_url"))

    e = create_error(gw.session_params(expires_at=int(time.time()) + 60))
    eq(e["param"], "expires_at")
    contains(e["message"], "at least 30 minutes")
    e = create_error(gw.session_params(expires_at=int(time.time()) + 90000))
    contains(e["message"], "less than 24 hours")

    e = create_error(gw.session_params(customer_email="nobody"))
    eq((e["code"], e["param"]), ("email_invalid", "customer_email"))

    e = create_error(gw.session_params(metadata={"k" * 41: "v"}))
    eq(e["param"], "metadata[" + "k" * 41 + "]")

    p = gw.session_params()
    p["line_items"] = {"1": p["line_items"][0]}
    e = create_error(p)
    eq(e["message"], "Missing required param: line_items[0].")

    r = gw.request("POST", "/v1/checkout/sessions", headers={
        "Content-Type": "application/json"})
    status(r, 400)


@test
def many_line_items():
    fresh()
    items = [(f"Item {i}", 100 + i, 1) for i in range(60)]
    s = gw.create_session(items=items)
    eq(s["amount_total"], sum(100 + i for i in range(60)))
    li = gw.api("GET", f"/v1/checkout/sessions/{s['id']}/line_items",
                {"limit": 100})
    eq(len(li["data"]), 60)
    e = create_error(gw.session_params(
        items=[(f"Item {i}", 1, 1) for i in range(101)]))
    eq(e["param"], "line_items[100][price_data][currency]")


@test
def bad_not_found():
    fresh()
    r = gw.request("GET", "/v1/checkout/sessions/cs_test_nothing")
    status(r, 404)
    e = r.json()["error"]
    eq((e["type"], e["code"]), ("invalid_request_error", "resource_missing"))
    eq(e["message"], "No such checkout.session: 'cs_test_nothing'")
    r = gw.request("POST", "/v1/checkout/sessions/cs_test_nothing/expire")
    status(r, 404)
    r = gw.request("GET", "/v1/customers")
    status(r, 404)
    contains(r.json()["error"]["message"],
             "Unrecognized request URL (GET: /v1/customers)")
    r = gw.request("DELETE", "/v1/checkout/sessions")
    status(r, 404)


# ------------------------------------------------------------ idempotency

@test
def idempotent_replay():
    fresh()
    before = len(gw.events())
    p = gw.session_params(order_id=7)
    r1 = gw.request("POST", "/v1/checkout/sessions", p, idem="order-7-s-1")
    status(r1, 200)
    eq(r1.header("Idempotent-Replayed"), None)
    r2 = gw.request("POST", "/v1/checkout/sessions", p, idem="order-7-s-1")
    status(r2, 200)
    eq(r2.header("Idempotent-Replayed"), "true")
    eq(r2.body, r1.body)
    # The same parameters in another order are the same request.
    pairs = list(reversed(__import__("gateway").form_pairs(p)))
    r3 = gw.request("POST", "/v1/checkout/sessions", pairs,
                    idem="order-7-s-1")
    status(r3, 200)
    eq(r3.json()["id"], r1.json()["id"])
    listed = gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]
    eq(sum(1 for s in listed if s["client_reference_id"] == "7"), 1)
    eq(len(gw.events()), before)


@test
def bad_idempotency_reuse():
    fresh()
    gw.create_session(order_id=8, idem="order-8-s-1")
    r = gw.request("POST", "/v1/checkout/sessions",
                   gw.session_params(order_id=9), idem="order-8-s-1")
    status(r, 400)
    e = r.json()["error"]
    eq(e["type"], "idempotency_error")
    contains(e["message"], "Try using a key other than 'order-8-s-1'")
    # A key used on another endpoint is a different request too.
    s = gw.create_session(order_id=10)
    r = gw.request("POST", f"/v1/checkout/sessions/{s['id']}/expire",
                   idem="order-8-s-1")
    status(r, 400)
    eq(r.json()["error"]["type"], "idempotency_error")
    # Refused requests are not saved: the key stays free.
    bad = gw.session_params(order_id=11, colour="red")
    status(gw.request("POST", "/v1/checkout/sessions", bad,
                      idem="order-11-s-1"), 400)
    status(gw.request("POST", "/v1/checkout/sessions",
                      gw.session_params(order_id=11), idem="order-11-s-1"),
           200)


# ------------------------------------------------------------ hosted page

@test
def hosted_page_success():
    fresh()
    s = gw.create_session(order_id=12)
    c = Client(gw.port)
    r = c.get(f"/c/pay/{s['id']}")
    status(r, 200)
    html = r.text
    for field, label in (("email", "Email"), ("card_number", "Card number"),
                         ("card_expiry", "Expiry date (MM / YY)"),
                         ("card_cvc", "Security code (CVC)")):
        contains(html, f'<label for="{field}">{label}</label>')
        contains(html, f'id="{field}" name="{field}"')
    contains(html, "€25.00")
    contains(html, "<td>Espresso cup</td><td>2</td><td>€25.00</td>")
    contains(html, '<a href="http://shop.test/checkout/cancel">')
    lacks(html, "<script")
    csp = r.header("Content-Security-Policy")
    contains(csp, "form-action 'self' http://shop.test;")
    contains(csp, "script-src 'self'")

    r = page_form(s["id"], email="ada@example.com",
                  card_number="4242 4242 4242 4242", card_expiry="12 / 34",
                  card_cvc="123")
    status(r, 303)
    eq(r.header("Location"),
       f"http://shop.test/checkout/success?session_id={s['id']}")
    got = gw.api("GET", f"/v1/checkout/sessions/{s['id']}")
    eq((got["status"], got["payment_status"]), ("complete", "paid"))
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", got["payment_intent"])
    eq(got["url"], None)
    eq(got["customer_details"]["email"], "ada@example.com")
    r = Client(gw.port).get(f"/c/pay/{s['id']}")
    status(r, 200)
    contains(r.text, "Payment complete")


@test
def bad_card_declined_on_page():
    fresh()
    s = gw.create_session(order_id=13, customer_email="ada@example.com")
    cases = [
        (CARD_DECLINED, "Your card was declined."),
        (CARD_NO_FUNDS, "Your card has insufficient funds."),
        ("4242 4242 4242 4241", "Your card number is invalid."),
        ("4242", "Your card number is incomplete."),
    ]
    for card, message in cases:
        r = page_form(s["id"], card_number=card, card_expiry="12/34",
                      card_cvc="123")
        status(r, 422)
        contains(r.text, f'<p class="error" role="alert" id="pay-error">'
                         f'{message.replace(chr(39), "&#39;")}</p>')
        contains(r.text, 'aria-invalid="true"')
    r = page_form(s["id"], card_number=CARD_OK, card_expiry="01 / 20",
                  card_cvc="123")
    status(r, 422)
    contains(r.text, "Your card&#39;s expiration date is in the past.")
    r = page_form(s["id"], card_number=CARD_OK, card_expiry="12 / 34",
                  card_cvc="1")
    status(r, 422)
    contains(r.text, "Your card&#39;s security code is incomplete.")
    got = gw.api("GET", f"/v1/checkout/sessions/{s['id']}")
    eq((got["status"], got["payment_status"]), ("open", "unpaid"))
    eq(hooks.about(s["id"]), [])
    # Still payable after the refusals.
    r = page_form(s["id"], card_number=CARD_OK, card_expiry="12 / 34",
                  card_cvc="123")
    status(r, 303)


@test
def bad_pay_when_not_payable():
    fresh()
    s = gw.create_session(order_id=14)
    gw.pay(s["id"])
    r = gw.request("POST", f"/_gateway/sessions/{s['id']}/pay",
                   {"card": CARD_OK})
    status(r, 400)
    eq(r.json()["error"]["code"], "checkout_session_complete")
    r = page_form(s["id"], card_number=CARD_OK, card_expiry="12/34",
                  card_cvc="123", email="a@example.com")
    status(r, 409)
    contains(r.text, "already paid")
    eq(len(gw.events("checkout.session.completed")
           and [e for e in gw.events("checkout.session.completed")
                if e["object_id"] == s["id"]]), 1)

    s2 = gw.create_session(order_id=15)
    gw.api("POST", f"/v1/checkout/sessions/{s2['id']}/expire")
    r = gw.request("POST", f"/_gateway/sessions/{s2['id']}/pay",
                   {"card": CARD_OK})
    status(r, 400)
    eq(r.json()["error"]["code"], "checkout_session_expired")
    r = Client(gw.port).get(f"/c/pay/{s2['id']}")
    status(r, 410)
    contains(r.text, "This checkout has expired")
    r = gw.request("POST", "/_gateway/sessions/cs_test_none/pay")
    status(r, 404)


@test
def control_pay_card_errors():
    fresh()
    s = gw.create_session(order_id=16)
    e = gw.pay(s["id"], card=CARD_NO_FUNDS, want=402)["error"]
    eq((e["type"], e["code"], e["decline_code"], e["message"]),
       ("card_error", "card_declined", "insufficient_funds",
        "Your card has insufficient funds."))
    e = gw.pay(s["id"], card=CARD_DECLINED, want=402)["error"]
    eq((e["code"], e["decline_code"]), ("card_declined", "generic_decline"))
    paid = gw.pay(s["id"])
    eq((paid["status"], paid["payment_status"]), ("complete", "paid"))


@test
def async_cards():
    fresh()
    ok = gw.create_session(order_id=17)
    bad = gw.create_session(order_id=18)
    s = gw.pay(ok["id"], card=CARD_ASYNC_OK)
    eq((s["status"], s["payment_status"]), ("complete", "unpaid"))
    s = gw.pay(bad["id"], card=CARD_ASYNC_FAIL)
    eq((s["status"], s["payment_status"]), ("complete", "unpaid"))
    eq([r["json"]["type"] for r in about(ok["id"], 2)],
       ["checkout.session.completed",
        "checkout.session.async_payment_succeeded"])
    eq([r["json"]["type"] for r in about(bad["id"], 2)],
       ["checkout.session.completed",
        "checkout.session.async_payment_failed"])
    first, later = about(ok["id"], 2)
    eq(first["json"]["data"]["object"]["payment_status"], "unpaid")
    eq(later["json"]["data"]["object"]["payment_status"], "paid")
    assert later["time"] - first["time"] >= 0.8, "settled too soon"
    eq(gw.api("GET", f"/v1/checkout/sessions/{ok['id']}")["payment_status"],
       "paid")
    failed = gw.api("GET", f"/v1/checkout/sessions/{bad['id']}")
    eq((failed["status"], failed["payment_status"]), ("complete", "unpaid"))
    r = gw.request("POST", "/v1/refunds",
                   {"payment_intent": failed["payment_intent"]})
    status(r, 400)
    eq(r.json()["error"]["code"], "charge_not_refundable")


# ------------------------------------------------------------ webhooks

@test
def webhook_signed():
    fresh()
    s = gw.create_session(order_id=19)
    gw.pay(s["id"])
    (h,) = about(s["id"], 1)
    body = h["body"]
    sig = h["headers"]["Stripe-Signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", sig), sig
    t = int(sig.split(",")[0][2:])
    assert abs(time.time() - t) < 5
    eq(sig.split("v1=")[1], stripe_signature(gw.webhook_secret, t, body))
    assert verify_signature(sig, body, gw.webhook_secret)
    assert not verify_signature(sig, body + b" ", gw.webhook_secret)
    assert not verify_signature(sig, body, "whsec_other")
    eq(h["headers"]["Content-Type"], "application/json; charset=utf-8")
    contains(h["headers"]["User-Agent"], "Stripe/1.0")
    ev = h["json"]
    eq(ev["object"], "event")
    eq(ev["type"], "checkout.session.completed")
    assert re.fullmatch(r"evt_[A-Za-z0-9]{24}", ev["id"])
    eq(ev["livemode"], False)
    eq(ev["api_version"], "2024-06-20")
    eq(ev["data"]["object"]["id"], s["id"])
    eq(ev["data"]["object"]["payment_status"], "paid")
    eq(ev["data"]["object"]["metadata"], {"order_id": "19"})
    eq(h["path"], "/webhooks/stripe")
    # The API shows the same event.
    eq(gw.api("GET", f"/v1/events/{ev['id']}"), ev)
    listed = gw.api("GET", "/v1/events",
                    {"type": "checkout.session.completed", "limit": 1})
    eq(listed["data"][0]["id"], ev["id"])


@test
def webhook_retried_after_500():
    fresh()
    hooks.answer(500, 500)
    s = gw.create_session(order_id=20)
    gw.pay(s["id"])
    first, second = about(s["id"], 2, timeout=5)
    eq((first["status"], second["status"]), (500, 500))
    eq(first["json"]["id"], second["json"]["id"])
    gap = second["time"] - first["time"]
    assert 0.8 <= gap <= 2.5, f"first retry after {gap:.2f}s, want ~1s"
    # The next retry would wait ~2 s; force it.
    d = [x for x in gw.flush() if x["event"] == first["json"]["id"]]
    eq(len(d), 1)
    eq((d[0]["state"], d[0]["attempts"], d[0]["last_status"]),
       ("delivered", 3, 200))
    eq([r["status"] for r in about(s["id"], 3)], [500, 500, 200])


@test
def webhook_retried_when_unreachable():
    fresh()
    dead = Gateway(webhook_url="http://127.0.0.1:9/webhooks/stripe").start()
    s = dead.create_session()
    dead.pay(s["id"])
    d = wait_for("a failed attempt", lambda: [
        x for x in dead.deliveries() if x["attempts"] >= 1])
    eq(d[0]["state"], "pending")
    eq(d[0]["last_status"], None)
    assert d[0]["last_error"], d
    assert d[0]["next_at_ms"] > d[0]["created_ms"] + 500
    dead.stop()


@test
def fault_duplicate():
    fresh()
    gw.set_faults(duplicate=1)
    s = gw.create_session(order_id=21)
    gw.pay(s["id"])
    a, b = about(s["id"], 2)
    eq(a["json"]["id"], b["json"]["id"])
    eq(a["body"], b["body"])
    time.sleep(0.5)
    eq(len(hooks.about(s["id"])), 2)


@test
def fault_drop():
    fresh()
    gw.set_faults(drop="all")
    s = gw.create_session(order_id=22)
    gw.pay(s["id"])
    ev = gw.wait_events(1, "checkout.session.completed")
    mine = [e for e in ev if e["object_id"] == s["id"]]
    eq(len(mine), 1)
    eq([d["state"] for d in mine[0]["deliveries"]], ["dropped"])
    gw.flush()
    time.sleep(0.5)
    eq(hooks.about(s["id"]), [])
    # The event is still there to be found through the API.
    listed = gw.api("GET", "/v1/events", {"limit": 100})["data"]
    assert any(e["data"]["object"]["id"] == s["id"] for e in listed)
    gw.set_faults(drop="0.5")
    eq(gw.faults()["drop"], 0.5)


@test
def fault_delay():
    fresh()
    gw.set_faults(delay=2)
    s = gw.create_session(order_id=23)
    paid_at = time.time()
    gw.pay(s["id"])
    time.sleep(1.2)
    eq(hooks.about(s["id"]), [])
    (h,) = about(s["id"], 1, timeout=5)
    assert h["time"] - paid_at >= 1.9, h["time"] - paid_at


@test
def fault_reorder():
    fresh()
    gw.set_faults(reorder=1)
    s = gw.create_session(order_id=24)
    gw.pay(s["id"], card=CARD_ASYNC_OK)
    got = about(s["id"], 2, timeout=8)
    eq([r["json"]["type"] for r in got],
       ["checkout.session.async_payment_succeeded",
        "checkout.session.completed"])
    assert got[0]["json"]["created"] >= got[1]["json"]["created"]


@test
def fault_api_500():
    fresh()
    gw.set_faults(api_500="all")
    r = gw.request("GET", "/v1/checkout/sessions")
    status(r, 500)
    eq(r.json()["error"]["type"], "api_error")
    contains(r.json()["error"]["message"], "api_500")
    # Control endpoints are never faulted, so faults can be reset.
    gw.set_faults(api_500_next=2)
    status(gw.request("GET", "/v1/checkout/sessions"), 500)
    status(gw.request("GET", "/v1/checkout/sessions"), 500)
    status(gw.request("GET", "/v1/checkout/sessions"), 200)
    eq(gw.faults()["api_500_next"], 0)


@test
def fault_lost_answer():
    fresh()
    gw.set_faults(lost_next=1)
    p = gw.session_params(order_id=25)
    r = gw.request("POST", "/v1/checkout/sessions", p, idem="order-25-s-1")
    status(r, 500)
    r = gw.request("POST", "/v1/checkout/sessions", p, idem="order-25-s-1")
    status(r, 200)
    eq(r.header("Idempotent-Replayed"), "true")
    listed = gw.api("GET", "/v1/checkout/sessions", {"limit": 100})["data"]
    eq(sum(1 for s in listed if s["client_reference_id"] == "25"), 1)


@test
def fault_slow():
    fresh()
    gw.set_faults(slow_ms=700)
    t0 = time.monotonic()
    status(gw.request("GET", "/v1/checkout/sessions"), 200)
    assert time.monotonic() - t0 >= 0.7
    eq(gw.faults()["slow_ms"], 700)
    gw.set_faults()
    t0 = time.monotonic()
    status(gw.request("GET", "/v1/checkout/sessions"), 200)
    assert time.monotonic() - t0 < 0.5


@test
def bad_fault_settings():
    fresh()
    for name, value in (("drop", "2"), ("drop", "0.1234"), ("delay", "-1"),
                        ("colour", "1"), ("duplicate", "99")):
        r = gw.request("POST", "/_gateway/faults", [(name, value)])
        status(r, 400)
        eq(r.json()["error"]["param"], name)
    eq(gw.faults(), {"duplicate": 0, "delay": 0, "reorder": False,
                     "drop": 0.0, "api_500": 0.0, "api_500_next": 0,
                     "lost_next": 0, "slow_ms": 0})


@test
def faults_from_environment():
    g = Gateway(faults="duplicate=1,delay=3,drop=0.25,api_500=0.5").start()
    eq(g.faults(), {"duplicate": 1, "delay": 3, "reorder": False,
                    "drop": 0.25, "api_500": 0.5, "api_500_next": 0,
                    "lost_next": 0, "slow_ms": 0})
    g.stop()


# ------------------------------------------------------------ expiry

@test
def expiry_emits_expired():
    fresh()
    s = gw.create_session(order_id=26)
    r = gw.request("POST", f"/v1/checkout/sessions/{s['id']}/expire",
                   idem="order-26-expire-1")
    status(r, 200)
    eq((r.json()["status"], r.json()["url"]), ("expired", None))
    (h,) = about(s["id"], 1)
    eq(h["json"]["type"], "checkout.session.expired")
    eq(h["json"]["data"]["object"]["status"], "expired")
    eq(h["json"]["request"]["idempotency_key"], "order-26-expire-1")
    r = gw.request("POST", f"/v1/checkout/sessions/{s['id']}/expire")
    status(r, 400)
    contains(r.json()["error"]["message"], "This one is expired.")

    # Sessions reaching expires_at expire by themselves (here: forced).
    a = gw.create_session(order_id=27)
    b = gw.create_session(order_id=28)
    eq(gw.expire_sessions(a["id"]), [a["id"]])
    (h,) = about(a["id"], 1)
    eq(h["json"]["type"], "checkout.session.expired")
    eq(h["json"]["request"], {"id": None, "idempotency_key": None})
    eq(gw.api("GET", f"/v1/checkout/sessions/{b['id']}")["status"], "open")
    eq(b["id"] in gw.expire_sessions(), True)
    about(b["id"], 1)


# ------------------------------------------------------------ refunds

@test
def refunds_emit_charge_refunded():
    fresh()
    s = gw.create_session(order_id=29)
    pi = gw.pay(s["id"])["payment_intent"]
    r = gw.request("POST", "/v1/refunds",
                   {"payment_intent": pi, "amount": 1000},
                   idem="order-29-refund-1")
    status(r, 200)
    re1 = r.json()
    assert re.fullmatch(r"re_[A-Za-z0-9]{24}", re1["id"])
    eq((re1["object"], re1["amount"], re1["currency"], re1["status"],
        re1["payment_intent"]), ("refund", 1000, "eur", "succeeded", pi))
    assert re1["charge"].startswith("ch_")
    eq(gw.api("GET", f"/v1/refunds/{re1['id']}"), re1)
    # Replayed, not refunded twice.
    r = gw.request("POST", "/v1/refunds",
                   {"payment_intent": pi, "amount": 1000},
                   idem="order-29-refund-1")
    eq(r.json()["id"], re1["id"])
    r = gw.request("POST", "/v1/refunds",
                   {"payment_intent": pi, "amount": 2000})
    status(r, 400)
    eq(r.json()["error"]["code"], "amount_too_large")
    eq(r.json()["error"]["message"], "Refund amount (€20.00) is greater "
       "than unrefunded amount on charge (€15.00)")
    re2 = gw.api("POST", "/v1/refunds", {"payment_intent": pi})
    eq(re2["amount"], 1500)
    got = about(pi, 3)
    refunds = [h["json"] for h in got if h["json"]["type"] ==
               "charge.refunded"]
    eq([(e["data"]["object"]["amount_refunded"],
         e["data"]["object"]["refunded"]) for e in refunds],
       [(1000, False), (2500, True)])
    charge = refunds[0]["data"]["object"]
    eq((charge["object"], charge["payment_intent"], charge["amount"],
        charge["metadata"]), ("charge", pi, 2500, {"order_id": "29"}))
    r = gw.request("POST", "/v1/refunds", {"payment_intent": pi})
    status(r, 400)
    eq(r.json()["error"]["code"], "charge_already_refunded")
    r = gw.request("POST", "/v1/refunds", {"payment_intent": "pi_nothing"})
    status(r, 400)
    eq((r.json()["error"]["code"], r.json()["error"]["param"]),
       ("resource_missing", "payment_intent"))
    r = gw.request("POST", "/v1/refunds", {"payment_intent": pi,
                                           "amount": "-5"})
    status(r, 400)
    eq(r.json()["error"]["param"], "amount")


@test
def refunds_with_reason_and_metadata_are_listed_newest_first():
    fresh()
    s = gw.create_session(order_id=31)
    pi = gw.pay(s["id"])["payment_intent"]
    other = gw.pay(gw.create_session(order_id=32)["id"])["payment_intent"]
    params = {"payment_intent": pi, "amount": 300,
              "reason": "requested_by_customer",
              "metadata[refund_id]": "7", "metadata[order_id]": "31"}
    r1 = gw.api("POST", "/v1/refunds", params, idem="refund-7")
    eq((r1["amount"], r1["reason"], r1["metadata"]),
       (300, "requested_by_customer", {"refund_id": "7", "order_id": "31"}))
    # The same key with the same parameters in another order: the same
    # refund; with other parameters: refused, nothing refunded.
    again = gw.request("POST", "/v1/refunds",
                       dict(reversed(list(params.items()))), idem="refund-7")
    status(again, 200)
    eq((again.json(), again.header("Idempotent-Replayed")), (r1, "true"))
    r = gw.request("POST", "/v1/refunds", {**params, "amount": 301},
                   idem="refund-7")
    status(r, 400)
    eq(r.json()["error"]["type"], "idempotency_error")
    r2 = gw.api("POST", "/v1/refunds", {"payment_intent": pi, "amount": 200})
    r3 = gw.api("POST", "/v1/refunds", {"payment_intent": other,
                                        "amount": 100})
    got = gw.api("GET", "/v1/refunds", {"payment_intent": pi})
    eq((got["object"], got["url"], got["has_more"],
        [x["id"] for x in got["data"]]),
       ("list", "/v1/refunds", False, [r2["id"], r1["id"]]))
    eq(got["data"][1], r1)
    page = gw.api("GET", "/v1/refunds", {"payment_intent": pi, "limit": 1})
    eq(([x["id"] for x in page["data"]], page["has_more"]),
       ([r2["id"]], True))
    page = gw.api("GET", "/v1/refunds", {"payment_intent": pi, "limit": 1,
                                         "starting_after": r2["id"]})
    eq(([x["id"] for x in page["data"]], page["has_more"]),
       ([r1["id"]], False))
    every = gw.api("GET", "/v1/refunds", {"limit": 100})["data"]
    eq([x["id"] for x in every[:3]], [r3["id"], r2["id"], r1["id"]])
    eq(gw.api("GET", "/v1/refunds",
              {"payment_intent": "pi_none"})["data"], [])
    r = gw.request("GET", "/v1/refunds", {"colour": "red"})
    status(r, 400)
    eq(r.json()["error"]["param"], "colour")
    r = gw.request("GET", "/v1/refunds", {"starting_after": "re_none"})
    status(r, 400)
    eq(r.json()["error"]["code"], "resource_missing")
    r = gw.request("GET", "/v1/refunds/re_none")
    status(r, 404)
    r = gw.request("POST", "/v1/refunds", {"payment_intent": pi,
                                           "amount": 1, "reason": "bored"})
    status(r, 400)
    eq(r.json()["error"]["param"], "reason")


@test
def lost_refund_answer_is_replayed_not_refunded_twice():
    fresh()
    pi = gw.pay(gw.create_session(order_id=33)["id"])["payment_intent"]
    gw.set_faults(lost_next=1)
    params = {"payment_intent": pi, "amount": 700}
    r = gw.request("POST", "/v1/refunds", params, idem="refund-33-1")
    status(r, 500)
    r = gw.request("POST", "/v1/refunds", params, idem="refund-33-1")
    status(r, 200)
    eq(r.header("Idempotent-Replayed"), "true")
    listed = gw.api("GET", "/v1/refunds", {"payment_intent": pi})["data"]
    eq([(x["id"], x["amount"]) for x in listed], [(r.json()["id"], 700)])
    (h,) = [h for h in about(pi, 2) if h["json"]["type"] ==
            "charge.refunded"]
    eq(h["json"]["data"]["object"]["amount_refunded"], 700)
    gw.set_faults(api_500_next=1)
    r = gw.request("POST", "/v1/refunds", {"payment_intent": pi,
                                           "amount": 100}, idem="refund-33-2")
    status(r, 500)
    eq(gw.api("GET", "/v1/refunds", {"payment_intent": pi})["data"][0]["id"],
       listed[0]["id"])


# ------------------------------------------------------------ durability

def clock_pids(g):
    """The processes that took the clock, in order."""
    return [int(p) for p in re.findall(
        r"bin=gateway pid=(\d+) req=clock msg=\"clock: this process keeps "
        r"the time\"", g.error_log())]


@test
def deliveries_survive_a_killed_process():
    receiver = WebhookReceiver(statuses=[503])
    g = Gateway(webhook_url=receiver.url).start()
    s = g.create_session()
    g.pay(s["id"])
    receiver.wait(1)
    wait_for("the failure recorded", lambda: [
        d for d in g.deliveries() if d["attempts"] == 1])
    (pid,) = wait_for("a clock", lambda: clock_pids(g))
    os.kill(pid, signal.SIGKILL)
    # Another process's clock takes over and finds the pending delivery
    # in the database.
    pids = wait_for("another clock", lambda: (lambda p: p if len(p) > 1
                                              else None)(clock_pids(g)))
    assert pids[1] != pid, pids
    got = receiver.wait(2, timeout=8)
    eq([r["status"] for r in got], [503, 200])
    eq(got[0]["json"]["id"], got[1]["json"]["id"])
    g.stop()


@test
def stops_on_sigterm():
    """lighttpd stops its processes with SIGTERM: they must end."""
    g = Gateway().start()
    pids = {int(p) for p in re.findall(r"bin=gateway pid=(\d+)",
                                       g.error_log())}
    assert pids, g.error_log()
    g.stop()
    end = time.monotonic() + 5
    while time.monotonic() < end and any(
            os.path.exists(f"/proc/{p}") for p in pids):
        time.sleep(0.05)
    left = [p for p in pids if os.path.exists(f"/proc/{p}")]
    for p in left:
        os.kill(p, signal.SIGKILL)
    eq(left, [])


# ------------------------------------------------------------ sanitizers

@test
def sanitizer_build():
    """A tour of the gateway built with ASan and UBSan: no report."""
    asan = os.path.join(shoptest.ROOT, "build", "asan", "test")
    if not os.path.exists(os.path.join(asan, "tests", "gateway", "gateway")):
        raise AssertionError("build/asan/test has no gateway: run make asan")
    receiver = WebhookReceiver(statuses=[500])
    g = Gateway(webhook_url=receiver.url, build=asan, env={
        # Threads still blocked in accept() at exit are not freed.
        "ASAN_OPTIONS": "detect_leaks=0",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}).start()
    s = g.create_session(items=[(f"Item {i}", 100, 1) for i in range(30)])
    g.api("GET", f"/v1/checkout/sessions/{s['id']}/line_items")
    g.api("GET", "/v1/checkout/sessions", {"limit": 5})
    status(g.request("POST", "/v1/checkout/sessions",
                     g.session_params(colour="x")), 400)
    c = Client(g.port)
    status(c.get(f"/c/pay/{s['id']}"), 200)
    status(c.post(f"/c/pay/{s['id']}", body={
        "card_number": CARD_DECLINED, "card_expiry": "1/2",
        "card_cvc": "1", "email": "a@example.com"}), 422)
    status(c.post(f"/c/pay/{s['id']}", body={
        "card_number": CARD_OK, "card_expiry": "12 / 34",
        "card_cvc": "123", "email": "a@example.com"}), 303)
    pi = g.api("GET", f"/v1/checkout/sessions/{s['id']}")["payment_intent"]
    g.api("POST", "/v1/refunds", {"payment_intent": pi, "amount": 100},
          idem="r-1")
    g.api("POST", "/v1/refunds", {"payment_intent": pi, "amount": 100},
          idem="r-1")
    g.pay(g.create_session()["id"], card=CARD_ASYNC_FAIL)
    g.expire_sessions()
    g.set_faults(duplicate=1, reorder=1)
    g.create_session(idem="k")
    g.api("GET", "/v1/events", {"limit": 3})
    time.sleep(1.2)
    g.flush()
    receiver.wait(3)
    g.stop()
    log = g.error_log()
    lacks(log, "AddressSanitizer")
    lacks(log, "runtime error")
    lacks(log, "level=error")


run()
