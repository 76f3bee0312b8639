"""Orders for the accountant (lib/shop/order_export.c): GET
/admin/orders.csv and shopctl export orders write one row per order
placed in a period, or with lines one per invoice and credit-note line
issued in it, as CSV by RFC 4180 (libcsv's csv_write: every field
quoted, quotes doubled, CRLF) or tab-separated text; fields with commas,
quotes and line breaks survive Python's csv reader. The bad-* cases:
dates missing, malformed or that do not exist, a period backwards, an
unknown option, a customer asking."""

import csv
import io
import os
import secrets
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import adminfixture as af  # noqa: E402
import payfixture as pf  # noqa: E402
import shopfixture as fx  # noqa: E402

SECRET = "whsec_" + secrets.token_hex(16)
HOOK_ENV = {"STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_SECRET_KEY": "sk_test_unused",
            "STRIPE_API_BASE": "http://127.0.0.1:9"}
TODAY = time.strftime("%Y-%m-%d", time.gmtime())
YEAR = TODAY[:4]
NAME = 'Ann "Nan", Lee\nc/o Bob'
PRODUCT = 'Hat, "wool"\r\nlarge'
ORDER_HEAD = ["order", "placed_at", "paid_at", "state", "email", "name",
              "country", "currency", "subtotal", "discount", "shipping",
              "tax", "total",
              "paid", "refunded", "invoice", "invoiced_at", "credit_notes"]


def datadir():
    d = fx.datadir()
    pf.pricing(d)
    return d


def sql(d, q, p=()):
    return shoptest.sql(d, q, p)


def paid_order(d, lines=((fx.HAT, 2),), name=None, product=None):
    """An order paid by a signed webhook, its buyer and product named as
    asked before it is paid (so its invoice keeps those names)."""
    o = pf.pending_order(d, list(lines), session_id=pf.new_session_id())
    if name is not None:
        sql(d, "UPDATE orders SET ship_name = ? WHERE id = ?", (name, o["id"]))
    if product is not None:
        sql(d, "UPDATE order_lines SET product_name = ? WHERE order_id = ?",
            (product, o["id"]))
    body = pf.event("checkout.session.completed", pf.session(o))
    status(shoptest.cgi("webhooks", "/webhooks/stripe", "POST", body=body,
                        headers=pf.signed(SECRET, body), env=HOOK_ENV,
                        data_dir=d), 200)
    return o


def row_of(d, o):
    """What the export must say of order o, as the database has it."""
    (created, paid_at, inv, inv_at), = sql(
        d, "SELECT o.created_at, o.paid_at, i.number, i.issued_at FROM "
        "orders o JOIN invoices i ON i.order_id = o.id WHERE o.id = ?",
        (o["id"],))
    money = lambda v: f"{v // 100}.{v % 100:02d}"  # noqa: E731
    return [o["number"], created, paid_at, "paid", "ann@example.test",
            NAME, "FR", "EUR", money(o["subtotal"]), "0.00",
            money(o["shipping"]),
            money(o["tax"]), money(o["total"]), money(o["total"]), "0.00",
            inv, inv_at, ""]


def export_bytes(d, *args):
    """shopctl export orders with its output as bytes (CRLF kept)."""
    e = {**os.environ, "SHOP_DATA_DIR": d,
         "SHOP_TEMPLATE_DIR": shoptest.TEMPLATES}
    p = subprocess.run([os.path.join(shoptest.BUILD, "bin", "shopctl"),
                        "-q", "export", "orders", *args], env=e,
                       capture_output=True, timeout=60)
    eq(p.returncode, 0, p.stderr)
    return p.stdout


def csv_rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


@test
def admin_csv_one_row_per_order():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d, name=NAME, product=PRODUCT)
    pf.pending_order(d, [(fx.HAT, 1)])      # unpaid: a row, no invoice
    r = af.admin(d, f"/admin/orders.csv?from={TODAY}&to={TODAY}",
                 cookie=cookie)
    status(r, 200)
    eq(r.header("Content-Type"), "text/csv; charset=utf-8; header=present")
    eq(r.header("Content-Disposition"),
       f'attachment; filename="orders-{TODAY}-{TODAY}.csv"')
    eq(r.header("Cache-Control"), "no-store")
    text = r.body.decode("utf-8")
    # Every field quoted, quotes doubled, the line breaks kept inside.
    contains(text, '"Ann ""Nan"", Lee\nc/o Bob"')
    eq(text.startswith('"order","placed_at","paid_at"'), True)
    eq(text.count("\r\n"), 3)
    rows = csv_rows(text)
    eq(rows[0], ORDER_HEAD)
    eq(rows[1], row_of(d, o))
    eq(rows[2][3], "pending_payment")
    eq(rows[2][15], "")
    # The same rows from shopctl --csv, byte for byte.
    eq(export_bytes(d, "--from", TODAY, "--to", TODAY, "--csv"), r.body)


