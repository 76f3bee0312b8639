"""Throttling survives the loss of cache.db under running FastCGI
programs behind lighttpd: a deleted (or replaced) cache.db is made again
at once by the program that finds it gone, and log-ins and reset mails
stay limited; when it cannot be made, sign-in, sign-up and reset are
refused with 503
and a plain message rather than let through unthrottled."""

import glob
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

ENV = {"SHOP_INSECURE_FAST_PWHASH": "1"}
JSON = {"Accept": "application/json"}
UNAVAILABLE = ("Signing in, signing up and password resets are "
               "unavailable for a moment. Please try again in a few "
               "minutes.")


def shop():
    d = fx.datadir()
    shoptest.shopctl("user", "add", "ann@example.com", "Ann", data_dir=d,
                     input="correct horse\n", env=ENV)
    return d, shoptest.Lighttpd(d, env=ENV).start()


def tries(c, n, email="ann@example.com"):
    return [c.post("/account/login", {"email": email, "password": "guess"},
                   headers=JSON).status for _ in range(n)]


def program_log(srv):
    """What the FastCGI programs wrote to their standard error."""
    with open(os.path.join(srv.run_dir, "stderr.log"), "rb") as f:
        return f.read().decode("utf-8", "replace")


def lose_cache(d):
    for name in glob.glob(os.path.join(d, "cache.db*")):
        if not name.endswith((".lock", ".ckpt")):
            os.remove(name)


def resets(d):
    return shoptest.sql(d, "SELECT count(*) FROM outbox WHERE name = "
                        "'send_reset_mail'")[0][0]


def forgot(c, n):
    for _ in range(n):
        status(c.post("/account/password/forgot",
                      {"email": "ann@example.com"}), 303)


@test
def a_deleted_cache_db_is_made_again_and_still_throttles():
    d, srv = shop()
    c = srv.client()
    # Every process of the pool has opened cache.db.
    eq(tries(c, 8, "warm@example.com"), [422] * 5 + [429] * 3)
    lose_cache(d)
    eq(tries(c, 8), [422] * 5 + [429] * 3)
    if not os.path.exists(os.path.join(d, "cache.db")):
        raise AssertionError("cache.db was not made again")
    rows = shoptest.sql(d, "SELECT failures FROM throttles WHERE key = "
                        "'login:acct:ann@example.com'", db="cache.db")
    eq(rows, [(5,)])
    # The reset-mail limit holds too.
    lose_cache(d)
    forgot(c, 7)
    eq(resets(d), 5)
    contains(program_log(srv), "cache.db was deleted or replaced while "
             "open: opening it again")


@test
def a_cache_db_remade_by_migrate_is_taken_up():
    d, srv = shop()
    c = srv.client()
    eq(tries(c, 2), [422] * 2)
    lose_cache(d)
    shoptest.shopctl("migrate", data_dir=d)
    eq(tries(c, 8), [422] * 5 + [429] * 3)
    eq(shoptest.sql(d, "SELECT failures FROM throttles WHERE key = "
                    "'login:acct:ann@example.com'", db="cache.db"), [(5,)])


@test
def bad_cache_db_that_cannot_be_made_refuses_sign_in():
    d, srv = shop()
    c = srv.client()
    eq(tries(c, 1), [422])
    lose_cache(d)
    # Something that is not a database stands where cache.db was.
    os.mkdir(os.path.join(d, "cache.db"))
    for _ in range(8):
        r = c.post("/account/login", {"email": "ann@example.com",
                                      "password": "correct horse"},
                   headers=JSON)
        status(r, 503)
        eq(r.json(), {"ok": False, "status": 503, "error": UNAVAILABLE})
    r = c.post("/account/password/forgot", {"email": "ann@example.com"})
    status(r, 503)
    contains(r.text, UNAVAILABLE)
    eq(resets(d), 0)
    r = c.post("/account/signup", {"email": "bob@example.com", "name": "Bob",
                                   "password": "correct horse"},
               headers=JSON)
    status(r, 503)
    eq(r.json()["error"], UNAVAILABLE)
    # Pages that do not throttle still serve.
    status(c.get("/account/login"), 200)
    log = program_log(srv)
    contains(log, "throttles: cache.db")
    # Said once per process, not once per request.
    n = log.count("throttles: cache.db")
    if not 1 <= n <= 4:
        raise AssertionError(f"logged {n} times:\n{log[-3000:]}")
    # Once it can be made again, sign-in is back.
    os.rmdir(os.path.join(d, "cache.db"))
    time.sleep(1.1)
    status(c.post("/account/login", {"email": "ann@example.com",
                                     "password": "correct horse"}), 303)


shoptest.run()
