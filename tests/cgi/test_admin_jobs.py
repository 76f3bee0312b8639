"""The back office's jobs: GET /admin/jobs lists the workers, running,
queued and failed jobs and the recurring tasks; POST
/admin/jobs/{id}/retry and /discard act on a failed job (or a queued one,
for discard), each recorded in the admin log, which reaches shop.db even
when the request could not write it there. A mail's payload is never
shown: its kind, template and recipient only, since a password-reset
mail holds the link."""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import adminfixture as af  # noqa: E402

BAD_SMTP = {"SMTP_URL": "smtp://127.0.0.1:1"}


def q(d, query, params=()):
    return shoptest.sql(d, query, params, db="queue.db")


def now_ms():
    return int(time.time() * 1000)


def reset_mail(d, email="ann@example.com"):
    """A mail job whose payload holds a secret link (as a reset mail's
    did before its links were made by the worker), queued in the mail
    queue and tried by a worker whose SMTP server is not there: a queued
    send_mail job with an error. Returns (job id, the link's token)."""
    token = "k" * 43
    payload = json.dumps({"to": email, "to_name": "Ann",
                          "template": "password_reset",
                          "data": {"name": "Ann", "valid_minutes": 60,
                                   "url": "http://127.0.0.1:8080/account/"
                                          "password/reset?token=" + token}})
    shoptest.shopctl("jobs", "enqueue", "-q", "mail", "-p", "20", "send_mail",
                     payload, data_dir=d)
    shoptest.worker_once(d, env=BAD_SMTP)
    (jid, got), = q(d, "SELECT id, payload FROM jobs WHERE kind = "
                       "'send_mail' AND state = 'queued'")
    eq(re.search(r"token=([A-Za-z0-9_-]+)", got).group(1), token)
    return jid, token


def fail(d, jid):
    """Move queued job jid to failed_jobs, as its last attempt would."""
    q(d, "INSERT INTO failed_jobs (id, queue, kind, payload, priority, "
         "attempts, max_attempts, unique_key, outbox_id, task, error, "
         "created_at, failed_at) SELECT id, queue, kind, payload, priority, "
         "max_attempts, max_attempts, unique_key, outbox_id, task, "
         "last_error, created_at, ? FROM jobs WHERE id = ?",
      (now_ms(), jid))
    q(d, "DELETE FROM jobs WHERE id = ?", (jid,))


def job(d, kind, payload="{}", state="queued", **cols):
    """A job row of kind in state; its id."""
    c = {"queue": "default", "kind": kind, "payload": payload,
         "run_at": now_ms(), "state": state, "attempts": 0,
         "max_attempts": 5, "created_at": now_ms()}
    if state == "running":
        c.update(attempts=1, worker="host:42:abc", lease_token="t",
                 lease_until=now_ms() + 60000, started_at=now_ms())
    if state == "done":
        c.update(attempts=1, finished_at=now_ms())
    c.update(cols)
    q(d, f"INSERT INTO jobs ({', '.join(c)}) VALUES "
         f"({', '.join('?' for _ in c)})", tuple(c.values()))
    (jid,), = q(d, "SELECT max(id) FROM jobs")
    return jid


def failed(d, kind="send_mail", payload=None, error="boom", unique=None):
    """A failed job; its id."""
    jid = job(d, kind, payload or '{"to":"bob@example.com",'
              '"template":"shipped","data":{"number":"SF-000001"}}',
              unique_key=unique)
    q(d, "UPDATE jobs SET last_error = ?, attempts = 5 WHERE id = ?",
      (error, jid))
    fail(d, jid)
    return jid


def log(d):
    return shoptest.sql(d, "SELECT actor, action, object_type, object_id, "
                           "label, before, after FROM admin_log ORDER BY id")


