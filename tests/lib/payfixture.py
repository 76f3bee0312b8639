"""Orders, gateway objects and signed webhooks for the payment tests,
computed here independently of the C code.

pricing(d) adds the demo store's shipping methods and tax rates (as
"shopctl seed" does) to a data directory; pending_order() inserts an order
awaiting payment exactly as lib/shop/order.c's order_create() leaves one (the
row, its number, its line snapshot, its stock reserved, its first
order_events row), optionally with a Checkout Session recorded as
settle_start() does. session(), charge() and event() build objects shaped
like the test gateway's (tests/gateway/store.c, after Stripe's), and
signed() the headers a webhook carries.
"""

import json
import secrets
import time

import shoptest
from gateway import stripe_signature

STANDARD, EXPRESS = "standard", "express"
STANDARD_PRICE, STANDARD_FREE_OVER, EXPRESS_PRICE = 495, 5000, 1290

# country: (name, basis points, inclusive)
TAX = {
    "FR": ("VAT", 2000, True),
    "DE": ("VAT", 1900, True),
    "US": ("Sales tax", 825, False),
}


def pricing(d):
    """The seed's shipping methods and a few of its tax rates."""
    shoptest.sql(d, "INSERT INTO shipping_methods (code, name, price, "
                 "currency, free_over, position) VALUES "
                 "('standard', 'Standard (3-5 days)', 495, 'EUR', 5000, 1), "
                 "('express', 'Express (next day)', 1290, 'EUR', NULL, 2)")
    shoptest.sql(d, "INSERT INTO tax_rates (country, name, rate_bp, "
                 "inclusive) VALUES ('FR', 'VAT', 2000, 1), "
                 "('DE', 'VAT', 1900, 1), ('US', 'Sales tax', 825, 0)")


def tax_on(amount, bp, inclusive):
    """Half up, in integers, as lib/shop/pricing.c's tax_on() is documented."""
    if amount <= 0 or bp <= 0:
        return 0
    den = 10000 + bp if inclusive else 10000
    return (amount * bp + den // 2) // den


def quote(d, lines, country="FR", shipping=STANDARD):
    """What checkout would charge for lines [(variant_id, qty)]."""
    out = []
    subtotal = tax = 0
    name, bp, incl = TAX.get(country, ("Tax", 0, True))
    for vid, qty in lines:
        (pname, title, sku, price, cur), = shoptest.sql(
            d, "SELECT p.name, v.title, v.sku, v.price, v.currency "
            "FROM variants v JOIN products p ON p.id = v.product_id "
            "WHERE v.id = ?", (vid,))
        lt = price * qty
        lt_tax = tax_on(lt, bp, incl)
        out.append(dict(variant_id=vid, product_name=pname,
                        variant_title=title, sku=sku, unit_price=price,
                        quantity=qty, line_total=lt, tax=lt_tax))
        subtotal += lt
        tax += lt_tax
    if shipping == STANDARD:
        ship_name = "Standard (3-5 days)"
        ship = 0 if subtotal >= STANDARD_FREE_OVER else STANDARD_PRICE
    else:
        ship_name, ship = "Express (next day)", EXPRESS_PRICE
    tax += tax_on(ship, bp, incl)
    total = subtotal + ship + (0 if incl else tax)
    return dict(lines=out, subtotal=subtotal, shipping=ship, tax=tax,
                total=total, tax_name=name, tax_rate_bp=bp,
                tax_inclusive=incl, shipping_code=shipping,
                shipping_name=ship_name, currency="EUR")


def new_session_id():
    return "cs_test_" + secrets.token_hex(12)


def pending_order(d, lines, country="FR", shipping=STANDARD,
                  email="ann@example.test", session_id=None, hold=1800):
    """An order awaiting payment, as order_create() and, when session_id
    is given, settle_start() leave it. Returns the order as a dict."""
    q = quote(d, lines, country, shipping)
    token = secrets.token_urlsafe(24)
    until = int(time.time()) + hold
    import sqlite3
    con = sqlite3.connect(f"{d}/shop.db", timeout=10)
    try:
        con.execute("BEGIN IMMEDIATE")
        cur = con.execute(
            "INSERT INTO orders (token, email, user_id, checkout_key, "
            "currency, subtotal, shipping, tax, total, tax_name, "
            "tax_rate_bp, tax_inclusive, shipping_code, shipping_name, "
            "ship_name, ship_line1, ship_line2, ship_city, ship_postcode, "
            "ship_country, reserved_until) VALUES (?, ?, NULL, NULL, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, 'Ann Lee', '1 Rue X', '', 'Paris', "
            "'75001', ?, ?)",
            (token, email, q["currency"], q["subtotal"], q["shipping"],
             q["tax"], q["total"], q["tax_name"], q["tax_rate_bp"],
             int(q["tax_inclusive"]), q["shipping_code"],
             q["shipping_name"], country, until))
        oid = cur.lastrowid
        con.execute("UPDATE orders SET number = printf('SF-%06d', id) "
                    "WHERE id = ?", (oid,))
        for l in q["lines"]:
            n = con.execute("UPDATE variants SET stock = stock - ? WHERE "
                            "id = ? AND active AND stock >= ?",
                            (l["quantity"], l["variant_id"],
                             l["quantity"])).rowcount
            assert n == 1, f"variant {l['variant_id']} has too little stock"
            con.execute(
                "INSERT INTO order_lines (order_id, variant_id, "
                "product_name, variant_title, sku, unit_price, quantity, "
                "line_total, tax) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (oid, l["variant_id"], l["product_name"],
                 l["variant_title"], l["sku"], l["unit_price"],
                 l["quantity"], l["line_total"], l["tax"]))
        con.execute("INSERT INTO order_events (order_id, from_state, "
                    "to_state, source, cause, ref) VALUES (?, NULL, "
                    "'pending_payment', 'checkout', 'order placed, stock "
                    "reserved', NULL)", (oid,))
        if session_id is not None:
            con.execute("UPDATE orders SET payment_attempt = 1, "
                        "session_id = ?, session_url = ? WHERE id = ?",
                        (session_id, "http://gateway.test/c/pay/" +
                         session_id, oid))
        con.commit()
    finally:
        con.close()
    q.update(id=oid, token=token, number=f"SF-{oid:06d}",
             session_id=session_id, email=email, country=country)
    return q


