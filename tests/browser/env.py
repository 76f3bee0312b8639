"""The whole shop for the browser tests: the test payment gateway, lighttpd
serving the programs on a seeded data directory, and shop-worker relaying
the outbox (live updates, mail), each on a free loopback port.

    python3 tests/browser/env.py

prints one JSON line once everything answers:

    {"shop": "http://127.0.0.1:P", "gateway": "http://127.0.0.1:G",
     "gateway_key": "sk_test_...", "data": "/tmp/shopdata-...", ...}

and keeps running until its standard input closes or it gets SIGTERM or
SIGINT, then stops everything it started and removes its directories
(kept with SHOP_KEEP=1). The process that reads the line owns it: when
that process dies, the pipe closes and the shop goes away with it.
"""

import json
import os
import select
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from gateway import Gateway  # noqa: E402
from shoptest import Client, Lighttpd, datadir, free_port  # noqa: E402
from workertest import Worker  # noqa: E402

# An asynchronous payment (card 4000 0000 0000 2503) settles this long
# after the hosted page: time for a test to see the order page wait first.
ASYNC_DELAY_MS = "2500"

# Live streams end sooner than in production so a test never waits on a
# stream slot; the worker relays the outbox every 50 ms.
SHOP_ENV = {
    "SHOP_INSECURE_FAST_PWHASH": "1",
    "SHOP_LIVE_STREAMS": "16",
    "SHOP_LIVE_HEARTBEAT_SECONDS": "2",
    "SHOP_LIVE_MAX_SECONDS": "60",
    "SHOP_LIVE_POLL_MS": "50",
    "SHOP_MAIL_FROM": "shop@example.test",
}


def wait_ready(port, path, timeout=20):
    """Until the FastCGI program behind path answers 200."""
    end = time.monotonic() + timeout
    while True:
        r = Client(port).get(path)
        if r.status == 200:
            return
        if time.monotonic() > end:
            raise AssertionError(f"{path}: {r.status} after {timeout}s")
        time.sleep(0.05)


def cleanup():
    for fn in reversed(shoptest._cleanup):
        try:
            fn()
        except Exception as e:  # stop the rest all the same
            print(f"env: cleanup: {e}", file=sys.stderr)
    shoptest._cleanup.clear()


def main():
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        # SHOP_SEED_GALLERY=1: the demo store with its galleries' pictures.
        data = datadir(seed="gallery" if os.environ.get(
            "SHOP_SEED_GALLERY") == "1" else True)
        shop_port = free_port()
        shop_url = f"http://127.0.0.1:{shop_port}"
        gw = Gateway(webhook_url=shop_url + "/webhooks/stripe",
                     env={"GATEWAY_ASYNC_DELAY_MS": ASYNC_DELAY_MS}).start()
        env = dict(SHOP_ENV)
        env.update(gw.shop_env())
        shop = Lighttpd(data, port=shop_port, env=env).start()
        # The worker writes the links of reset and sign-up mails.
        worker = Worker(data, SHOP_WORKER_POLL_MS="50",
                        SHOP_BASE_URL=shop_url, **env)
        wait_ready(shop_port, "/")
        print(json.dumps({
            "shop": shop_url,
            "gateway": gw.base_url,
            "gateway_key": gw.secret_key,
            "data": data,
            "shop_logs": shop.run_dir,
            "gateway_logs": gw.run_dir,
            "worker_log": worker.log_path,
        }), flush=True)
        while not stopping:
            r, _, _ = select.select([sys.stdin], [], [], 0.5)
            if r and not os.read(sys.stdin.fileno(), 4096):
                break
            if worker.proc.poll() is not None:
                print(f"env: shop-worker exited {worker.proc.returncode}",
                      file=sys.stderr)
                return 1
        return 0
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