@test
def the_page_lists_workers_jobs_failures_and_tasks():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    mail, token = reset_mail(d)
    q(d, "INSERT INTO workers (id, pid, host, started_at, heartbeat_at, "
         "job_id) VALUES ('host:42:abc', 42, 'host', ?, ?, NULL), "
         "('host:43:def', 43, 'host', ?, ?, NULL)",
      (now_ms(), now_ms() - 5000, now_ms(), now_ms() - 600000))
    running = job(d, "backup", '{"keep":3}', "running")
    q(d, "UPDATE workers SET job_id = ? WHERE pid = 42", (running,))
    hidden = job(d, "from_a_newer_build", '{"secret":"s3cr3t"}',
                 run_at=now_ms() + 3600 * 1000)
    lost = failed(d, error="no mail template \"shiped\"")
    r = af.admin(d, "/admin/jobs", cookie=cookie, json=True)
    status(r, 200)
    j = r.json()
    eq(j["counts"], {"queued": 2, "running": 1, "failed": 1, "done": 0})
    eq([(w["pid"], w["busy"], w["job_id"], w["silent"])
        for w in j["workers"]],
       [(42, True, running, False), (43, False, 0, True)])
    eq([(x["id"], x["kind"], x["payload"], x["worker"], x["attempts"])
        for x in j["running"]],
       [(running, "backup", '{"keep":3}', "host:42:abc", 1)])
    eq([x["id"] for x in j["queued"]], [mail, hidden])
    m = j["queued"][0]
    eq((m["kind"], m["queue"], m["mail"], m["template"], m["to"],
        m["priority"], m["attempts"]),
       ("send_mail", "mail", True, "password_reset", "ann@example.com",
        20, 1))
    contains(m["last_error"], "Failed to connect to 127.0.0.1 port 1")
    eq("payload" in m, False)
    eq((j["queued"][1]["payload_hidden"], "payload" in j["queued"][1]),
       (True, False))
    eq(j["queued"][1]["runs"], "in 59 min")
    f = j["failed"][0]
    eq((f["id"], f["template"], f["to"], f["error"], f["attempts"]),
       (lost, "shipped", "bob@example.com", 'no mail template "shiped"', 5))
    tasks = {t["task"]: t for t in j["recurring"]}
    eq(sorted(tasks), ["backup", "evict_cache", "reconcile_payments",
                       "release_reservations", "remind_unpaid",
                       "sweep_sessions", "trim_cable"])
    eq(tasks["backup"]["schedule"], "cron 30 3 * * *")
    eq(tasks["backup"]["ran"], False)
    eq(tasks["trim_cable"]["next_run_at"] > now_ms(), True)
    lacks(r.text, token)
    lacks(r.text, "s3cr3t")
    lacks(r.text, "SF-000001")

    r = af.admin(d, "/admin/jobs", cookie=cookie)
    status(r, 200)
    eq(r.header("Cache-Control"), "no-store")
    contains(r.text, '<a href="/admin/jobs" aria-current="page">Jobs</a>')
    contains(r.text, "2 queued, 1 running, 1 failed, 0 done")
    contains(r.text, "Mail <code>password_reset</code> to ann@example.com")
    contains(r.text, "<code class=\"job-payload\">{&quot;keep&quot;:3}"
                     "</code>")
    contains(r.text, "(not shown: a kind this program does not know)")
    contains(r.text, "no mail template &quot;shiped&quot;")
    contains(r.text, f'action="/admin/jobs/{lost}/retry"')
    contains(r.text, f'action="/admin/jobs/{lost}/discard"')
    contains(r.text, f'action="/admin/jobs/{mail}/discard"')
    lacks(r.text, f'action="/admin/jobs/{mail}/retry"')
    lacks(r.text, f'action="/admin/jobs/{running}/')
    contains(r.text, "(silent: stopped or stuck?)")
    contains(r.text, f"<td>job {running}</td>")
    contains(r.text, "<td>cron 30 3 * * *</td>")
    lacks(r.text, token)
    lacks(r.text, "s3cr3t")


@test
def an_empty_queue_says_so():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    r = af.admin(d, "/admin/jobs", cookie=cookie)
    status(r, 200)
    contains(r.text, "No worker is running")
    contains(r.text, "The queue is empty.")
    contains(r.text, "No failed job.")
    contains(r.text, "No recurring task yet")


