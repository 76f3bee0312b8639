"""A customer of the shop for the load and concurrency tests: one cookie
jar (a browser) that may talk to several servers standing in for the same
shop, as a browser behind a load balancer does during a deploy, and the
checkout form filled in the way tests/cgi and the HTML form do.

Standard library only; uses shoptest's Client.
"""

import http.client
import json

from shoptest import Client

JSON = {"Accept": "application/json"}

ADDRESS = {
    "email": "shopper@example.test",
    "name": "Camille Martin",
    "line1": "12 rue des Lilas",
    "line2": "",
    "city": "Lyon",
    "postcode": "69003",
    "country": "FR",
    "shipping": "standard",
}

# What a client may retry: the server went away or was not ready.
RETRY_STATUS = frozenset((500, 502, 503, 504))
RETRY_ERRORS = (OSError, http.client.HTTPException)


def checkout_form(page, **fields):
    """The form of GET /checkout's JSON, filled in: the hidden checkout
    key and total come from the page."""
    f = dict(ADDRESS)
    f["checkout_key"] = page["checkout_key"]["value"]
    f["total"] = page["total"]["value"]
    f.update(fields)
    return f


def body_json(resp):
    """The JSON of an answer, or None when it is not JSON."""
    try:
        return json.loads(resp.body)
    except ValueError:
        return None


def session_of(payment_url):
    """The Checkout Session id at the end of a gateway payment URL."""
    sid = payment_url.rsplit("/", 1)[1]
    if not sid.startswith("cs_"):
        raise AssertionError(f"not a payment URL: {payment_url!r}")
    return sid


class Browser(Client):
    """A Client whose requests may go to any of several ports: the cookie
    jar is the browser's, whatever server answers."""

    def __init__(self, port):
        super().__init__(port)

    def to(self, port):
        self.port = port
        return self

    def twin(self):
        """A second tab of the same browser: the same cookies, now."""
        b = Browser(self.port)
        b.cookies = dict(self.cookies)
        return b
