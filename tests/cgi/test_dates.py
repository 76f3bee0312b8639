"""Dates and countries for people on the order page and in the order
history: the stored UTC timestamp written in the shop's locale and time
zone (SHOP_LOCALE, SHOP_TIMEZONE; en-GB and Europe/Paris by default),
inside a <time> that keeps the timestamp, and the country's name, not its
code. A locale or zone the shop does not know stops the program at once;
a zone left to its default never does."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

TOKEN = "d" * 32
JSON = {"Accept": "application/json"}


def order(d, created="2026-12-03T11:43:19Z", paid="", country="FR"):
    shoptest.sql(d, "INSERT INTO orders (number, token, state, email, "
                 "currency, subtotal, shipping, tax, total, tax_name, "
                 "tax_rate_bp, tax_inclusive, shipping_code, shipping_name, "
                 "ship_name, ship_line1, ship_city, ship_postcode, "
                 "ship_country, reserved_until, created_at, paid_at) VALUES "
                 "('SF-000042', ?, ?, 'ann@example.com', 'EUR', 2500, 500, "
                 "0, 3000, 'VAT', 2000, 1, 'std', 'Standard', 'Ann', "
                 "'1 Rue', 'Paris', '75001', ?, 0, ?, ?)",
                 (TOKEN, "paid" if paid else "pending_payment", country, created,
                  paid or None))


def page(d, env=None, headers=None):
    return shoptest.cgi("checkout", "/orders/" + TOKEN, data_dir=d,
                        env=env, headers=headers)


@test
def order_page_default_locale_and_zone():
    d = fx.datadir()
    order(d, paid="2026-12-03T11:45:02Z")
    r = page(d)
    status(r, 200)
    contains(r.text, 'Order placed <time datetime="2026-12-03T11:43:19Z">'
             '3 December 2026, 12:43 CET</time>, paid <time datetime='
             '"2026-12-03T11:45:02Z">3 December 2026, 12:45 CET</time>.')
    contains(r.text, "<address>Ann<br>1 Rue<br>75001 Paris<br>France"
             "</address>")
    lacks(r.text, "T11:43:19Z<")
    j = page(d, headers=JSON).json()
    eq(j["order"]["created_at"], "2026-12-03T11:43:19Z")
    eq(j["order"]["created_label"], "3 December 2026, 12:43 CET")
    eq(j["order"]["address"]["country"], "FR")
    eq(j["order"]["address"]["country_name"], "France")


@test
def order_page_other_locales_and_zones():
    d = fx.datadir()
    order(d, created="2026-07-14T22:05:00Z")
    cases = [
        ({"SHOP_LOCALE": "fr-FR"}, "15 juillet 2026 à 00:05 CEST"),
        ({"SHOP_LOCALE": "en-US"}, "July 15, 2026, 12:05 AM CEST"),
        ({"SHOP_LOCALE": "de-DE"}, "15. Juli 2026, 00:05 CEST"),
        ({"SHOP_TIMEZONE": "America/New_York"}, "14 July 2026, 18:05 EDT"),
        ({"SHOP_TIMEZONE": "UTC"}, "14 July 2026, 22:05 UTC"),
        ({"SHOP_LOCALE": "en-US", "SHOP_TIMEZONE": "Asia/Tokyo"},
         "July 15, 2026, 7:05 AM JST"),
    ]
    for env, want in cases:
        r = page(d, env=env)
        status(r, 200)
        contains(r.text, '<time datetime="2026-07-14T22:05:00Z">' + want +
                 '</time>.', str(env))
    # No paid_at on an unpaid order: no "paid" part.
    lacks(r.text, ", paid <time")


@test
def country_without_a_name_keeps_its_code():
    d = fx.datadir()
    order(d, country="ZZ")
    r = page(d)
    status(r, 200)
    contains(r.text, "75001 Paris<br>ZZ</address>")


@test
def bad_stored_date_is_shown_as_stored():
    d = fx.datadir()
    order(d, created="2026-13-45 bad")
    r = page(d)
    status(r, 200)
    contains(r.text, 'Order placed <time datetime="2026-13-45 bad">'
             '2026-13-45 bad</time>.')


def refused(env, message):
    """The program, run once as CGI (even when the suite uses FastCGI:
    it must not start at all), exits 1 with message on standard error."""
    d = fx.datadir()
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
         "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
         "REQUEST_URI": "/orders/" + TOKEN, "PATH_INFO": "/orders/" + TOKEN,
         "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
         "SHOP_DATA_DIR": d, "SHOP_TEMPLATE_DIR": shoptest.TEMPLATES}
    e.update(env)
    p = subprocess.run([os.path.join(shoptest.BUILD, "cgi-bin", "checkout")],
                       env=e, capture_output=True, timeout=60)
    eq(p.returncode, 1, str(env))
    contains(p.stderr.decode(), message, str(env))
    lacks(p.stdout.decode(), "Order SF-", str(env))


@test
def bad_locale_stops_the_program():
    for v in ("fr", "fr_FR", "FR-fr", "klingon", "en-GB "):
        refused({"SHOP_LOCALE": v}, "SHOP_LOCALE must be en-GB, en-US, "
                f"fr-FR or de-DE: {v}")


@test
def bad_zone_stops_the_program():
    for v in ("Europe/Atlantis", "../../etc/passwd", "/etc/localtime",
              "CET-1CEST", "Europe"):
        refused({"SHOP_TIMEZONE": v}, "SHOP_TIMEZONE is not a time zone "
                f"of the system: {v}")


@test
def empty_settings_are_the_defaults():
    d = fx.datadir()
    order(d)
    r = page(d, env={"SHOP_LOCALE": "", "SHOP_TIMEZONE": ""})
    status(r, 200)
    contains(r.text, "3 December 2026, 12:43 CET</time>.")


@test
def missing_zone_database_falls_back_to_utc():
    d = fx.datadir()
    order(d)
    empty = shoptest.tempdir()
    r = page(d, env={"TZDIR": empty})
    status(r, 200)
    contains(r.text, "3 December 2026, 11:43 UTC</time>.")


shoptest.run()
