"""shop-worker as a process: several workers run each job once; a worker
killed mid-job leaves it to be claimed again after the lease; SIGTERM
finishes the running job and exits 0; bad payloads and unknown kinds fail
with a clear error while the worker goes on; the outbox is relayed;
recurring tasks run once per slot; SIGHUP reloads; backups are whole and
pruned; shopctl jobs lists, retries and discards."""

import glob
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (contains, datadir, eq, run, shopctl, sql,  # noqa: E402
                      tempdir, test)
from workertest import (WORKER, Worker, enqueue, env_for, q, runs,  # noqa: E402
                        state, wait_until)

@test
def two_workers_run_each_job_once():
    d = datadir()
    ids = [enqueue(d, "test.sleep", '{"ms": 15}') for _ in range(80)]
    a, b = Worker(d), Worker(d)
    wait_until(lambda: q(d, "SELECT count(*) FROM jobs WHERE state = 'done'")
               [0][0] == 80, 40, "80 jobs done")
    r = runs(d)
    eq(len(r), 80, "runs")
    eq(sorted(i for i, _ in r), ids, "each job once")
    eq({p for _, p in r}, {a.pid, b.pid}, "both workers took jobs")
    eq(q(d, "SELECT count(*) FROM jobs WHERE attempts != 1")[0][0], 0)
    eq(a.stop(), 0)
    eq(b.stop(), 0)


@test
def killed_worker_job_is_claimed_again():
    d = datadir()
    job = enqueue(d, "test.sleep", '{"ms": 1500}')
    a = Worker(d, SHOP_WORKER_LEASE_SECONDS="1")
    wait_until(lambda: state(d, job) == "running", 10, "job running")
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    eq(state(d, job), "running", "still running: its lease has not run out")
    b = Worker(d, SHOP_WORKER_LEASE_SECONDS="1")
    wait_until(lambda: state(d, job) == "done", 15, "job done by b")
    eq(runs(d), [(job, b.pid)], "run to the end once, by b")
    eq(q(d, "SELECT attempts FROM jobs WHERE id = ?", (job,)), [(2,)])
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(0,)])
    contains(b.text(), f"job {job}: lease of worker ")
    eq(b.stop(), 0)


@test
def sigterm_finishes_the_running_job():
    d = datadir()
    job = enqueue(d, "test.sleep", '{"ms": 1200}')
    later = enqueue(d, "test.sleep", '{"ms": 10}')
    w = Worker(d)
    wait_until(lambda: state(d, job) == "running", 10, "job running")
    t0 = time.monotonic()
    w.proc.send_signal(signal.SIGTERM)
    eq(w.proc.wait(15), 0, "exit status")
    w.log.close()
    eq(state(d, job), "done")
    eq(state(d, later), "queued", "no new job after SIGTERM")
    eq(runs(d), [(job, w.pid)])
    if time.monotonic() - t0 > 5:
        raise AssertionError("took too long to stop")
    eq(q(d, "SELECT count(*) FROM workers"), [(0,)], "left the table")
    contains(w.text(), "stopping")


@test
def bad_payloads_and_unknown_kinds_fail_clearly():
    d = datadir()
    bad_json = enqueue(d, "send_mail", "not json")
    no_to = enqueue(d, "send_mail", '{"subject": "x", "text": "y"}')
    bad_type = enqueue(d, "test.sleep", '{"ms": "soon"}')
    no_tmpl = enqueue(d, "send_mail",
                      '{"to": "a@example.test", "template": "nope"}')
    unknown = enqueue(d, "no.such.kind", "{}", max_attempts=2)
    good = enqueue(d, "test.sleep", '{"ms": 1}')
    w = Worker(d)
    wait_until(lambda: q(d, "SELECT count(*) FROM failed_jobs")[0][0] == 5,
               15, "five failed jobs")
    wait_until(lambda: state(d, good) == "done", 10, "good job done")
    got = dict(q(d, "SELECT id, error FROM failed_jobs"))
    eq(got[bad_json], "payload is not a JSON object: not json")
    eq(got[no_to], 'payload: "to" is missing or not a string')
    eq(got[bad_type], "payload: ms must be a whole number from 0 to 600000")
    eq(got[no_tmpl], 'no mail template "nope" '
       '(templates/mail/nope.txt.mustache)')
    eq(got[unknown], 'unknown job kind "no.such.kind"')
    # Failed for good at once; the unknown kind after its two attempts.
    eq(dict(q(d, "SELECT id, attempts FROM failed_jobs")),
       {bad_json: 1, no_to: 1, bad_type: 1, no_tmpl: 1, unknown: 2})
    if w.proc.poll() is not None:
        raise AssertionError("the worker stopped")

    # shopctl shows them, retries one, discards another.
    out = shopctl("jobs", data_dir=d).stdout
    contains(out, "failed 5")
    contains(out, 'error: unknown job kind "no.such.kind"')
    eq(shopctl("jobs", "retry", str(unknown), data_dir=d).stdout,
       f"job {unknown} is back in the queue\n")
    eq(shopctl("jobs", "discard", str(bad_json), data_dir=d).stdout,
       f"job {bad_json} discarded\n")
    p = shopctl("jobs", "discard", str(bad_json), data_dir=d, check=False)
    eq(p.returncode, 1)
    p = shopctl("jobs", "retry", "x1", data_dir=d, check=False)
    eq(p.returncode, 2)
    wait_until(lambda: q(d, "SELECT attempts FROM failed_jobs WHERE id = ?",
                         (unknown,)) == [(2,)], 10, "unknown failed again")
    eq(q(d, "SELECT count(*) FROM failed_jobs"), [(4,)])
    eq(w.stop(), 0)


