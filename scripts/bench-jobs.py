#!/usr/bin/env python3
"""make bench, second part: background jobs and live messages.

usage: bench-jobs.py BUILD DATA BASE_URL

Jobs per second: BENCH_JOBS (2000) send_mail jobs (ready text, written
as .eml files as a shop without SMTP_URL does) are queued in queue.db,
then one shop-worker, and in a second round two, run until the queue is
empty. The figure is jobs done over the time from the workers' start to
the last job's end.

Live latency: a client holds GET /live/product:<id> open on the running
lighttpd; BENCH_MESSAGES (50) messages are written one at a time and the
time from the write to the event reaching the client is measured, first
straight into cable.db (what the live program does) and then through
shop.db's outbox and a worker's relay (the path of a paid order or a
stock change). The live program and the worker run with their defaults.
"""
import http.client
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

BUILD, DATA, BASE = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = int(os.environ.get("BENCH_JOBS", "2000"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "50"))


def now_ms():
    return int(time.time() * 1000)


def connect(name):
    con = sqlite3.connect(os.path.join(DATA, name), timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    return con


def worker_env():
    env = dict(os.environ)
    env.update({
        "SHOP_DATA_DIR": DATA,
        "SHOP_TEMPLATE_DIR": os.path.join(ROOT, "templates"),
        "SHOP_MAIL_FROM": "shop@example.test",
        "SHOP_LOG_LEVEL": "warn",
    })
    for task in ("TRIM_CABLE", "EVICT_CACHE", "BACKUP", "SWEEP_SESSIONS",
                 "RECONCILE_PAYMENTS", "RELEASE_RESERVATIONS"):
        env["SHOP_SCHEDULE_" + task] = "off"
    env.pop("SMTP_URL", None)
    return env


def start_workers(n):
    return [subprocess.Popen([os.path.join(BUILD, "bin", "shop-worker")],
                             env=worker_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(n)]


def stop_workers(procs):
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def queue_jobs(n, tag):
    con = connect("queue.db")
    t = now_ms()
    with con:
        con.executemany(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts, "
            "created_at) VALUES ('send_mail', ?, ?, 5, ?)",
            ((json.dumps({"to": f"bench{i}@example.test",
                          "subject": f"Bench {tag} {i}",
                          "text": "A message of a few lines.\n" * 8,
                          "html": "<p>A message of a few lines.</p>" * 8}),
              t, t) for i in range(n)))
    con.close()


def bench_jobs(workers):
    queue_jobs(JOBS, workers)
    con = connect("queue.db")
    left = lambda: con.execute("SELECT count(*) FROM jobs WHERE state "
                               "!= 'done'").fetchone()[0]
    failed = lambda: con.execute("SELECT count(*) FROM failed_jobs"
                                 ).fetchone()[0]
    f0 = failed()
    t0 = time.monotonic()
    procs = start_workers(workers)
    deadline = t0 + 600
    try:
        while left() > 0:
            if time.monotonic() > deadline:
                raise SystemExit("bench: the jobs did not finish in 10 "
                                 "minutes")
            if any(p.poll() is not None for p in procs):
                raise SystemExit("bench: a worker stopped")
            time.sleep(0.01)
        elapsed = time.monotonic() - t0
    finally:
        stop_workers(procs)
    bad = failed() - f0
    con.close()
    return JOBS / elapsed, elapsed, bad


class Stream:
    """One server-sent event stream; events handed to a callback."""

    def __init__(self, path):
        u = urllib.parse.urlsplit(BASE)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise SystemExit(f"bench: {path} answered {self.resp.status}")
        self.seen = {}
        self.cond = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        data = []
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line == "" and data:
                    t = time.time()
                    try:
                        mark = json.loads("\n".join(data)).get("bench")
                    except ValueError:
                        mark = None
                    data = []
                    if mark is not None:
                        with self.cond:
                            self.seen[mark] = t
                            self.cond.notify_all()
        except (OSError, ValueError, AttributeError):
            pass    # closed under the reader: the run is over

    def wait(self, mark, timeout=10):
        with self.cond:
            self.cond.wait_for(lambda: mark in self.seen, timeout)
            return self.seen.get(mark)

    def close(self):
        self.conn.close()


def latency(write):
    """Milliseconds from write(mark) to the event, per message."""
    pid = connect("shop.db").execute(
        "SELECT id FROM products WHERE active ORDER BY id LIMIT 1"
    ).fetchone()[0]
    s = Stream(f"/live/product:{pid}")
    out = []
    try:
        time.sleep(0.5)
        for i in range(MESSAGES):
            mark = f"{write.__name__}-{i}"
            t = time.time()
            write(f"product:{pid}", mark)
            got = s.wait(mark)
            if got is None:
                raise SystemExit(f"bench: message {mark} never arrived")
            out.append((got - t) * 1000)
            time.sleep(0.05)
    finally:
        s.close()
    return out


def cable_write(channel, mark):
    con = connect("cable.db")
    with con:
        con.execute("INSERT INTO messages (channel, event, data, created_at)"
                    " VALUES (?, 'bench', ?, ?)",
                    (channel, json.dumps({"bench": mark}), now_ms()))
    con.close()


def outbox_write(channel, mark):
    con = connect("shop.db")
    with con:
        con.execute("INSERT INTO outbox (target, name, sub, payload, "
                    "created_at) VALUES ('message', ?, 'bench', ?, ?)",
                    (channel, json.dumps({"bench": mark}), now_ms()))
    con.close()


def show(name, ms):
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{name:<34} {statistics.median(ms):8.1f} {p99:8.1f} "
          f"{ms[-1]:8.1f}")


def main():
    print()
    print(f"{'workers':<10} {'jobs':>6} {'seconds':>9} {'jobs/s':>9}  "
          "(send_mail to .eml files)")
    for n in (1, 2):
        rate, secs, bad = bench_jobs(n)
        print(f"{n:<10} {JOBS:>6} {secs:9.2f} {rate:9.0f}"
              + (f"  ({bad} failed)" if bad else ""))
    print()
    print(f"{'live message, write to client':<34} {'median':>8} "
          f"{'p99':>8} {'max':>8}  (ms, {MESSAGES} messages)")
    show("cable.db write", latency(cable_write))
    procs = start_workers(1)
    try:
        show("shop.db outbox, worker relay", latency(outbox_write))
    finally:
        stop_workers(procs)


if __name__ == "__main__":
    main()