@test
def lines_of_invoices_and_credit_notes():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    o = paid_order(d, product=PRODUCT)
    # A credit note, as refund_record() issues one: through SQL here, the
    # gateway being another file's subject (test_invoices).
    sql(d, "INSERT INTO refunds (order_id, amount, currency, payment_intent, "
        "state, gateway_id, actor, created_at, updated_at) VALUES (?, 600, "
        "'EUR', 'pi_x', 'succeeded', 're_x', 'test', '', '')", (o["id"],))
    sql(d, "INSERT INTO credit_notes (year, seq, number, refund_id, "
        "order_id, ordinal, invoice_id, order_number, issued_at, currency, "
        "seller_name, seller_address, seller_vat, buyer_name, buyer_email, "
        "buyer_address, total, tax) SELECT ?, 1, 'CN-' || ? || '-000001', "
        "1, ?, 1, 1, ?, issued_at, 'EUR', '', '', '', '', '', '', 600, 100 "
        "FROM invoices", (int(YEAR), YEAR, o["id"], o["number"]))
    sql(d, "INSERT INTO credit_note_lines (credit_note_id, position, "
        "description, quantity, amount, tax, tax_name, tax_rate_bp) VALUES "
        "(1, 1, 'Refund, partly', 1, 600, 100, 'VAT', 2000)")
    r = af.admin(d, f"/admin/orders.csv?from={TODAY}&to={TODAY}&lines=1",
                 cookie=cookie)
    status(r, 200)
    eq(r.header("Content-Disposition"),
       f'attachment; filename="orders-lines-{TODAY}-{TODAY}.csv"')
    rows = csv_rows(r.body.decode("utf-8"))
    (issued,), = sql(d, "SELECT issued_at FROM invoices")
    inv = f"INV-{YEAR}-000001"
    eq(rows, [
        ["document", "number", "issued_at", "order", "line", "description",
         "sku", "quantity", "unit_price", "net", "tax_name", "tax_rate",
         "tax", "gross", "currency"],
        ["invoice", inv, issued, o["number"], "1", PRODUCT, "HAT", "2",
         "15.00", "25.00", "VAT", "20.00", "5.00", "30.00", "EUR"],
        ["invoice", inv, issued, o["number"], "2",
         "Shipping: Standard (3-5 days)", "", "1", "4.95", "4.12", "VAT",
         "20.00", "0.83", "4.95", "EUR"],
        ["credit_note", f"CN-{YEAR}-000001", issued, o["number"], "1",
         "Refund, partly", "", "1", "0.00", "-5.00", "VAT", "20.00",
         "-1.00", "-6.00", "EUR"]])
    # Tab-separated from shopctl: one line a row, breaks flattened.
    p = shoptest.shopctl("export", "orders", "--from", TODAY, "--to",
                         TODAY, "--lines", data_dir=d)
    lines = p.stdout.split("\n")
    eq(len(lines), 5)
    eq(lines[1].split("\t")[5], 'Hat, "wool"  large')
    contains(p.stderr, "export: 3 document lines")
    # The per-order rows name the credit note.
    p = shoptest.shopctl("-q", "export", "orders", "--from", TODAY, "--to",
                         TODAY, "--csv", data_dir=d)
    eq(csv_rows(p.stdout)[1][17], f"CN-{YEAR}-000001")


@test
def a_period_without_orders_is_the_header_alone():
    d = datadir()
    paid_order(d)
    p = shoptest.shopctl("export", "orders", "--from", "2001-01-01", "--to",
                         "2001-12-31", "--csv", data_dir=d)
    contains(p.stderr, "export: 0 orders")
    eq(export_bytes(d, "--from", "2001-01-01", "--to", "2001-12-31", "--csv"),
       (",".join(f'"{h}"' for h in ORDER_HEAD) + "\r\n").encode())


@test
def bad_queries_are_refused():
    d = datadir()
    cookie = af.signed_in(d, "staff")
    for q in ("", f"from={TODAY}", f"to={TODAY}", f"from=2026-02-30&to={TODAY}",
              f"from={TODAY}&to=2026-1-1", f"from={TODAY}&to=tomorrow",
              "from=2026-03-02&to=2026-03-01",
              f"from={TODAY}&to={TODAY}&lines=yes"):
        r = af.admin(d, "/admin/orders.csv?" + q if q else
                     "/admin/orders.csv", cookie=cookie)
        status(r, 400)
        eq(r.header("Content-Type").startswith("text/csv"), False)
    r = af.admin(d, f"/admin/orders.csv?from={TODAY}&to={TODAY}",
                 cookie=af.signed_in(d, None))
    status(r, 403)
    for args, msg in (
            ([], "--from and --to are needed"),
            (["--from", TODAY], "--from and --to are needed"),
            (["--from", "2026-02-30", "--to", TODAY], "dates are YYYY-MM-DD"),
            (["--from", "2026-03-02", "--to", "2026-03-01"],
             "--from 2026-03-02 is after --to 2026-03-01"),
            (["--from", TODAY, "--to", TODAY, "--xml"],
             'unexpected argument "--xml"')):
        p = shoptest.shopctl("export", "orders", *args, data_dir=d,
                             check=False)
        eq(p.returncode, 2, args)
        contains(p.stderr, msg)
        eq(p.stdout, "")


shoptest.run()
