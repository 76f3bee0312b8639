"""Password change and reset as CGI: the current password checked, other
sessions ended, reset links mailed as files, single use, expiring, and the
same answer for unknown emails."""

import email
import email.policy
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import worker_once, contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402
import signups  # noqa: E402

JSON = {"Accept": "application/json"}
FAST = {"SHOP_INSECURE_FAST_PWHASH": "1", "SHOP_MAIL_FROM": "shop@shop.example"}
SENT = ("If an account uses that email, we have sent it a link to choose a "
        "new password. The link works once, for one hour.")
BAD_LINK = ("This link to choose a new password has expired or has been "
            "used already. Please ask for a new one.")


def acct(path, method="GET", body=b"", cookie=None, headers=None, d=None,
         **kw):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body, headers=h,
                        data_dir=d, env=FAST, **kw)


def sid(resp):
    got = [v.split(";")[0] for v in resp.header_all("Set-Cookie")
           if v.startswith("sid=")]
    if not got:
        raise AssertionError(f"no session cookie in {resp.headers}")
    return got[-1]


def customer(d, password="correct horse"):
    r = acct("/account/signup", "POST", body={
        "email": "ann@example.com", "name": "Ann", "password": password},
        d=d)
    status(r, 303)
    r = signups.confirm_cgi(d, "ann@example.com", env=FAST)
    status(r, 303)
    return sid(r)


def login(d, password, **kw):
    return acct("/account/login", "POST", body={
        "email": "ann@example.com", "password": password}, d=d, **kw)


def mails(d):
    """The messages the worker writes to <data>/mail/, oldest first, but
    the one that finished the customer's sign-up."""
    worker_once(d, {"SHOP_BASE_URL": "http://127.0.0.1:8080"})
    out = []
    for p in sorted(glob.glob(os.path.join(d, "mail", "*.eml")),
                    key=os.path.getmtime):
        with open(p, "rb") as f:
            out.append(email.message_from_binary_file(
                f, policy=email.policy.default))
    return [m for m in out if not m["Subject"].startswith("Finish creating")]


def reset_token(msg):
    body = msg.get_body(("plain",)).get_content()
    m = re.search(r"http://127\.0\.0\.1:8080/account/password/reset\?token="
                  r"([A-Za-z0-9_-]{43})\r?\n", body)
    if not m:
        raise AssertionError(f"no reset link in {body!r}")
    return m.group(1)


@test
def change_password():
    d = fx.datadir()
    c = customer(d)
    other = sid(login(d, "correct horse"))
    r = acct("/account/password", cookie=c, d=d)
    status(r, 200)
    contains(r.text, 'autocomplete="current-password"')
    r = acct("/account/password", "POST", cookie=c, d=d, headers=JSON,
             body={"current_password": "wrong one", "password": "new pass 1"})
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"current_password":
                  "This is not your current password."}})
    r = acct("/account/password", "POST", cookie=c, d=d,
             body={"current_password": "correct horse", "password": "short"})
    status(r, 422)
    contains(r.text, "New password must be at least 8 characters.")
    r = acct("/account/password", "POST", cookie=c, d=d,
             body={"current_password": "correct horse",
                   "password": "a new password"})
    status(r, 303)
    eq(r.header("Location"), "/account?notice=password_changed")
    mine = sid(r)
    if mine == c:
        raise AssertionError("session id not rotated")
    # The other device is signed out; this one goes on with its new id.
    status(acct("/account", cookie=other, d=d), 303)
    status(acct("/account", cookie=c, d=d), 303)
    status(acct("/account", cookie=mine, d=d), 200)
    status(login(d, "correct horse"), 422)
    status(login(d, "a new password"), 303)


