"""Cross-origin protection of every non-GET route (lib/web/origin.c, called by
the request loop), case by case: Sec-Fetch-Site first, Origin without it,
and requests with neither header (curl, scripts) pass."""

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
def fetch_site_same_origin_same_site_none_pass():
    for v in ("same-origin", "same-site", "none"):
        allowed({"Sec-Fetch-Site": v})
    # Sec-Fetch-Site is trusted over Origin when both are sent.
    allowed({"Sec-Fetch-Site": "same-origin",
             "Origin": "http://evil.example"})


@test
def origin_without_fetch_metadata():
    refused({"Origin": "http://evil.example"})
    refused({"Origin": "null"})
    refused({"Origin": "https://127.0.0.1:8080"})
    allowed({"Origin": "http://127.0.0.1:8080"})


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
