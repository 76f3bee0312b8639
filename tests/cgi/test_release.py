"""The programs make builds (and make install installs), not the test
builds the other suites run: they hold no test switch, hash passwords at
the real cost, run no test job kind and ignore the test clock."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import ROOT, contains, eq, lacks, test  # noqa: E402

SEAMED = shoptest.BUILD
# The build whose test build this suite runs: build/ for build/test/.
RELEASE = os.path.dirname(SEAMED)
# What only the test seams (tests/seams/) know.
SWITCHES = [b"SHOP_TEST_CLOCK", b"test.sleep", b"test.fail",
            b"SHOP_INSECURE_FAST_PWHASH", b"SHOP_TEST_JOBS"]


def programs(build):
    out = []
    for sub in ("cgi-bin", "bin"):
        d = os.path.join(build, sub)
        out += [os.path.join(d, n) for n in sorted(os.listdir(d))]
    return out


def release():
    """Run the following shoptest calls against the release build."""
    shoptest.BUILD = RELEASE


def seamed():
    shoptest.BUILD = SEAMED


@test
def no_program_holds_a_test_switch():
    progs = programs(RELEASE)
    eq(len(progs), 10, progs)
    for p in progs:
        with open(p, "rb") as f:
            data = f.read()
        for s in SWITCHES:
            if s in data:
                raise AssertionError(f"{p} holds {s!r}")


@test
def the_test_builds_do_hold_them():
    """So the check above can fail: the same search finds the seams."""
    found = set()
    for p in programs(SEAMED):
        with open(p, "rb") as f:
            data = f.read()
        found |= {s for s in SWITCHES[:3] if s in data}
    eq(sorted(found), sorted(SWITCHES[:3]))


@test
def passwords_hashed_at_the_real_cost():
    release()
    try:
        d = shoptest.datadir()
        r = shoptest.cgi("account", "/account/signup", "POST",
                         body=shoptest.form(email="ann@example.com",
                                            name="Ann",
                                            password="correct horse"),
                         data_dir=d,
                         env={"SHOP_INSECURE_FAST_PWHASH": "1"})
        eq(r.status, 303, r.body)
        # Kept with the sign-up until its mail's link makes the account.
        (h,), = shoptest.sql(d, "SELECT password_hash FROM signups")
        contains(h, "$argon2id$v=19$m=65536,t=2,p=1$")
    finally:
        seamed()


@test
def no_test_job_kind_runs():
    release()
    try:
        d = shoptest.datadir()
        shoptest.shopctl("jobs", "enqueue", "-a", "1", "test.sleep",
                         '{"ms": 1}', data_dir=d)
        shoptest.worker_once(d, env={"SHOP_TEST_JOBS": "1"})
        rows = shoptest.sql(d, "SELECT kind, error FROM failed_jobs",
                            db="queue.db")
        eq(len(rows), 1, rows)
        eq(rows[0][0], "test.sleep")
        contains(rows[0][1], 'unknown job kind "test.sleep"')
        eq(os.path.exists(os.path.join(d, "test-jobs.log")), False)
    finally:
        seamed()


@test
def the_clock_is_real():
    """SHOP_TEST_CLOCK moves the test build's clock, never the real one:
    a session made now is still valid to a release program told a year
    has passed, and ended for a test program told the same."""
    d = shoptest.datadir(seed=True)
    clock = os.path.join(d, "clock")
    with open(clock, "w") as f:
        f.write(str(366 * 86400))
    r = shoptest.cgi("cart", "/cart/items", "POST",
                     body=shoptest.form(variant_id="1", quantity="1"),
                     data_dir=d)
    eq(r.status, 303, r.body)
    cookie = r.header("Set-Cookie").split(";")[0]
    release()
    try:
        r = shoptest.cgi("cart", "/cart", headers={"Cookie": cookie},
                         data_dir=d, env={"SHOP_TEST_CLOCK": clock})
        eq(r.status, 200)
        lacks(r.text, "Your cart is empty")
    finally:
        seamed()
    r = shoptest.cgi("cart", "/cart", headers={"Cookie": cookie},
                     data_dir=d, env={"SHOP_TEST_CLOCK": clock})
    eq(r.status, 200)
    contains(r.text, "Your cart is empty")


shoptest.run()
