"""ROUTE_USER and ROUTE_ADMIN as the request loop enforces them, on a
test program (tests/tools/guarded.c), with accounts made by
"shopctl user add"."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
GUARDED = os.path.join("..", "tests", "tools", "guarded")
_data = []


def data():
    if not _data:
        d = fx.datadir()
        p = shoptest.shopctl("user", "add", "--admin", "Boss@Example.com",
                             "The Boss", data_dir=d, env=FAST,
                             input="correct horse\n")
        eq(p.stdout, "user add: admin boss@example.com, id 1\n")
        p = shoptest.shopctl("user", "add", "cus@example.com", "Cus",
                             data_dir=d, env=FAST, input="")
        if not p.stdout.startswith("user add: customer cus@example.com, "
                                   "id 2\npassword: "):
            raise AssertionError(p.stdout)
        _data.append((d, p.stdout.split("password: ")[1].strip()))
    return _data[0]


def login(email, password):
    r = shoptest.cgi("account", "/account/login", "POST",
                     body=shoptest.form(email=email, password=password),
                     data_dir=data()[0], env=FAST)
    status(r, 303)
    return [v.split(";")[0] for v in r.header_all("Set-Cookie")
            if v.startswith("sid=")][-1]


def get(path, cookie=None, headers=None, method="GET"):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return shoptest.cgi(GUARDED, path, method, headers=h, data_dir=data()[0])


@test
def signed_out():
    r = get("/user")
    status(r, 303)
    eq(r.header("Location"), "/account/login?next=%2Fuser")
    r = get("/admin", headers={"Accept": "application/json"})
    status(r, 401)
    eq(r.header("WWW-Authenticate"), 'Cookie realm="shop"')
    status(get("/open"), 200)


@test
def customer_is_not_admin():
    c = login("cus@example.com", data()[1])
    r = get("/user", cookie=c)
    status(r, 200)
    eq(r.json(), {"ok": True, "user_id": 2})
    r = get("/admin", cookie=c)
    status(r, 403)
    contains(r.text, "This page is for the shop&#39;s staff only.")
    status(get("/admin", cookie=c, method="POST"), 403)


@test
def admin_passes():
    c = login("boss@example.com", "correct horse")
    r = get("/admin", cookie=c)
    status(r, 200)
    eq(r.json(), {"ok": True, "user_id": 1})


@test
def shopctl_refuses_bad_accounts():
    d = data()[0]
    for args, inp, msg in [
            (("boss@example.com", "X"), "a long password\n",
             "shopctl: an account uses boss@example.com already\n"),
            (("not-an-email", "X"), "a long password\n",
             "shopctl: not an email address: not-an-email\n"),
            (("x@example.com", ""), "a long password\n",
             "shopctl: a name is 1 to 100 characters of text\n"),
            (("x@example.com", "X"), "short\n",
             "shopctl: a password is 8 to 200 characters, without control "
             "characters\n")]:
        p = shoptest.shopctl("user", "add", *args, data_dir=d, env=FAST,
                             input=inp, check=False)
        # The last line: the first may warn about the test hashing cost.
        eq(p.stderr.splitlines(True)[-1], msg)
        if p.returncode == 0:
            raise AssertionError("accepted")
    eq(shoptest.sql(d, "SELECT email, role FROM users ORDER BY id"),
       [("boss@example.com", "admin"), ("cus@example.com", "customer")])


shoptest.run()
