"""Helpers for the shop-worker process tests: start a worker on a data
directory with short test settings, insert jobs as any producer would,
and wait for what the queue says."""

import os
import signal
import sqlite3
import subprocess
import time

from shoptest import BUILD, TEMPLATES, at_exit, sql

WORKER = os.path.join(BUILD, "bin", "shop-worker")


def env_for(data, **extra):
    e = dict(os.environ)
    e.update({
        "SHOP_DATA_DIR": data,
        "SHOP_TEMPLATE_DIR": TEMPLATES,
        "SHOP_MAIL_FROM": "shop@example.test",
        "SHOP_WORKER_POLL_MS": "50",
        "SHOP_WORKER_LEASE_SECONDS": "2",
        "SHOP_JOB_BACKOFF_MS": "100",
        "SHOP_SCHEDULE_TRIM_CABLE": "off",
        "SHOP_SCHEDULE_EVICT_CACHE": "off",
        "SHOP_SCHEDULE_BACKUP": "off",
        "SHOP_SCHEDULE_SWEEP_SESSIONS": "off",
        # These ask the payment gateway, which worker tests do not have.
        "SHOP_SCHEDULE_RECONCILE_PAYMENTS": "off",
        "SHOP_SCHEDULE_RELEASE_RESERVATIONS": "off",
    })
    e.pop("SMTP_URL", None)
    e.update(extra)
    return e


class Worker:
    def __init__(self, data, args=(), **extra):
        self.log_path = os.path.join(data, f"worker-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WORKER, *args], env=env_for(data, **extra),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        at_exit(self.kill)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def stop(self, timeout=20):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        self.log.close()
        return rc

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def wait_until(pred, timeout=20, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def q(data, query, params=()):
    return sql(data, query, params, db="queue.db")


def enqueue(data, kind, payload="{}", max_attempts=5, unique=None):
    """Insert a job the way any producer would, with SQLite itself."""
    now = int(time.time() * 1000)
    con = sqlite3.connect(os.path.join(data, "queue.db"), timeout=10)
    try:
        cur = con.execute(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts, "
            "unique_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, payload, now, max_attempts, unique, now))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def runs(data):
    """The test-jobs.log lines: (job id, pid) of each run."""
    try:
        with open(os.path.join(data, "test-jobs.log")) as f:
            return [tuple(map(int, line.split())) for line in f]
    except FileNotFoundError:
        return []


def state(data, job_id):
    rows = q(data, "SELECT state FROM jobs WHERE id = ?", (job_id,))
    return rows[0][0] if rows else None
