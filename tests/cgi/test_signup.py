"""Sign-up does not tell who has an account: a new email and a known one
get the same status, page and JSON, after the same work (a password
hashed either way); a new one is mailed a link that makes the account
when followed, the owner of a known one is told someone tried. Sign-ups
are limited per address, and their mails per email."""

import email
import email.policy
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test, worker_once  # noqa
import shopfixture as fx  # noqa: E402

FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
JSON = {"Accept": "application/json"}
CHECK = ("Thank you. We have sent a mail to the address you gave: follow "
         "its link within a day to finish creating your account. If that "
         "address has an account already, the mail says so instead.")
BAD_LINK = ("This link to finish creating an account has expired or has "
            "been used already. Please sign up again.")


def acct(d, path, method="GET", body=None, cookie=None, headers=None,
         addr="192.0.2.1", env=None, **kw):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body or b"",
                        headers=h, data_dir=d,
                        env=dict(FAST, REMOTE_ADDR=addr, **(env or {})), **kw)


def signup(d, email_, name="Bob", password="correct horse", **kw):
    return acct(d, "/account/signup", "POST", {"email": email_, "name": name,
                                               "password": password}, **kw)


def owner(d):
    shoptest.shopctl("user", "add", "ann@example.com", "Ann", data_dir=d,
                     input="correct horse\n", env=FAST)


def mails(d):
    """Every mail written so far, oldest first, after running the worker."""
    worker_once(d)
    out = []
    for p in sorted(glob.glob(os.path.join(d, "mail", "*.eml")),
                    key=os.path.getmtime):
        with open(p, "rb") as f:
            out.append(email.message_from_binary_file(
                f, policy=email.policy.default))
    return out


def link(msg):
    text = msg.get_body(("plain",)).get_content()
    m = re.search(r"http://127\.0\.0\.1:8080/account/confirm\?token="
                  r"([A-Za-z0-9_-]{43})\r?\n", text)
    if not m:
        raise AssertionError(f"no link in {text!r}")
    return m.group(1)


def sid(resp):
    got = [v.split(";")[0] for v in resp.header_all("Set-Cookie")
           if v.startswith("sid=")]
    if not got:
        raise AssertionError(f"no session cookie in {resp.headers}")
    return got[-1]


def shape(r):
    """What a client sees of an answer, less what differs by nature."""
    return (r.status, r.header("Location"),
            sorted(k for k, _ in r.headers if k != "X-Request-Id"),
            r.header_all("Set-Cookie"), r.body)


@test
def new_and_known_emails_get_the_same_answer():
    d = fx.datadir()
    owner(d)
    for headers in (None, JSON):
        answers = [shape(signup(d, e, headers=headers, addr="192.0.2.%d" % i))
                   for i, e in enumerate(("ann@example.com",
                                          "bob@example.com",
                                          " ANN@Example.com ",
                                          "cy@example.com"))]
        for a in answers[1:]:
            eq(a, answers[0])
    eq(answers[0][0], 202)
    eq(answers[0][-1], b'{"ok":true}\n')
    r = signup(d, "ann@example.com")
    status(r, 303)
    eq(r.header("Location"), "/account/signup?notice=check_mail")
    eq(r.header_all("Set-Cookie"), [])
    contains(acct(d, "/account/signup", query="notice=check_mail").text,
             CHECK)
    # No account is made, nor changed, by a sign-up alone.
    eq(shoptest.sql(d, "SELECT email, name FROM users"),
       [("ann@example.com", "Ann")])


@test
def the_owner_of_a_known_email_is_told():
    d = fx.datadir()
    owner(d)
    status(signup(d, "Ann@example.com", name="Mallory",
                  password="stolen horse battery"), 303)
    m, = mails(d)
    eq(m["To"], "Ann <ann@example.com>")
    eq(m["Subject"], "Someone tried to sign up at Shopfile with your email")
    text = m.get_body(("plain",)).get_content()
    contains(text, "Someone tried to create an account at Shopfile with "
             "your email\naddress, ann@example.com.")
    contains(text, "http://127.0.0.1:8080/account/password/forgot")
    lacks(text, "Mallory")
    contains(m.get_body(("html",)).get_content(),
             '<a href="http://127.0.0.1:8080/account/login">sign in</a>')
    # The account is as it was.
    status(acct(d, "/account/login", "POST", {
        "email": "ann@example.com", "password": "correct horse"}), 303)
    status(acct(d, "/account/login", "POST", {
        "email": "ann@example.com", "password": "stolen horse battery"}), 422)