def session(order=None, session_id=None, status="complete",
            payment_status="paid", amount=None, currency="eur",
            payment_intent=None, metadata=None, token=None):
    """A checkout.session object as the gateway shows it in events."""
    sid = session_id or (order or {}).get("session_id") or new_session_id()
    if metadata is None and order is not None:
        metadata = {"order_id": str(order["id"]),
                    "order_token": token or order["token"],
                    "order_number": order["number"]}
    now = int(time.time())
    if payment_intent is None and payment_status == "paid":
        payment_intent = "pi_" + secrets.token_hex(12)
    return {
        "id": sid, "object": "checkout.session",
        "amount_subtotal": amount if amount is not None else order["total"],
        "amount_total": amount if amount is not None else order["total"],
        "cancel_url": "http://127.0.0.1:8080/orders/x?cancelled=1",
        "client_reference_id": (metadata or {}).get("order_id"),
        "created": now - 60, "currency": currency,
        "customer_details": ({"email": "ann@example.test", "name": None}
                             if status == "complete" else None),
        "customer_email": "ann@example.test",
        "expires_at": now + 1800, "livemode": False,
        "metadata": metadata or {}, "mode": "payment",
        "payment_intent": payment_intent,
        "payment_method_types": ["card"],
        "payment_status": payment_status, "status": status,
        "success_url": "http://127.0.0.1:8080/checkout/success"
                       "?session_id={CHECKOUT_SESSION_ID}",
        "url": None if status != "open" else
        "http://gateway.test/c/pay/" + sid,
    }


def charge(payment_intent, amount, refunded, currency="eur"):
    """A charge object of a charge.refunded event."""
    return {
        "id": "ch_" + secrets.token_hex(12), "object": "charge",
        "amount": amount, "amount_captured": amount,
        "amount_refunded": refunded, "captured": True,
        "created": int(time.time()), "currency": currency,
        "livemode": False, "metadata": {}, "paid": True,
        "payment_intent": payment_intent,
        "refunded": refunded == amount, "status": "succeeded",
    }


def event(type, obj, event_id=None):
    """An event body, as bytes exactly as it is signed and sent."""
    ev = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event", "api_version": "2024-06-20",
        "created": int(time.time()), "data": {"object": obj},
        "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": type,
    }
    return json.dumps(ev, separators=(",", ":")).encode()


def signed(secret, body, t=None, extra_v1=()):
    """The headers of a webhook: Stripe-Signature and the content type."""
    t = int(time.time()) if t is None else t
    v1 = [stripe_signature(secret, t, body), *extra_v1]
    return {"Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={t}," + ",".join(f"v1={s}" for s in v1)}


def event_id(body):
    return json.loads(body)["id"]