@test
def a_failed_reset_mail_retried_is_in_the_admin_log_without_its_link():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    jid, token = reset_mail(d)
    fail(d, jid)
    (failed_at, error), = q(d, "SELECT failed_at, error FROM failed_jobs")
    r = af.admin(d, f"/admin/jobs/{jid}/retry", "POST", cookie=cookie)
    status(r, 303)
    eq(r.header("Location"), "/admin/jobs?done=retried")
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(0,)])
    eq(q(d, "SELECT id, state, attempts, last_error FROM jobs"),
       [(jid, "queued", 0, error)])
    before = {"state": "failed", "queue": "mail", "kind": "send_mail",
              "attempts": 5, "max_attempts": 5, "failed_at": failed_at,
              "error": error, "mail": True, "template": "password_reset",
              "to": "ann@example.com"}
    rows = log(d)
    eq([r_[:5] for r_ in rows],
       [("staff@shop.example", "job.retry", "job", jid,
         f"send_mail #{jid}")])
    eq(json.loads(rows[0][5]), before)
    eq(json.loads(rows[0][6]), {"state": "queued", "attempts": 0})
    # The entry reached shop.db: its copy in queue.db is gone.
    eq(q(d, "SELECT count(*) FROM jobs WHERE kind = 'admin_log'"), [(0,)])
    r = af.admin(d, "/admin/jobs?done=retried", cookie=cookie)
    contains(r.text, "The job is queued again.")
    r = af.admin(d, "/admin/audit", cookie=cookie)
    contains(r.text, f"job.retry send_mail #{jid}")
    lacks(r.text, token)
    lacks(json.dumps(rows), token)


@test
def retry_and_discard_as_json():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    a = failed(d)
    b = failed(d, kind="backup", payload='{"keep":2}')
    queued = job(d, "trim_cable")
    r = af.admin(d, f"/admin/jobs/{a}/retry", "POST", cookie=cookie,
                 json=True)
    status(r, 200)
    eq(r.json(), {"ok": True, "id": a, "kind": "send_mail",
                  "state": "queued"})
    r = af.admin(d, f"/admin/jobs/{b}/discard", "POST", cookie=cookie,
                 json=True)
    status(r, 200)
    eq(r.json(), {"ok": True, "id": b, "kind": "backup",
                  "state": "discarded"})
    r = af.admin(d, f"/admin/jobs/{queued}/discard", "POST", cookie=cookie)
    status(r, 303)
    eq(r.header("Location"), "/admin/jobs?done=discarded")
    eq(q(d, "SELECT id, kind, state FROM jobs ORDER BY id"),
       [(a, "send_mail", "queued")])
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(0,)])
    rows = log(d)
    eq([r_[1:5] for r_ in rows],
       [("job.retry", "job", a, f"send_mail #{a}"),
        ("job.discard", "job", b, f"backup #{b}"),
        ("job.discard", "job", queued, f"trim_cable #{queued}")])
    eq(json.loads(rows[1][5])["payload"], '{"keep":2}')
    eq(rows[1][6], None)
    eq((json.loads(rows[2][5])["state"], rows[2][6]), ("queued", None))
    # A mail's data stays out of the log.
    lacks(rows[0][5], "SF-000001")


@test
def bad_unknown_job_is_404():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    for path in ("/admin/jobs/999/retry", "/admin/jobs/999/discard",
                 "/admin/jobs/0/retry", "/admin/jobs/abc/retry"):
        status(af.admin(d, path, "POST", cookie=cookie), 404)
    r = af.admin(d, "/admin/jobs/999/retry", "POST", cookie=cookie,
                 json=True)
    status(r, 404)
    eq(r.json()["ok"], False)
    eq(log(d), [])


@test
def bad_a_running_job_is_neither_retried_nor_discarded():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    jid = job(d, "backup", state="running")
    r = af.admin(d, f"/admin/jobs/{jid}/retry", "POST", cookie=cookie,
                 json=True)
    status(r, 409)
    eq(r.json()["error"], f"Job {jid} is running now: a worker holds it, "
                          "so it cannot be retried. Wait until it ends.")
    r = af.admin(d, f"/admin/jobs/{jid}/discard", "POST", cookie=cookie)
    status(r, 409)
    contains(r.text, f"Job {jid} is running now: a worker holds it, so it "
                     "cannot be discarded.")
    eq(q(d, "SELECT state FROM jobs WHERE id = ?", (jid,)), [("running",)])
    eq(log(d), [])
    eq(q(d, "SELECT count(*) FROM jobs WHERE kind = 'admin_log'"), [(0,)])


@test
def bad_a_queued_or_done_job_is_not_retried():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    queued = job(d, "backup")
    done = job(d, "backup", state="done")
    r = af.admin(d, f"/admin/jobs/{queued}/retry", "POST", cookie=cookie,
                 json=True)
    status(r, 409)
    eq(r.json()["error"], f"Job {queued} is queued already: it runs when "
                          "it is due.")
    r = af.admin(d, f"/admin/jobs/{done}/discard", "POST", cookie=cookie,
                 json=True)
    status(r, 409)
    eq(r.json()["error"], f"Job {done} is done: there is nothing to "
                          "discard.")
    eq(q(d, "SELECT id, state FROM jobs ORDER BY id"),
       [(queued, "queued"), (done, "done")])
    eq(log(d), [])


