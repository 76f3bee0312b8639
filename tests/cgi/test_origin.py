"""Cross-origin protection of every non-GET route (lib/web/origin.c, called by
the request loop), case by case: Sec-Fetch-Site must say same-origin or
none, an Origin sent must be the shop's own (the origin of SHOP_BASE_URL,
whatever Sec-Fetch-Site says), and requests with neither header (curl,
scripts) pass."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

REFUSED = ("This form was sent from another site, so it was refused. "
           "Please use the form on this site.")
_data = []


def data():
    if not _data:
        _data.append(fx.datadir())
    return _data[0]


def post(headers, prog="cart", path="/cart/empty", body=b""):
    return shoptest.cgi(prog, path, "POST", body=body, headers=headers,
                        data_dir=data())


def allowed(headers):
    r = post(headers)
    status(r, 303)
    eq(r.header("Location"), "/cart?notice=emptied")


def refused(headers):
    r = post(headers)
    status(r, 403)
    contains(r.text, REFUSED)


@test
def fetch_site_cross_site_refused():
    refused({"Sec-Fetch-Site": "cross-site"})
    refused({"Sec-Fetch-Site": "Cross-Site",
             "Origin": "http://127.0.0.1:8080"})


@test
def fetch_site_same_origin_and_none_pass():
    for v in ("same-origin", "none", "Same-Origin"):
        allowed({"Sec-Fetch-Site": v})
        allowed({"Sec-Fetch-Site": v, "Origin": "http://127.0.0.1:8080"})


@test
def bad_fetch_site_same_site_refused():
    # Another host of the same site (a subdomain, another port) is not
    # the shop: its pages may be anyone's.
    refused({"Sec-Fetch-Site": "same-site"})
    refused({"Sec-Fetch-Site": "same-site",
             "Origin": "http://127.0.0.1:8080"})
    for v in ("", "cross-origin", "same-origin, none", "unknown"):
        refused({"Sec-Fetch-Site": v})


@test
def bad_origin_checked_beside_fetch_site():
    # An Origin that is sent is checked even when Sec-Fetch-Site says
    # same-origin: both must agree.
    for site in ("same-origin", "none"):
        refused({"Sec-Fetch-Site": site, "Origin": "http://evil.example"})
        refused({"Sec-Fetch-Site": site, "Origin": "null"})


@test
def origin_without_fetch_metadata():
    refused({"Origin": "http://evil.example"})
    refused({"Origin": "null"})
    refused({"Origin": "https://127.0.0.1:8080"})
    refused({"Origin": "http://127.0.0.1:8081"})
    refused({"Origin": "http://127.0.0.1:8080/"})
    refused({"Origin": "http://127.0.0.1:8080.evil.example"})
    refused({"Origin": ""})
    allowed({"Origin": "http://127.0.0.1:8080"})
    allowed({"Origin": "HTTP://127.0.0.1:8080"})


@test
def bad_origin_of_the_host_header_is_not_the_shop():
    # Only the shop's base URL counts, not whatever host the request was
    # sent to (a rebinding domain names itself in both).
    refused({"Origin": "http://evil.example", "Host": "evil.example"})
    refused({"Sec-Fetch-Site": "same-origin", "Origin":
             "http://evil.example:8080", "Host": "evil.example:8080"})


def post_base(base, headers):
    return shoptest.cgi("cart", "/cart/empty", "POST", body=b"",
                        headers=headers, data_dir=data(),
                        env={"SHOP_BASE_URL": base})


@test
def origin_of_a_base_url_with_a_path_or_default_port():
    for base, origin in [("https://shop.example/store/", "https://shop.example"),
                         ("https://shop.example:443", "https://shop.example"),
                         ("http://shop.example:80/", "http://shop.example"),
                         ("https://Shop.Example", "https://shop.example")]:
        status(post_base(base, {"Origin": origin}), 303)
    for base, origin in [("https://shop.example/store", "https://shop.example/store"),
                         ("https://shop.example:8443", "https://shop.example"),
                         ("https://shop.example", "http://shop.example")]:
        r = post_base(base, {"Origin": origin})
        status(r, 403)


@test
def neither_header_passes():
    allowed({})


@test
def json_clients_get_json_403():
    r = post({"Sec-Fetch-Site": "cross-site", "Accept": "application/json"})
    status(r, 403)
    eq(r.json(), {"ok": False, "status": 403, "error": REFUSED})


@test
def every_program_checks():
    # The account program refuses a cross-site log-in before reading it.
    r = shoptest.cgi("account", "/account/login", "POST",
                     body="email=a%40b.example&password=x",
                     headers={"Origin": "http://evil.example"},
                     data_dir=data())
    status(r, 403)
    contains(r.text, REFUSED)
    # GET is never refused.
    r = shoptest.cgi("cart", "/cart", headers={"Sec-Fetch-Site":
                                               "cross-site"},
                     data_dir=data())
    status(r, 200)


shoptest.run()
