"""No usable password-reset link is ever written to a database: the token
is made by the worker when it writes the mail, and only its hash is
kept. Once the mail is out, no file of the data directory (the four
databases, their -wal files, a backup) holds the token; a mail that
failed and was sent again still carries a link that works; a link
asked for again, or sent after it expired, is not sent."""

import email
import email.policy
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import eq, lacks, status, test, worker_once  # noqa: E402
import shopfixture as fx  # noqa: E402

FAST = {"SHOP_INSECURE_FAST_PWHASH": "1"}
JSON = {"Accept": "application/json"}


def acct(d, path, method="GET", body=None, env=None, **kw):
    if isinstance(body, dict):
        body = shoptest.form(**body)
    return shoptest.cgi("account", path, method, body=body or b"",
                        data_dir=d, env=dict(FAST, **(env or {})), **kw)


def customer(d, email="ann@example.com", password="correct horse"):
    shoptest.shopctl("user", "add", email, "Ann", data_dir=d,
                     input=password + "\n", env=FAST)


def forgot(d, email="ann@example.com"):
    status(acct(d, "/account/password/forgot", "POST", {"email": email}),
           303)


def tokens(d):
    """The reset tokens of every mail in <data>/mail/."""
    out = []
    for p in sorted(glob.glob(os.path.join(d, "mail", "*.eml"))):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        out += re.findall(r"/account/password/reset\?token=([A-Za-z0-9_-]"
                          r"{43})", m.get_body(("plain",)).get_content())
    return out


def files_holding(d, needle):
    """Every file under d but its mail/ that holds needle."""
    found = []
    for root, dirs, files in os.walk(d):
        if os.path.relpath(root, d) == "mail":
            continue
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                if needle in f.read():
                    found.append(os.path.relpath(p, d))
    return found


def run_job_again(d, clock, seconds):
    with open(clock, "w") as f:
        f.write(str(seconds))


@test
def no_file_of_the_data_directory_holds_a_sent_token():
    d = fx.datadir()
    customer(d)
    forgot(d)
    worker_once(d)
    t, = tokens(d)
    shoptest.shopctl("backup", data_dir=d)
    eq(len(glob.glob(os.path.join(d, "backups", "*", "shop.db"))), 1)
    for db in ("shop.db", "queue.db", "cache.db", "cable.db"):
        if not os.path.exists(os.path.join(d, db)):
            raise AssertionError(f"{db} missing")
    eq(files_holding(d, t.encode()), [])
    # Nor the URL's escaped or JSON forms.
    eq(files_holding(d, b"token="), [])
    # The link works, once.
    status(acct(d, "/account/password/reset", query="token=" + t), 200)
    r = acct(d, "/account/password/reset", "POST",
             {"token": t, "password": "a brand new pass"})
    status(r, 303)
    eq(r.header("Location"), "/account?notice=password_reset")


@test
def the_payloads_name_the_reset_not_the_link():
    d = fx.datadir()
    customer(d)
    forgot(d)
    rows = shoptest.sql(d, "SELECT name, payload FROM outbox")
    eq(len(rows), 1)
    eq(rows[0][0], "send_reset_mail")
    lacks(rows[0][1], "token")
    lacks(rows[0][1], "ann@example.com")
    worker_once(d)
    rows = shoptest.sql(d, "SELECT kind, payload, state FROM jobs",
                        db="queue.db")
    eq([(k, s) for k, _, s in rows], [("send_reset_mail", "done")])
    lacks(rows[0][1], "token")


@test
def a_mail_sent_again_after_a_failure_has_a_working_link():
    d = fx.datadir()
    customer(d)
    forgot(d)
    clock = os.path.join(d, "clock")
    run_job_again(d, clock, 0)
    env = {"SHOP_TEST_CLOCK": clock}
    # The mail server refuses: the job is retried later.
    worker_once(d, dict(env, SMTP_URL="smtp://127.0.0.1:1"))
    eq(tokens(d), [])
    eq(shoptest.sql(d, "SELECT state, attempts FROM jobs", db="queue.db"),
       [("queued", 1)])
    run_job_again(d, clock, 120)
    worker_once(d, env)
    t, = tokens(d)
    eq(files_holding(d, t.encode()), [])
    r = acct(d, "/account/password/reset", query="token=" + t,
             env={"SHOP_TEST_CLOCK": clock})
    status(r, 200)


@test
def bad_superseded_or_expired_resets_are_not_mailed():
    d = fx.datadir()
    customer(d)
    forgot(d)
    forgot(d)
    worker_once(d)
    # Only the newest request still has a mail to send.
    t, = tokens(d)
    status(acct(d, "/account/password/reset", query="token=" + t), 200)
    eq(shoptest.sql(d, "SELECT state FROM jobs ORDER BY id", db="queue.db"),
       [("done",), ("done",)])
    # One that expired before the worker came is not sent either.
    forgot(d)
    shoptest.sql(d, "UPDATE password_resets SET expires_at = unixepoch() - 1")
    worker_once(d)
    eq(len(tokens(d)), 1)
    # A payload naming no reset, or one that is gone, fails for good.
    for payload in ('{}', '{"row": "x"}', '{"row": 1}',
                    '{"row": 999, "key": "00"}'):
        shoptest.shopctl("jobs", "enqueue", "-q", "mail", "send_reset_mail",
                         payload, data_dir=d)
    worker_once(d)
    rows = shoptest.sql(d, "SELECT error FROM failed_jobs ORDER BY id",
                        db="queue.db")
    eq(rows, [("payload: \"row\" is missing or not an integer",),
              ("payload: \"row\" is missing or not an integer",),
              ("payload: \"key\" is missing or not a string",)])
    eq(len(tokens(d)), 1)


shoptest.run()
