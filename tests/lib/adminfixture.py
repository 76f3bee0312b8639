"""Accounts of each role and requests to the admin program, for the back
office's tests: accounts are made with shopctl user add (as an operator
would), signed in through the account program, and the admin program is
run as CGI with the session cookie."""

import os

import shoptest

PASSWORD = "staff horse battery"


def account(d, email, role=None, name="Staff member"):
    """Make an account; role None, "staff" or "admin". Returns its id."""
    args = ["user", "add"] + ([f"--{role}"] if role else []) + [email, name]
    shoptest.shopctl(*args, data_dir=d, input=PASSWORD + "\n")
    (uid,), = shoptest.sql(d, "SELECT id FROM users WHERE email = ?",
                           (email,))
    return uid


def login_form(d, email):
    """Sign in through the account program's form, as a person does; the
    session cookie ("sid=...")."""
    r = shoptest.cgi("account", "/account/login", "POST",
                     body=shoptest.form(email=email, password=PASSWORD),
                     data_dir=d)
    shoptest.status(r, 303)
    for v in r.header_all("Set-Cookie"):
        if v.startswith("sid=") and not v.startswith("sid=;"):
            return v.split(";")[0]
    raise AssertionError(f"no session cookie: {r.headers}")


def login(d, email):
    """A signed-in session of the account with email, written as
    shop/session.c writes one (the SHA-256 of 32 random bytes, sent as
    unpadded base64url): the session cookie. The back office's tests
    sign in this way, without the account program, so that the memcheck
    suite starts one program less under valgrind per test;
    test_admin_access signs in through the form (login_form)."""
    import base64
    import hashlib
    import time
    raw = os.urandom(32)
    sid = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    (uid,), = shoptest.sql(d, "SELECT id FROM users WHERE email = ?",
                           (email.strip().lower(),))
    now = int(time.time())
    shoptest.sql(d, "INSERT INTO sessions (id_hash, user_id, created_at, "
                    "seen_at) VALUES (?, ?, ?, ?)",
                 (hashlib.sha256(raw).digest(), uid, now, now))
    return "sid=" + sid


def signed_in(d, role, email=None):
    """A new account of role, signed in: its cookie."""
    email = email or f"{role or 'customer'}@shop.example"
    account(d, email, role)
    return login(d, email)


def admin(d, path, method="GET", cookie=None, body=b"", json=False,
          headers=None, **kw):
    """One request to the admin program."""
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if json:
        h["Accept"] = "application/json"
    if isinstance(body, dict):
        body = shoptest.form(**body)
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    return shoptest.cgi("admin", path, method, query=query, body=body,
                        headers=h, data_dir=d, **kw)
