"""shopctl doctor: one line per check, `ok|warn|fail  check: detail`,
and an exit status of the worst (0 ok, 1 warn, 2 fail). A sound data
directory, then each check that can be provoked here made to warn and
to fail: permissions and owners, journal mode, schema, backups, the
worker, failed jobs, a small or nearly full filesystem (a tmpfs, when
mounting is allowed). The filesystem types and SQLite versions that
cannot be provoked are tested in tests/unit/test_doctor.c."""

import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, shopctl, test  # noqa: E402

CHECKS = ["filesystem", "locks", "sqlite", "free space", "permissions",
          "shop.db", "queue.db", "cache.db", "cable.db", "schema", "backup",
          "worker", "failed jobs"]
NEW_SQLITE = tuple(map(int, sqlite3.sqlite_version.split("."))) >= (3, 51, 3)


def doctor(d):
    p = shopctl("doctor", data_dir=d, check=False)
    lines = p.stdout.splitlines()
    got = {}
    for line in lines:
        m = re.fullmatch(r"(ok|warn|fail)  +([a-z. ]+): (.+)", line)
        if m is None:
            raise AssertionError(f"not a doctor line: {line!r}")
        got[m.group(2)] = (m.group(1), m.group(3))
    eq(list(got), CHECKS, p.stdout)
    return p.returncode, got


def healthy():
    """Migrated, backed up, a worker beating, modes as migrate made them."""
    d = shoptest.datadir()
    os.chmod(d, 0o750)
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o640)
    eq(shopctl("backup", data_dir=d, check=False).returncode, 0)
    beat(d)
    return d


def beat(d, ago_ms=0):
    now = int(time.time() * 1000) - ago_ms
    shoptest.sql(d, "INSERT OR REPLACE INTO workers (id, pid, host, "
                 "started_at, heartbeat_at) VALUES ('h:1:x', 1, 'h', ?, ?)",
                 (now, now), db="queue.db")


def level(got, check):
    return got[check][0]


@test
def sound_data_directory():
    d = healthy()
    rc, got = doctor(d)
    want_sqlite = "ok" if NEW_SQLITE else "warn"
    eq({k: v[0] for k, v in got.items()},
       {k: want_sqlite if k == "sqlite" else "ok" for k in CHECKS},
       got)
    eq(rc, 0 if NEW_SQLITE else 1)
    contains(got["locks"][1], "flock and POSIX locks keep another process "
             "out")
    eq(got["shop.db"][1].startswith("journal wal, synchronous FULL, WAL "),
       True, got["shop.db"])
    eq(got["queue.db"][1].startswith("journal wal, synchronous FULL, "),
       True)
    eq(got["cache.db"][1].startswith("journal wal, synchronous NORMAL, "),
       True)
    if not NEW_SQLITE:
        contains(got["sqlite"][1], f"{sqlite3.sqlite_version} is older than "
                 "3.51.3, which fixed a WAL-reset race; the shop's "
                 "checkpoint discipline keeps clear of it (DESIGN.md")
    contains(got["backup"][1], "-shopctl, is 0 h 0")
    contains(got["worker"][1], "1 alive, the last heartbeat ")
    eq(got["failed jobs"], ("ok", "none"))
    eq(got["schema"], ("ok", "every migration this program knows is "
                       "applied"))
    # The probe leaves nothing behind.
    eq([f for f in os.listdir(d) if f.startswith(".")], [])


@test
def bad_permissions_warn_and_fail():
    d = healthy()
    os.chmod(os.path.join(d, "shop.db"), 0o644)
    rc, got = doctor(d)
    eq(rc, 1)
    eq(got["permissions"], ("warn", "shop.db is 0644 (want 0640 or "
                            "stricter)"))
    os.chmod(d, 0o755)
    with open(os.path.join(d, "shop.env"), "w") as f:
        f.write("STRIPE_SECRET_KEY=x\n")
    os.chmod(os.path.join(d, "shop.env"), 0o640)
    rc, got = doctor(d)
    eq(got["permissions"], ("warn", f"{d} is 0755 (want 0750 or stricter); "
                            "shop.db is 0644 (want 0640 or stricter); "
                            "shop.env is 0640 (want 0600 or stricter)"))
    b = os.listdir(os.path.join(d, "backups"))[0]
    os.chmod(os.path.join(d, "backups", b, "queue.db"), 0o666)
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["permissions"][0], "fail")
    contains(got["permissions"][1], "; and 1 more")


@test
def bad_owner_fails():
    if os.geteuid() != 0:
        raise shoptest.Skip("changing a file's owner needs root")
    d = healthy()
    os.chown(os.path.join(d, "queue.db"), 65534, 65534)
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["permissions"], ("fail", "queue.db is owned by nobody, the data "
                            "directory by root"))


@test
def bad_journal_mode_and_schema():
    d = healthy()
    con = sqlite3.connect(os.path.join(d, "cache.db"))
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    shoptest.sql(d, "DELETE FROM schema_migrations WHERE version = 40")
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["cache.db"][0], "fail")
    contains(got["cache.db"][1], "journal delete, ")
    contains(got["cache.db"][1], ": not in WAL mode")
    eq(got["schema"], ("fail", "primary: 1 migration missing: run "
                       "\"shopctl migrate\""))
    shoptest.sql(d, "INSERT INTO schema_migrations (version, name, checksum)"
                 " VALUES (40, 'catalog_version', 'x'), (77, 'next', 'y')")
    rc, got = doctor(d)
    eq(got["schema"], ("fail", "primary: 1 migration changed since applied:"
                       " run \"shopctl migrate\""))