@test
def bad_a_retry_whose_unique_key_is_pending():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    old = failed(d, unique="mail:order-paid:7")
    job(d, "send_mail", unique_key="mail:order-paid:7")
    r = af.admin(d, f"/admin/jobs/{old}/retry", "POST", cookie=cookie,
                 json=True)
    status(r, 409)
    contains(r.json()["error"], "a job with the same unique key is queued "
                                "or running")
    eq(q(d, "SELECT id FROM failed_jobs"), [(old,)])
    eq(log(d), [])


@test
def bad_customers_and_strangers_are_refused():
    d = shoptest.datadir()
    jid = failed(d)
    customer = af.signed_in(d, None)
    status(af.admin(d, "/admin/jobs", cookie=customer), 403)
    status(af.admin(d, f"/admin/jobs/{jid}/retry", "POST", cookie=customer),
           403)
    status(af.admin(d, f"/admin/jobs/{jid}/discard", "POST",
                    cookie=customer, json=True), 403)
    r = af.admin(d, f"/admin/jobs/{jid}/discard", "POST")
    status(r, 303)
    eq(r.header("Location").startswith("/account/login"), True)
    status(af.admin(d, "/admin/jobs", json=True), 401)
    eq(q(d, "SELECT id FROM failed_jobs"), [(jid,)])
    eq(log(d), [])


@test
def bad_cross_site_posts_are_refused():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "admin")
    jid = failed(d)
    for action in ("retry", "discard"):
        r = af.admin(d, f"/admin/jobs/{jid}/{action}", "POST", cookie=cookie,
                     headers={"Sec-Fetch-Site": "cross-site",
                              "Origin": "https://evil.example"})
        status(r, 403)
    eq(q(d, "SELECT id FROM failed_jobs"), [(jid,)])
    eq(log(d), [])


@test
def bad_get_of_an_action_is_not_allowed():
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    jid = failed(d)
    r = af.admin(d, f"/admin/jobs/{jid}/retry", cookie=cookie)
    status(r, 405)
    eq(q(d, "SELECT id FROM failed_jobs"), [(jid,)])


@test
def an_entry_shop_db_refused_reaches_it_through_a_worker_once():
    """The change commits in queue.db with its entry; shop.db refuses the
    copy (as if the process had died there): the change stands, and a
    worker copies the entry after its grace time, once however many
    copies of it there are."""
    d = shoptest.datadir()
    cookie = af.signed_in(d, "staff")
    jid = failed(d)
    shoptest.sql(d, "CREATE TRIGGER refuse BEFORE INSERT ON admin_log "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    r = af.admin(d, f"/admin/jobs/{jid}/discard", "POST", cookie=cookie,
                 json=True)
    status(r, 200)
    contains(r.stderr, "is left to a worker")
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(0,)])
    eq(log(d), [])
    (rec, run_at, payload), = q(d, "SELECT id, run_at, payload FROM jobs "
                                   "WHERE kind = 'admin_log'")
    eq(run_at > now_ms() + 50000, True)     # a grace time first
    shoptest.sql(d, "DROP TRIGGER refuse")
    shoptest.worker_once(d)
    eq(log(d), [])                          # not yet due
    q(d, "UPDATE jobs SET run_at = 0 WHERE id = ?", (rec,))
    # A second copy, as when the request wrote the entry and died before
    # it deleted the job.
    job(d, "admin_log", payload, run_at=0)
    shoptest.worker_once(d)
    rows = log(d)
    eq([r_[:5] for r_ in rows],
       [("staff@shop.example", "job.discard", "job", jid,
         f"send_mail #{jid}")])
    eq(json.loads(rows[0][5])["state"], "failed")
    eq(q(d, "SELECT count(*) FROM jobs WHERE kind = 'admin_log' AND "
            "state = 'done'"), [(2,)])


@test
def bad_an_admin_log_job_that_is_no_entry_fails_for_good():
    d = shoptest.datadir()
    job(d, "admin_log", '{"action":"job.retry"}')
    shoptest.worker_once(d)
    eq(q(d, "SELECT kind, attempts, error FROM failed_jobs"),
       [("admin_log", 1, "payload is not an admin log entry")])
    eq(log(d), [])


shoptest.run()
