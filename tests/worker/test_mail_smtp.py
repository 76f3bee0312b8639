"""The send_mail job over SMTP to a sink on loopback: AUTH from the URL's
userinfo, a proper MIME message (text and HTML alternatives, UTF-8 headers
encoded), a 5xx refusal failing for good, a server that is down retried,
and a bad SMTP_URL failing with a clear error."""

import email
import email.policy
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import at_exit, contains, datadir, eq, free_port, run, test  # noqa: E402
from smtpsink import SmtpSink  # noqa: E402
from workertest import Worker, enqueue, q, state, wait_until  # noqa: E402

ORDER = {
    "to": "ann@example.test",
    "to_name": "Zoë Ünal",
    "template": "order_confirmation",
    "data": {
        "number": "SF-000042", "name": "Zoë", "total": "€12.50",
        "token": "t" * 40,
        "lines": [{"quantity": 2, "name": "Thé vert & tasse",
                   "total": "€12.50"}],
        "ship": {"name": "Zoë Ünal", "line1": "1 rue de la Paix",
                 "postcode": "75002", "city": "Paris", "country": "FR"},
    },
}


def sink(**kw):
    s = SmtpSink(**kw).start()
    at_exit(s.stop)
    return s


@test
def order_confirmation_over_smtp_with_auth():
    s = sink(user="shop", password="s3cret")
    d = datadir()
    w = Worker(d, SMTP_URL=f"smtp://shop:s3cret@127.0.0.1:{s.port}/"
               "?starttls=no", SHOP_NAME="Café Shop")
    job = enqueue(d, "send_mail", json.dumps(ORDER))
    m = s.wait(1)[0]
    wait_until(lambda: state(d, job) == "done", 10, "job done")
    eq(m.auth, "shop")
    eq(m.mail_from, "<shop@example.test>")
    eq(m.rcpt, ["<ann@example.test>"])
    raw = m.data.decode("ascii")          # 7-bit: everything encoded
    contains(raw, "\r\nSubject: Order SF-000042: thank you\r\n")
    contains(raw, "\r\nMIME-Version: 1.0\r\n")
    msg = email.message_from_bytes(m.data, policy=email.policy.default)
    eq(str(msg["Subject"]), "Order SF-000042: thank you")
    eq(msg["To"].addresses[0].display_name, "Zoë Ünal")
    eq(msg["To"].addresses[0].addr_spec, "ann@example.test")
    eq(msg["From"].addresses[0].display_name, "Café Shop")
    eq(msg.get_content_type(), "multipart/alternative")
    parts = list(msg.iter_parts())
    eq([p.get_content_type() for p in parts], ["text/plain", "text/html"])
    text, html = parts[0].get_content(), parts[1].get_content()
    contains(text, "Hello Zoë,")
    contains(text, "  2 x Thé vert & tasse  €12.50")
    contains(text, "/orders/" + "t" * 40)
    contains(html, "<strong>SF-000042</strong>")
    contains(html, "2 × Thé vert &amp; tasse")
    eq(w.stop(), 0)


@test
def plain_text_mail_without_auth():
    s = sink()
    d = datadir()
    w = Worker(d, SMTP_URL=f"smtp://127.0.0.1:{s.port}")
    enqueue(d, "send_mail", json.dumps({
        "to": "bob@example.test", "subject": "Réinitialisation",
        "text": "Line one\n.starts with a dot\nend"}))
    m = s.wait(1)[0]
    eq(m.auth, None)
    msg = email.message_from_bytes(m.data, policy=email.policy.default)
    eq(str(msg["Subject"]), "Réinitialisation")
    eq(msg.get_content_type(), "text/plain")
    eq(msg.get_content().replace("\r\n", "\n"),
       "Line one\n.starts with a dot\nend\n")
    eq(w.stop(), 0)


@test
def bad_credentials_and_refused_recipient_fail_for_good():
    s = sink(user="shop", password="right", reject=["nobody@example.test"])
    d = datadir()
    w = Worker(d, SMTP_URL=f"smtp://shop:wrong@127.0.0.1:{s.port}"
               "?starttls=no")
    job = enqueue(d, "send_mail", json.dumps({
        "to": "x@example.test", "subject": "s", "text": "t"}))
    wait_until(lambda: q(d, "SELECT count(*) FROM failed_jobs")[0][0] == 1,
               15, "failed")
    err = q(d, "SELECT error FROM failed_jobs WHERE id = ?", (job,))[0][0]
    contains(err, "(last reply 535)")
    eq(w.stop(), 0)

    w = Worker(d, SMTP_URL=f"smtp://shop:right@127.0.0.1:{s.port}"
               "?starttls=no")
    job = enqueue(d, "send_mail", json.dumps({
        "to": "nobody@example.test", "subject": "s", "text": "t"}))
    wait_until(lambda: q(d, "SELECT count(*) FROM failed_jobs")[0][0] == 2,
               15, "refused")
    err = q(d, "SELECT error, attempts FROM failed_jobs WHERE id = ?",
            (job,))[0]
    contains(err[0], "(last reply 550)")
    eq(err[1], 1)
    eq(len(s.messages), 0)
    eq(w.stop(), 0)


@test
def server_down_is_retried():
    port = free_port()       # nothing listens there
    d = datadir()
    w = Worker(d, SMTP_URL=f"smtp://127.0.0.1:{port}",
               SHOP_JOB_BACKOFF_MS="60000")
    job = enqueue(d, "send_mail", json.dumps({
        "to": "x@example.test", "subject": "s", "text": "t"}))
    wait_until(lambda: q(d, "SELECT attempts FROM jobs WHERE id = ?",
                         (job,)) == [(1,)] and state(d, job) == "queued",
               15, "first attempt failed")
    err = q(d, "SELECT last_error, run_at - ? > 50000 FROM jobs WHERE id = ?",
            (int(time.time() * 1000), job))[0]
    contains(err[0], f"SMTP smtp://127.0.0.1:{port}/: ")
    eq(err[1], 1, "backed off about a minute")
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(0,)])
    eq(w.stop(), 0)


@test
def bad_smtp_url_fails_clearly():
    d = datadir()
    w = Worker(d, SMTP_URL="http://127.0.0.1:1/")
    job = enqueue(d, "send_mail", json.dumps({
        "to": "x@example.test", "subject": "s", "text": "t"}))
    wait_until(lambda: q(d, "SELECT count(*) FROM failed_jobs")[0][0] == 1,
               10, "failed")
    eq(q(d, "SELECT error FROM failed_jobs WHERE id = ?", (job,)),
       [("SMTP_URL must start with smtp:// or smtps://",)])
    eq(w.stop(), 0)


run()
