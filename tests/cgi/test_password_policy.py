"""New passwords are checked as NIST SP 800-63B (5.1.1.2) asks, without
composition rules: at least 8 characters, and not one that is among the
first an attacker tries (cracklib's dictionary, whole or with digits and
symbols around it or letters swapped for look-alikes), repetitive or
sequential, or made of the account's own email or name. The message says
why. The same check on sign-up, reset and change."""

import email
import email.policy
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import eq, status, test, worker_once  # noqa: E402
import shopfixture as fx  # noqa: E402

FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
JSON = {"Accept": "application/json"}
EMAIL, NAME, GOOD = "annabel.lee@example.com", "Annabel Lee", "correct horse"

COMMON = ("This password is one of the most common ones, the first an "
          "attacker tries. Please choose another: a few unrelated words "
          "make a good one.")
REPEATS = ("This password repeats a few characters, which makes it quick "
           "to guess. Please choose another: a few unrelated words make a "
           "good one.")
SEQUENCE = ("This password is a sequence, like 12345678 or qwertyui, which "
            "makes it quick to guess. Please choose another: a few "
            "unrelated words make a good one.")
YOURS = ("This password is made of your name or email address, the first "
         "thing someone who knows you would try. Please choose another: a "
         "few unrelated words make a good one.")

BAD = [
    ("12345678", SEQUENCE),
    ("password", COMMON),
    (" " * 8, REPEATS),
    ("Password1!", COMMON),
    ("P@ssw0rd", COMMON),
    ("2024sunshine", COMMON),
    ("iloveyou", COMMON),
    ("trustno1", COMMON),
    ("qwertyuiop", SEQUENCE),
    ("asdfghjkl;", SEQUENCE),
    ("87654321", SEQUENCE),
    ("abcdefgh", SEQUENCE),
    ("1234abcd", SEQUENCE),
    ("aaaaaaaa", REPEATS),
    ("abcabcabcabc", REPEATS),
    ("12121212", REPEATS),
    ("aabbaabb", REPEATS),
    ("annabel.lee@example.com", YOURS),
    ("annabel2024!", YOURS),
    ("ANNABEL.LEE", YOURS),
    ("lee annabel", YOURS),
]
GOOD_ONES = ["correct horse", "Tr0ub4dor&3x", "wool hat in winter",
             "8 kinds of jam", "zebra-quilt-morning", "élan vital du soir",
             "horses run fast"]


def acct(d, path, method="GET", body=None, cookie=None, **kw):
    h = dict(JSON)
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body or b"",
                        headers=h, data_dir=d, env=FAST, **kw)


def signup(d, password, email=EMAIL):
    return acct(d, "/account/signup", "POST",
                {"email": email, "name": NAME, "password": password})


def refused(r, why, field="password"):
    status(r, 422)
    eq(r.json()["errors"].get(field), why)


def user(d):
    shoptest.shopctl("user", "add", EMAIL, NAME, data_dir=d,
                     input=GOOD + "\n", env=FAST)


def session(d):
    r = acct(d, "/account/login", "POST", {"email": EMAIL, "password": GOOD})
    status(r, 200)
    return [v.split(";")[0] for v in r.header_all("Set-Cookie")
            if v.startswith("sid=")][-1]


@test
def bad_passwords_refused_at_sign_up_with_the_reason():
    d = fx.datadir()
    for pw, why in BAD:
        refused(signup(d, pw), why)
    refused(signup(d, "short"), "Password must be at least 8 characters.")
    eq(shoptest.sql(d, "SELECT count(*) FROM users"), [(0,)])


@test
def good_passwords_accepted_at_sign_up():
    d = fx.datadir()
    for i, pw in enumerate(GOOD_ONES):
        r = signup(d, pw, email=f"user{i}@example.com")
        if r.status >= 400:
            raise AssertionError(f"{pw!r}: {r.status} {r.body!r}")


@test
def bad_passwords_refused_on_change():
    d = fx.datadir()
    user(d)
    c = session(d)
    for pw, why in BAD:
        refused(acct(d, "/account/password", "POST",
                     {"current_password": GOOD, "password": pw}, cookie=c),
                why)
    r = acct(d, "/account/password", "POST",
             {"current_password": GOOD, "password": "zebra-quilt-morning"},
             cookie=c)
    status(r, 200)


@test
def bad_passwords_refused_on_reset():
    d = fx.datadir()
    user(d)
    status(acct(d, "/account/password/forgot", "POST", {"email": EMAIL}), 200)
    worker_once(d)
    mail, = glob.glob(os.path.join(d, "mail", "*.eml"))
    with open(mail, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    token = re.search(r"token=([A-Za-z0-9_-]{43})",
                      m.get_body(("plain",)).get_content()).group(1)
    for pw, why in BAD:
        refused(acct(d, "/account/password/reset", "POST",
                     {"token": token, "password": pw}), why)
    # The link still works for a good one.
    status(acct(d, "/account/password/reset", "POST",
                {"token": token, "password": "zebra-quilt-morning"}), 200)


@test
def log_in_takes_any_password_it_was_given():
    # Accounts made before the check keep their passwords.
    d = fx.datadir()
    shoptest.shopctl("user", "add", "old@example.com", "Old", data_dir=d,
                     input="password\n", env=FAST)
    status(acct(d, "/account/login", "POST", {"email": "old@example.com",
                                              "password": "password"}), 200)


shoptest.run()