@test
def a_new_account_is_made_by_its_link():
    d = fx.datadir()
    # A guest with a cart signs up in the same browser.
    guest = sid(shoptest.cgi("cart", "/cart/items", "POST",
                             body="variant_id=1&quantity=2", data_dir=d))
    status(signup(d, "Bob@Example.com", cookie=guest), 303)
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(0,)])
    m, = mails(d)
    eq(m["To"], "Bob <bob@example.com>")
    eq(m["Subject"], "Finish creating your account at Shopfile")
    token = link(m)
    contains(m.get_body(("html",)).get_content(),
             f'<a href="http://127.0.0.1:8080/account/confirm?token={token}">'
             'Finish creating my account</a>')
    # Following the link shows a button; a mail scanner's GET makes nothing.
    r = acct(d, "/account/confirm", query="token=" + token, cookie=guest)
    status(r, 200)
    eq(r.header_all("Referrer-Policy")[-1], "strict-origin")
    contains(r.text, f'<input type="hidden" name="token" value="{token}">')
    contains(r.text, "bob@example.com")
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(0,)])
    r = acct(d, "/account/confirm", "POST", {"token": token}, cookie=guest)
    status(r, 303)
    eq(r.header("Location"), "/account?notice=welcome")
    # The browser that finished is trusted for the account's log-ins.
    eq(len([v for v in r.header_all("Set-Cookie") if v.startswith("dev=")]),
       1)
    c = sid(r)
    if c == guest:
        raise AssertionError("the session id was not rotated")
    eq(shoptest.sql(d, "SELECT email, name FROM users"),
       [("bob@example.com", "Bob")])
    eq(shoptest.sql(d, "SELECT count(*) FROM signups"), [(0,)])
    r = acct(d, "/account", cookie=c, query="notice=welcome")
    contains(r.text, "Welcome! Your account is ready.")
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": c, **JSON},
                     data_dir=d)
    eq([(x["variant_id"], x["quantity"]) for x in r.json()["cart"]["lines"]],
       [(1, 2)])
    # Once only.
    r = acct(d, "/account/confirm", query="token=" + token)
    status(r, 404)
    contains(r.text, BAD_LINK)
    r = acct(d, "/account/confirm", "POST", {"token": token}, headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"token": BAD_LINK}})
    status(acct(d, "/account/login", "POST", {
        "email": "bob@example.com", "password": "correct horse"}), 303)


@test
def the_link_in_json():
    d = fx.datadir()
    status(signup(d, "cy@example.com", headers=JSON), 202)
    token = link(mails(d)[0])
    r = acct(d, "/account/confirm", "POST", {"token": token}, headers=JSON)
    status(r, 201)
    eq(r.json(), {"ok": True, "user": {"id": 1, "email": "cy@example.com",
                                       "name": "Bob", "admin": False,
                                    "staff": False}})


@test
def bad_superseded_expired_and_taken_links():
    d = fx.datadir()
    status(signup(d, "dee@example.com", name="First"), 303)
    first = link(mails(d)[0])
    status(signup(d, "dee@example.com", name="Second"), 303)
    second, = [t for t in map(link, mails(d)) if t != first]
    status(acct(d, "/account/confirm", query="token=" + first), 404)
    status(acct(d, "/account/confirm", query="token=" + second), 200)
    shoptest.sql(d, "UPDATE signups SET expires_at = unixepoch() - 1")
    status(acct(d, "/account/confirm", query="token=" + second), 404)
    r = acct(d, "/account/confirm", "POST", {"token": second})
    status(r, 422)
    contains(r.text, BAD_LINK)
    for bad in ("", "abc", "A" * 43, second + "A", "' OR 1=1 --"):
        r = acct(d, "/account/confirm", query=shoptest.form(token=bad))
        status(r, 404)
        contains(r.text, BAD_LINK)
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(0,)])
    # An email that got its account another way since: the link is void.
    status(signup(d, "eve@example.com"), 303)
    token = link([m for m in mails(d) if "eve@" in m["To"]][0])
    shoptest.shopctl("user", "add", "eve@example.com", "Eve", data_dir=d,
                     input="another horse\n", env=FAST)
    status(acct(d, "/account/confirm", "POST", {"token": token}), 422)
    eq(shoptest.sql(d, "SELECT name FROM users WHERE email = "
                    "'eve@example.com'"), [("Eve",)])


