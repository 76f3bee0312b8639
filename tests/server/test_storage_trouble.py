"""A data directory that cannot be written, full to the brim (a small
tmpfs) or read-only (a read-only bind mount): no program crashes, pages
keep being served from what the files hold, a write is answered 503
with a plain message that names no file (the log has the path), the
worker waits instead of dying, and everything comes back by itself once
there is room or the mount is writable again.

Mounting needs root (the tests run as root in CI); where it is refused
the tests are skipped with the reason, not passed."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
from workertest import WORKER, env_for, wait_until  # noqa: E402

SAME = {"Sec-Fetch-Site": "same-origin"}
PAUSED = ("The shop cannot save anything at the moment, so this could not "
          "be done. Browsing still works; please try again in a few "
          "minutes.")


class Worker:
    """shop-worker on a data directory, its log kept outside it."""

    def __init__(self, data):
        self.log_path = os.path.join(shoptest.tempdir(), "worker.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WORKER], env=env_for(data),
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT)
        shoptest.at_exit(self.stop)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)
        self.log.close()
        return self.proc.returncode

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def shop_data():
    d = shoptest.datadir(seed=True)
    slug, vid = shoptest.sql(d, "SELECT p.slug, v.id FROM products p JOIN "
                             "variants v ON v.product_id = p.id WHERE "
                             "p.active AND v.active AND v.stock > 5 "
                             "ORDER BY v.id LIMIT 1")[0]
    return d, slug, vid


def reads_serve(srv, slug, what):
    c = srv.client()
    for path in ("/", f"/products/{slug}", "/search?q=a", "/cart"):
        r = c.get(path)
        status(r, 200)
        contains(r.text, "</html>", f"{what}: {path}")


def write_refused(srv, vid, data_dir, what):
    r = srv.client().post("/cart/items", {"variant_id": vid, "quantity": 1},
                          headers=SAME)
    eq(r.status, 503, f"{what}: {r.text[:300]}")
    contains(r.text, PAUSED, what)
    lacks(r.text, data_dir, what)
    lacks(r.text, ".lock", what)
    lacks(r.text, ".db", what)
    r = srv.client().post("/cart/items", {"variant_id": vid, "quantity": 1},
                          headers={**SAME, "Accept": "application/json"})
    eq((r.status, r.json()["error"]), (503, PAUSED), what)


def write_works(srv, vid):
    r = srv.client().post("/cart/items", {"variant_id": vid, "quantity": 1},
                          headers=SAME)
    return r.status == 303


def no_crash(srv, pids, what):
    """The FastCGI programs that were there are there still."""
    now = set(p for p, _ in srv.children())
    eq(sorted(set(pids) - now), [], f"{what}: programs gone")
    log = srv.error_log()
    lacks(log, "signal", f"{what}: lighttpd's log")


def fill(mnt):
    """Fill the filesystem of mnt to its last byte."""
    f = open(os.path.join(mnt, "fill"), "wb", buffering=0)
    for size in (1 << 20, 4096, 1):
        try:
            while True:
                f.write(b"x" * size)
        except OSError:
            pass
    f.close()
    eq(shutil.disk_usage(mnt).free, 0)


def workers(d):
    return shoptest.sql(d, "SELECT count(*) FROM workers", db="queue.db")[0][0]


@test
def full_disk_reads_serve_writes_wait_then_recover():
    src, slug, vid = shop_data()
    mnt = shoptest.mount("-t", "tmpfs", "-o", "size=24m,mode=0750", "tmpfs")
    d = os.path.join(mnt, "data")
    shutil.copytree(src, d)
    srv = shoptest.Lighttpd(d).start()
    w = Worker(d)
    wait_until(lambda: workers(d) == 1, what="the worker registered")
    reads_serve(srv, slug, "before")
    eq(write_works(srv, vid), True)
    pids = [p for p, _ in srv.children()]

    fill(mnt)
    reads_serve(srv, slug, "full")
    write_refused(srv, vid, d, "full")
    no_crash(srv, pids, "full")
    # Programs started on the full disk read all the same.
    srv.stop()
    srv.start()
    reads_serve(srv, slug, "full, restarted")
    write_refused(srv, vid, d, "full, restarted")
    # A worker started now waits for room instead of dying.
    w2 = Worker(d)
    time.sleep(1.5)
    eq(w.proc.poll(), None, w.text()[-2000:])
    eq(w2.proc.poll(), None, w2.text()[-2000:])
    contains(w2.text(), "waiting: the data directory cannot be written "
             "(read-only, or the disk is full)")
    with open(os.path.join(srv.run_dir, "stderr.log"), "rb") as f:
        log = f.read().decode("utf-8", "replace")
    contains(log, f"db: {d}/shop.db: the disk is full")

    os.remove(os.path.join(mnt, "fill"))
    try:
        wait_until(lambda: write_works(srv, vid), timeout=5,
                   what="writes again once there is room")
    except AssertionError:
        print(open(os.path.join(srv.run_dir, "stderr.log")).read()[-5000:])
        raise
    wait_until(lambda: workers(d) == 2, timeout=10,
               what="the waiting worker started")
    eq(w.stop(), 0)
    eq(w2.stop(), 0)
    srv.stop()


def crashed_writer(d, name):
    """A process that commits a product and is killed before it closes:
    its -wal (holding the product) and -shm stay behind."""
    code = ("import sqlite3, os, signal, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('PRAGMA wal_autocheckpoint=0')\n"
            "c.execute(\"INSERT INTO products (slug, name) VALUES (?, ?)\","
            " (sys.argv[2], sys.argv[2]))\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", code, os.path.join(d, "shop.db"),
                    name])
    eq(os.path.getsize(os.path.join(d, "shop.db-wal")) > 0, True)
    eq(os.path.exists(os.path.join(d, "shop.db-shm")), True)


def read_only(src):
    mnt = shoptest.mount("--bind", src)
    p = subprocess.run(["mount", "-o", "remount,ro,bind", mnt],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise shoptest.Skip(f"remount,ro,bind refused: {p.stderr.strip()}")
    return mnt


@test
def read_only_mount_reads_serve_writes_wait_then_recover():
    src, slug, vid = shop_data()
    d = read_only(src)
    srv = shoptest.Lighttpd(d).start()
    w = Worker(d)
    reads_serve(srv, slug, "read-only")
    write_refused(srv, vid, d, "read-only")
    time.sleep(1.2)
    eq(w.proc.poll(), None, w.text()[-2000:])
    contains(w.text(), "waiting: the data directory cannot be written")
    pids = [p for p, _ in srv.children()]
    reads_serve(srv, slug, "read-only, again")
    no_crash(srv, pids, "read-only")
    with open(os.path.join(srv.run_dir, "stderr.log"), "rb") as f:
        log = f.read().decode("utf-8", "replace")
    contains(log, f"{d}/shop.db.lock: Read-only file system; reading it "
             "only")

    subprocess.run(["mount", "-o", "remount,rw,bind", d], check=True)
    wait_until(lambda: write_works(srv, vid), timeout=5,
               what="writes again once the mount is writable")
    wait_until(lambda: workers(d) == 1, timeout=10,
               what="the waiting worker started")
    eq(w.stop(), 0)
    srv.stop()


@test
def read_only_after_a_crash_shows_what_the_wal_holds():
    src, slug, vid = shop_data()
    crashed_writer(src, "hat-kept-in-wal-frames")
    d = read_only(src)
    srv = shoptest.Lighttpd(d).start()
    r = srv.client().get("/products/hat-kept-in-wal-frames")
    status(r, 200)
    contains(r.text, "<h1>hat-kept-in-wal-frames</h1>")
    reads_serve(srv, slug, "read-only with a WAL")
    write_refused(srv, vid, d, "read-only with a WAL")
    srv.stop()
    # Nothing was written: the WAL is still what the writer left.
    con = sqlite3.connect(f"file:{src}/shop.db?mode=ro", uri=True)
    eq(con.execute("SELECT count(*) FROM products WHERE slug = "
                   "'hat-kept-in-wal-frames'").fetchone()[0], 1)
    con.close()


if __name__ == "__main__":
    shoptest.run()
