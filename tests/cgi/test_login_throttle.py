"""Log-in throttling with device cookies (OWASP's "Slow Down Online
Guessing Attacks with Device Cookies"): a browser that signed in to an
account before holds a signed cookie for it and keeps its own allowance,
so its owner signs in while others guess; every other client is slowed
per account and per address, with a wait that doubles, answered 429 with
Retry-After, the same for an unknown email as for a known one."""

import os
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
JSON = {"Accept": "application/json"}
WRONG = "The email or the password is not right."
PASSWORD = "correct horse"


def login(d, email, password, addr="192.0.2.1", cookie=None, clock=None,
          headers=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    env = dict(FAST, REMOTE_ADDR=addr)
    if clock:
        env["SHOP_TEST_CLOCK"] = clock
    return shoptest.cgi("account", "/account/login", "POST",
                        body=shoptest.form(email=email, password=password),
                        headers=h, data_dir=d, env=env)


def cookie(resp, name):
    got = [v.split(";")[0] for v in resp.header_all("Set-Cookie")
           if v.startswith(name + "=")]
    if not got:
        raise AssertionError(f"no {name} cookie in {resp.headers}")
    return got[-1]


def user(d, email="ann@example.com", name="Ann"):
    shoptest.shopctl("user", "add", email, name, data_dir=d,
                     input=PASSWORD + "\n", env=FAST)


def device_of(d, email="ann@example.com", addr="198.51.100.7"):
    """The device cookie a browser gets by signing in to email."""
    r = login(d, email, PASSWORD, addr=addr)
    status(r, 303)
    return cookie(r, "dev")


def retry_after(r):
    status(r, 429)
    return int(r.header("Retry-After"))


def attack(d, email, n, first=1):
    """n wrong passwords for email, each from another address, as JSON."""
    return [login(d, email, "guess %d" % i, addr="203.0.113.%d" % (first + i),
                  headers=JSON) for i in range(n)]


def clock_file(d, seconds=0):
    p = os.path.join(d, "clock")
    with open(p, "w") as f:
        f.write(str(seconds))
    return p


@test
def the_owner_signs_in_during_an_attack():
    d = fx.datadir()
    user(d)
    dev = device_of(d)
    got = attack(d, "ann@example.com", 30)
    eq([r.status for r in got[:5]], [422] * 5)
    eq({r.status for r in got[5:]}, {429})
    # Another browser of the owner's, never signed in before: slowed too.
    r = login(d, "ann@example.com", PASSWORD, addr="198.51.100.7")
    status(r, 429)
    eq(r.header_all("Set-Cookie"), [])
    # The browser that signed in before is let in, at the same address
    # as before or another.
    for addr in ("198.51.100.7", "203.0.113.99"):
        r = login(d, "ann@example.com", PASSWORD, addr=addr, cookie=dev)
        status(r, 303)
        eq(r.header("Location"), "/account?notice=signed_in")
        cookie(r, "sid")
        # Each sign-in gives the device a new cookie.
        new = cookie(r, "dev")
        if new == dev:
            raise AssertionError("the device cookie was not renewed")
        dev = new


@test
def untrusted_clients_wait_longer_and_longer():
    d = fx.datadir()
    user(d)
    clock = clock_file(d)
    for i in range(4):
        status(login(d, "ann@example.com", "guess", addr="203.0.113.%d" % i,
                     clock=clock), 422)
    r = login(d, "ann@example.com", "guess", addr="203.0.113.9", clock=clock)
    status(r, 422)
    waits = []
    for t in (0, 61, 61 + 121, 61 + 121 + 241):
        clock_file(d, t)
        # Locked: the right password gives nothing either.
        w = retry_after(login(d, "ann@example.com", PASSWORD,
                              addr="203.0.113.50", clock=clock))
        waits.append(w)
        clock_file(d, t + w + 1)
        status(login(d, "ann@example.com", "guess", addr="203.0.113.51",
                     clock=clock), 422)
    if not (59 <= waits[0] <= 60 and 119 <= waits[1] <= 120 and
            239 <= waits[2] <= 240 and 479 <= waits[3] <= 480):
        raise AssertionError(f"waits {waits}")
    # The longest wait is 15 minutes.
    for _ in range(4):
        t = int(open(clock).read()) + 1000
        clock_file(d, t)
        status(login(d, "ann@example.com", "guess", addr="203.0.113.52",
                     clock=clock), 422)
    w = retry_after(login(d, "ann@example.com", PASSWORD,
                          addr="203.0.113.53", clock=clock))
    if not 899 <= w <= 900:
        raise AssertionError(w)
    # Once the wait is over, the owner gets in and the count starts over.
    clock_file(d, int(open(clock).read()) + 901)
    status(login(d, "ann@example.com", PASSWORD, addr="203.0.113.53",
                 clock=clock), 303)
    status(login(d, "ann@example.com", "guess", addr="203.0.113.54",
                 clock=clock), 422)


@test
def unknown_and_known_emails_get_the_same_answers():
    d = fx.datadir()
    user(d)
    known = attack(d, "ann@example.com", 7)
    unknown = attack(d, "nobody@example.com", 7, first=100)
    eq([r.status for r in known], [r.status for r in unknown])
    eq([r.status for r in known], [422] * 5 + [429] * 2)
    eq([r.body for r in known], [r.body for r in unknown])
    # The same wait, give or take the second that passed between them.
    for a, b in zip(known, unknown):
        eq(a.header("Retry-After") is None, b.header("Retry-After") is None)
        if a.header("Retry-After") and abs(int(a.header("Retry-After")) -
                                           int(b.header("Retry-After"))) > 1:
            raise AssertionError((a.header("Retry-After"),
                                  b.header("Retry-After")))
    r = login(d, "nobody@example.com", "x", addr="192.0.2.200",
              headers=JSON)
    status(r, 429)
    eq(r.json(), {"ok": False, "errors": {"form": "Too many failed "
                  "attempts to sign in. Please wait 1 minute and try "
                  "again, or reset your password."}})


@test
def bad_device_cookies_give_nothing():
    d = fx.datadir()
    user(d)
    user(d, "bob@example.com", "Bob")
    ann = device_of(d)
    bob = device_of(d, "bob@example.com")
    other = fx.datadir()
    # Another shop, with a key of its own.
    os.remove(os.path.join(other, "device.key"))
    shoptest.shopctl("migrate", data_dir=other)
    user(other)
    elsewhere = device_of(other)
    attack(d, "ann@example.com", 6)
    name, value = ann.split("=", 1)
    flipped = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    for bad in (bob, elsewhere, name + "=" + flipped, name + "=" + value[:-4],
                name + "=" + "A" * len(value), name + "=", name + "=%00x"):
        r = login(d, "ann@example.com", PASSWORD, cookie=bad)
        status(r, 429)
        eq(r.header_all("Set-Cookie"), [])
    status(login(d, "ann@example.com", PASSWORD, cookie=ann), 303)


@test
def a_trusted_device_has_an_allowance_of_its_own():
    d = fx.datadir()
    user(d)
    dev = device_of(d)
    # Its own mistakes do not lock the account for anyone else.
    for _ in range(9):
        status(login(d, "ann@example.com", "typo", cookie=dev), 422)
    status(login(d, "ann@example.com", PASSWORD, addr="198.51.100.9"), 303)
    dev = device_of(d)
    # Past its allowance it is a client like any other.
    for _ in range(10):
        status(login(d, "ann@example.com", "typo", cookie=dev), 422)
    attack(d, "ann@example.com", 5)
    status(login(d, "ann@example.com", PASSWORD, cookie=dev), 429)


@test
def an_address_is_slowed_across_accounts():
    d = fx.datadir()
    user(d)
    got = [login(d, "user%d@example.com" % i, "guess", addr="192.0.2.77")
           for i in range(21)]
    eq([r.status for r in got], [422] * 20 + [429])
    # Others, and the owner's own browser behind that address, get in.
    status(login(d, "ann@example.com", PASSWORD, addr="192.0.2.78"), 303)
    dev = device_of(d)
    status(login(d, "ann@example.com", PASSWORD, addr="192.0.2.77",
                 cookie=dev), 303)
    status(login(d, "ann@example.com", PASSWORD, addr="192.0.2.77"), 429)


@test
def the_device_key_is_made_once_for_its_owner_only():
    d = fx.datadir()
    key = os.path.join(d, "device.key")
    st = os.stat(key)
    eq(stat.S_IMODE(st.st_mode), 0o600)
    eq(st.st_size, 32)
    before = open(key, "rb").read()
    user(d)
    device_of(d)
    shoptest.shopctl("migrate", data_dir=d)
    eq(open(key, "rb").read(), before)
    # A broken key file is not replaced: devices are not trusted then.
    # (A program reads the key once: this is another shop's.)
    d = fx.datadir()
    user(d)
    with open(os.path.join(d, "device.key"), "wb") as f:
        f.write(b"short")
    r = login(d, "ann@example.com", PASSWORD)
    status(r, 303)
    eq([v for v in r.header_all("Set-Cookie") if v.startswith("dev=")], [])
    contains(r.stderr, "device.key")


shoptest.run()