@test
def no_file_of_the_data_directory_holds_the_link():
    d = fx.datadir()
    status(signup(d, "fay@example.com"), 303)
    token = link(mails(d)[0])
    shoptest.shopctl("backup", data_dir=d)
    for root, dirs, files in os.walk(d):
        if os.path.relpath(root, d) == "mail":
            continue
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                if token.encode() in f.read():
                    raise AssertionError(f"{name} holds the token")
    lacks(shoptest.sql(d, "SELECT payload FROM outbox")[0][0], "fay@")


@test
def sign_ups_are_limited_per_address_and_mails_per_email():
    d = fx.datadir()
    owner(d)
    got = [signup(d, e, addr="198.51.100.1", headers=JSON)
           for e in ["new%d@example.com" % i for i in range(5)] +
           ["ann@example.com"] * 5]
    eq([r.status for r in got], [202] * 10)
    for e in ("ann@example.com", "x@example.com"):
        r = signup(d, e, addr="198.51.100.1", headers=JSON)
        status(r, 429)
        if not 0 < int(r.header("Retry-After")) <= 3600:
            raise AssertionError(r.header("Retry-After"))
        eq(r.json(), {"ok": False, "errors": {"form": "Too many sign-ups "
                      "from your network. Please wait 60 minutes and try "
                      "again."}})
    status(signup(d, "x@example.com", addr="198.51.100.2"), 303)
    # Five tries for ann: three mails, the same answer every time.
    m = mails(d)
    eq(len([x for x in m if x["To"] == "Ann <ann@example.com>"]), 3)
    eq(len(m), 5 + 3 + 1)


@test
def bad_sign_up_forms_are_refused_as_before():
    d = fx.datadir()
    r = signup(d, "", name="", password="", headers=JSON)
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {
        "name": "Name is required.", "email": "Email is required.",
        "password": "Password is required."}})
    eq(shoptest.sql(d, "SELECT count(*) FROM signups"), [(0,)])


@test
def known_and_new_emails_take_as_long():
    # The programs make builds, with the real Argon2id cost.
    d = fx.datadir()
    owner(d)
    prog = os.path.join(shoptest.ROOT, "build", "cgi-bin", "account")
    if not os.path.exists(prog):
        raise AssertionError(f"{prog}: run make first")

    def timed(addr_email):
        body = shoptest.form(email=addr_email, name="Bob",
                             password="correct horse").encode()
        env = {"PATH": os.environ.get("PATH", ""), "REQUEST_METHOD": "POST",
               "REQUEST_URI": "/account/signup", "PATH_INFO": "/account/"
               "signup", "QUERY_STRING": "",
               "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": str(len(body)), "SHOP_DATA_DIR": d,
               "REMOTE_ADDR": "192.0.2.%d" % len(addr_email),
               "SHOP_TEMPLATE_DIR": shoptest.TEMPLATES}
        t0 = time.monotonic()
        p = subprocess.run([prog], input=body, env=env, capture_output=True)
        if b"Status: 303" not in p.stdout:
            raise AssertionError(p.stdout[:300] + p.stderr[-500:])
        return time.monotonic() - t0

    timed("warm@example.com")
    known, new = [], []
    for i in range(5):
        known.append(timed("ann@example.com"))
        new.append(timed("n%d@example.com" % i))
    known, new = sorted(known)[2], sorted(new)[2]
    if not 0.5 < known / new < 2:
        raise AssertionError(f"known {known:.3f}s, new {new:.3f}s")
    # Both hashed the password: well over a cheap lookup's time.
    if min(known, new) < 0.02:
        raise AssertionError(f"known {known:.3f}s, new {new:.3f}s")


shoptest.run()