@test
def outbox_relayed_to_queue_and_cable():
    d = datadir()
    now = int(time.time() * 1000)
    con = sqlite3.connect(os.path.join(d, "shop.db"), timeout=10)
    con.execute("INSERT INTO outbox (target, name, sub, payload, created_at)"
                " VALUES ('job', 'test.sleep', 'default', '{\"ms\":1}', ?)",
                (now,))
    con.execute("INSERT INTO outbox (target, name, sub, payload, created_at)"
                " VALUES ('message', 'order:9', 'order', "
                "'{\"state\":\"paid\"}', ?)", (now,))
    con.commit()
    con.close()
    w = Worker(d)
    wait_until(lambda: q(d, "SELECT count(*) FROM jobs WHERE state = 'done'")
               [0][0] == 1, 10, "relayed job done")
    eq(q(d, "SELECT kind, outbox_id FROM jobs"), [("test.sleep", 1)])
    eq(sql(d, "SELECT channel, event, data, outbox_id FROM messages",
           db="cable.db"), [("order:9", "order", '{"state":"paid"}', 2)])
    wait_until(lambda: sql(d, "SELECT count(*) FROM outbox WHERE relayed_at "
                           "IS NULL")[0][0] == 0, 5, "marked relayed")
    eq(w.stop(), 0)


@test
def recurring_runs_once_per_slot_across_workers():
    """Two workers on one queue, the clock moved an hour at a time
    (SHOP_TEST_CLOCK) across three hourly slots: one job per slot."""
    d = datadir()
    clock = os.path.join(d, "test-clock")
    with open(clock, "w") as f:
        f.write("0")
    extra = {"SHOP_SCHEDULE_TRIM_CABLE": "every 1h", "SHOP_TEST_CLOCK": clock}
    a, b = Worker(d, **extra), Worker(d, **extra)

    def runs():
        return q(d, "SELECT count(*), count(DISTINCT id) FROM jobs "
                 "WHERE task = 'trim_cable' AND kind = 'trim_cable'")[0]
    # Both have defined the task from the clock they started with.
    wait_until(lambda: all(b"started" in open(w.log_path, "rb").read()
                           for w in (a, b)), 10, "both workers started")
    wait_until(lambda: q(d, "SELECT next_run_at FROM recurring WHERE task = "
                         "'trim_cable'")[0][0] is not None, 10, "the task")
    for hour in (1, 2, 3):
        with open(clock, "w") as f:
            f.write(str(hour * 3600))
        wait_until(lambda: runs()[0] >= hour, 10, f"the run of slot {hour}")
    # Both workers look at least twice more: no second job for a slot.
    time.sleep(0.3)
    eq(a.stop(), 0)
    eq(b.stop(), 0)
    eq(runs(), (3, 3))
    slots = q(d, "SELECT count(*) FROM recurring_runs "
              "WHERE task = 'trim_cable' AND job_id IS NOT NULL")[0][0]
    eq(slots, 3, "one job per slot")


@test
def sighup_reloads_the_environment_file():
    d = datadir()
    envfile = os.path.join(d, "shop.env")
    with open(envfile, "w") as f:
        f.write("# settings\nSHOP_NAME=First Shop\n\n")
    w = Worker(d, args=["-c", envfile])
    enqueue(d, "send_mail", json.dumps({"to": "a@example.test",
                                        "subject": "hi", "text": "one"}))
    wait_until(lambda: glob.glob(os.path.join(d, "mail", "*.eml")), 10,
               "first mail")
    with open(envfile, "w") as f:
        f.write('SHOP_NAME="Second Shop"\n')
    w.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded" in w.text(), 10, "reload")
    enqueue(d, "send_mail", json.dumps({"to": "a@example.test",
                                        "subject": "hi", "text": "two"}))
    wait_until(lambda: len(glob.glob(os.path.join(d, "mail", "*.eml"))) == 2,
               10, "second mail")
    froms = []
    for p in glob.glob(os.path.join(d, "mail", "*.eml")):
        with open(p) as f:
            froms += [line for line in f.read().splitlines()
                      if line.startswith("From: ")]
    eq(sorted(froms), ["From: First Shop <shop@example.test>",
                       "From: Second Shop <shop@example.test>"])
    # A bad file on reload: the worker keeps going as it was.
    with open(envfile, "w") as f:
        f.write("not a setting\n")
    w.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload failed" in w.text(), 10, "failed reload")
    contains(w.text(), "line 1: not NAME=value")
    if w.proc.poll() is not None:
        raise AssertionError("the worker stopped")
    eq(w.stop(), 0)