@test
def reset_by_mail():
    d = fx.datadir()
    c = customer(d)
    r = acct("/account/password/forgot", "POST", d=d,
             body={"email": " ANN@example.com "})
    status(r, 303)
    eq(r.header("Location"), "/account/password/forgot?notice=reset_sent")
    contains(acct("/account/password/forgot", query="notice=reset_sent",
                  d=d).text, SENT)
    m = mails(d)
    eq(len(m), 1)
    eq(m[0]["To"], "Ann <ann@example.com>")
    eq(m[0]["Subject"], "Reset your password at Shopfile")
    token = reset_token(m[0])
    # Only the hash is stored.
    eq(shoptest.sql(d, "SELECT count(*) FROM password_resets WHERE "
                    "instr(token_hash, ?) > 0", (token.encode(),)), [(0,)])
    r = acct("/account/password/reset", query="token=" + token, d=d)
    status(r, 200)
    eq(r.header_all("Referrer-Policy")[-1], "strict-origin")
    contains(r.text, f'<input type="hidden" name="token" value="{token}">')
    r = acct("/account/password/reset", "POST", d=d,
             body={"token": token, "password": "brand new pass"})
    status(r, 303)
    eq(r.header("Location"), "/account?notice=password_reset")
    status(acct("/account", cookie=sid(r), d=d), 200)
    # The old session ended with the old password.
    status(acct("/account", cookie=c, d=d), 303)
    status(login(d, "brand new pass"), 303)
    # Single use.
    r = acct("/account/password/reset", query="token=" + token, d=d)
    status(r, 404)
    contains(r.text, BAD_LINK)
    r = acct("/account/password/reset", "POST", d=d, headers=JSON,
             body={"token": token, "password": "another pass"})
    status(r, 422)
    eq(r.json(), {"ok": False, "errors": {"token": BAD_LINK}})
    status(login(d, "brand new pass"), 303)


@test
def unknown_email_gets_the_same_answer_and_no_mail():
    d = fx.datadir()
    customer(d)
    a = acct("/account/password/forgot", "POST", d=d, headers=JSON,
             body={"email": "nobody@example.com"})
    b = acct("/account/password/forgot", "POST", d=d, headers=JSON,
             body={"email": "ann@example.com"})
    status(a, 200)
    eq(a.body, b.body)
    eq(a.json(), {"ok": True})
    eq(len(mails(d)), 1)


@test
def expired_forged_and_superseded_tokens():
    d = fx.datadir()
    customer(d)
    # Told apart by content, not by file times: both mails may be
    # written within one tick of the file system's clock.
    status(acct("/account/password/forgot", "POST", d=d,
                body={"email": "ann@example.com"}), 303)
    first, = [reset_token(m) for m in mails(d)]
    status(acct("/account/password/forgot", "POST", d=d,
                body={"email": "ann@example.com"}), 303)
    second, = [t for t in map(reset_token, mails(d)) if t != first]
    # Only the newest link works.
    status(acct("/account/password/reset", query="token=" + first, d=d), 404)
    status(acct("/account/password/reset", query="token=" + second, d=d), 200)
    shoptest.sql(d, "UPDATE password_resets SET expires_at = unixepoch() - 1")
    status(acct("/account/password/reset", query="token=" + second, d=d), 404)
    for bad in ("", "abc", "A" * 43, second + "A", "' OR 1=1 --"):
        r = acct("/account/password/reset", query=shoptest.form(token=bad),
                 d=d)
        status(r, 404)
        contains(r.text, BAD_LINK)
    r = acct("/account/password/reset", "POST", d=d,
             body={"token": "x", "password": "brand new pass"})
    status(r, 422)
    contains(r.text, f"<li>{BAD_LINK}</li>")
    status(login(d, "correct horse"), 303)


@test
def reset_mail_is_rate_limited():
    d = fx.datadir()
    customer(d)
    for _ in range(7):
        status(acct("/account/password/forgot", "POST", d=d,
                    body={"email": "ann@example.com"}), 303)
    eq(shoptest.sql(d, "SELECT count(*) FROM outbox WHERE name = "
                    "'send_reset_mail'"), [(5,)])
    # Each request supersedes the one before: only the newest is mailed.
    eq(len(mails(d)), 1)


shoptest.run()