@test
def bad_missing_database():
    d = healthy()
    os.remove(os.path.join(d, "cable.db"))
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["cable.db"][0], "fail")
    contains(got["cable.db"][1], "cable.db: No such file or directory")
    contains(got["schema"][1], "cable cannot be opened")


@test
def newer_schema_warns():
    d = healthy()
    shoptest.sql(d, "INSERT INTO schema_migrations (version, name, checksum)"
                 " VALUES (9000, 'future', 'x')", db="queue.db")
    rc, got = doctor(d)
    eq(got["schema"], ("warn", "migrations this program does not know "
                       "(queue: 1): a newer version migrated these files"))


@test
def backups_none_old_and_older():
    d = healthy()
    root = os.path.join(d, "backups")
    for b in os.listdir(root):
        os.rename(os.path.join(root, b), os.path.join(root, "." + b))
    rc, got = doctor(d)
    eq(got["backup"], ("warn", f"none in {d}/backups yet (\"shopctl "
                       "backup\"; the worker writes one nightly)"))
    now = time.time()
    for hours, want in ((30, "warn"), (80, "fail")):
        name = time.strftime("%Y%m%dT%H%M%SZ-job9",
                             time.gmtime(now - hours * 3600 - 30))
        os.makedirs(os.path.join(root, name))
        open(os.path.join(root, name, "shop.db"), "w").close()
        rc, got = doctor(d)
        eq(got["backup"][0], want, got["backup"])
        contains(got["backup"][1], f"the newest, {name}, is {hours} h 00 "
                 "min old: is the nightly backup running?")
        os.rename(os.path.join(root, name), os.path.join(root, "." + name))
    # A directory without its shop.db is not a backup.
    name = time.strftime("%Y%m%dT%H%M%SZ-empty", time.gmtime(now))
    os.makedirs(os.path.join(root, name))
    eq(doctor(d)[1]["backup"][0], "warn")


@test
def worker_gone_then_stalled_and_failed_jobs():
    d = healthy()
    shoptest.sql(d, "DELETE FROM workers", db="queue.db")
    rc, got = doctor(d)
    eq(rc, 1)
    eq(got["worker"], ("warn", "no worker has run on these files: start "
                       "shop-worker (mail, reconcile and backups wait for "
                       "it)"))
    beat(d, ago_ms=20 * 60 * 1000)
    rc, got = doctor(d)
    eq(got["worker"], ("warn", "none alive: the last heartbeat was 20 min "
                       "ago; is shop-worker running?"))
    now = int(time.time() * 1000)
    shoptest.sql(d, "INSERT INTO jobs (kind, payload, run_at, max_attempts, "
                 "created_at) VALUES ('send_mail', '{}', ?, 5, ?)",
                 (now - 30 * 60 * 1000, now), db="queue.db")
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["worker"][0], "fail")
    contains(got["worker"][1], "none alive, and 1 job due for 30 min: start "
             "shop-worker")
    beat(d)
    shoptest.sql(d, "INSERT INTO failed_jobs (id, queue, kind, payload, "
                 "priority, attempts, max_attempts, error, created_at, "
                 "failed_at) VALUES (99, 'default', 'send_mail', '{}', 0, "
                 "5, 5, 'smtp down', 1, 1)", db="queue.db")
    rc, got = doctor(d)
    eq(got["worker"][0], "ok")
    eq(got["failed jobs"], ("warn", "1: see \"shopctl jobs\", then retry "
                            "or discard them"))


@test
def large_wal_warns():
    d = healthy()
    # A WAL past 64 MiB (sparse; its header is not valid, so SQLite
    # ignores its content).
    with open(os.path.join(d, "queue.db-wal"), "wb") as f:
        f.truncate(65 * 1024 * 1024)
    os.chmod(os.path.join(d, "queue.db-wal"), 0o640)
    rc, got = doctor(d)
    eq(got["queue.db"][0], "warn", got["queue.db"])
    contains(got["queue.db"][1], "WAL 65.0 MiB: the WAL is large; is "
             "shop-worker checkpointing?")


def on_tmpfs(size):
    """A healthy data directory copied onto a tmpfs of size."""
    import shutil
    src = healthy()
    mnt = shoptest.mount("-t", "tmpfs", "-o", f"size={size},mode=0750",
                         "tmpfs")
    d = os.path.join(mnt, "data")
    shutil.copytree(src, d, symlinks=True)
    return d


@test
def tmpfs_warns_and_little_space_warns():
    d = on_tmpfs("300m")
    rc, got = doctor(d)
    eq(got["filesystem"], ("warn", "tmpfs: a memory filesystem: the "
                           "databases are lost at reboot"))
    eq(got["free space"][0], "warn", got["free space"])
    contains(got["free space"][1], ": little room for the WAL and backups")


@test
def bad_nearly_full_filesystem_fails():
    d = on_tmpfs("40m")
    rc, got = doctor(d)
    eq(rc, 2)
    eq(got["free space"][0], "fail", got["free space"])
    contains(got["free space"][1], ": writes and backups may fail; make room")


@test
def bad_arguments():
    p = shopctl("doctor", "now", data_dir=shoptest.datadir(), check=False)
    eq(p.returncode, 2)
    eq(p.stderr, "shopctl: doctor takes no arguments\n")


if __name__ == "__main__":
    shoptest.run()