@test
def bad_settings_refuse_to_start():
    d = datadir()
    p = subprocess.run([WORKER], env=env_for(d, SHOP_WORKER_LEASE_SECONDS="0"),
                       capture_output=True, text=True, timeout=20)
    eq(p.returncode, 1)
    contains(p.stderr, "SHOP_WORKER_LEASE_SECONDS must be a whole number "
             "from 1 to 3600")
    p = subprocess.run([WORKER], env=env_for(
        d, SHOP_SCHEDULE_BACKUP="cron 99 * * * *"), capture_output=True,
        text=True, timeout=20)
    eq(p.returncode, 1)
    contains(p.stderr, "SHOP_SCHEDULE_BACKUP")
    empty = tempdir()
    p = subprocess.run([WORKER], env=env_for(empty), capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 1)
    contains(p.stderr, "shopctl migrate")


@test
def backups_are_whole_and_pruned():
    d = datadir()
    sql(d, "INSERT INTO categories (slug, name) VALUES ('tea', 'Tea')")
    w = Worker(d)
    for i in range(3):
        job = enqueue(d, "backup", '{"keep": 2}')
        wait_until(lambda: state(d, job) == "done", 20, f"backup {i}")
    eq(w.stop(), 0)
    dirs = sorted(glob.glob(os.path.join(d, "backups", "*")))
    eq(len(dirs), 2, "newest two kept")
    eq(glob.glob(os.path.join(d, "backups", ".*")), [], "no partial backup")
    for b in dirs:
        eq(sorted(os.listdir(b)),
           ["cable.db", "cache.db", "queue.db", "shop.db"])
        con = sqlite3.connect(os.path.join(b, "shop.db"))
        eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        eq(con.execute("SELECT slug FROM categories").fetchall(), [("tea",)])
        con.close()


@test
def sweep_sessions_deletes_ended_ones_with_their_carts():
    d = datadir()
    now = int(time.time())
    con = sqlite3.connect(os.path.join(d, "shop.db"), timeout=10)
    con.execute("PRAGMA foreign_keys=ON")
    for i, seen in enumerate([now - 40 * 86400, now - 8 * 86400, now - 60]):
        con.execute("INSERT INTO sessions (id, id_hash, created_at, seen_at)"
                    " VALUES (?, ?, ?, ?)", (i + 1, bytes([i]) * 32,
                                             min(seen, now - 3600), seen))
        con.execute("INSERT INTO carts (session_id, created_at, updated_at)"
                    " VALUES (?, ?, ?)", (i + 1, seen, seen))
    con.commit()
    con.close()
    w = Worker(d)
    job = enqueue(d, "sweep_sessions", '{"batch": 1}')
    wait_until(lambda: state(d, job) == "done", 10, "sweep done")
    eq(sql(d, "SELECT id FROM sessions"), [(3,)], "the live one stays")
    eq(sql(d, "SELECT session_id FROM carts"), [(3,)])
    contains(w.text(), "sweep_sessions: 2 ended sessions deleted")
    eq(w.stop(), 0)


@test
def checkpoints_truncate_the_wal_when_quiet():
    d = datadir()
    w = Worker(d, SHOP_CHECKPOINT_SECONDS="1", SHOP_WORKER_QUIET_SECONDS="1")
    wait_until(lambda: "started" in w.text(), 10, "worker started")
    con = sqlite3.connect(os.path.join(d, "shop.db"), timeout=10)
    con.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(200):
        con.execute("INSERT INTO categories (slug, name) VALUES (?, ?)",
                    (f"c{i}", f"C {i}"))
        con.commit()
    wal = os.path.join(d, "shop.db-wal")
    wait_until(lambda: os.path.getsize(wal) == 0, 10, "WAL truncated")
    eq(con.execute("SELECT count(*) FROM categories").fetchone(), (200,))
    con.close()
    eq(w.stop(), 0)


@test
def shopctl_jobs_enqueue_and_list():
    d = datadir()
    eq(shopctl("jobs", "enqueue", "-u", "k1", "-p", "3", "test.sleep",
               '{"ms": 1}', data_dir=d).stdout, "1\n")
    eq(shopctl("jobs", "enqueue", "-u", "k1", "test.sleep", data_dir=d).stdout,
       'a job with the unique key "k1" is pending; nothing added\n')
    p = shopctl("jobs", "enqueue", "test.sleep", "[1]", data_dir=d,
                check=False)
    eq(p.returncode, 1)
    out = shopctl("jobs", data_dir=d).stdout
    contains(out, "queued 1, running 0, failed 0, done (kept) 0\n")
    contains(out, "test.sleep           priority 3  due  attempts 0/5")


run()
