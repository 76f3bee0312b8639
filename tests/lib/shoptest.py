"""Shopfile test harness: run the real programs as CGI, start real lighttpd
on a free loopback port, make data directories, and count results.

A test file registers functions with @test and ends with run(). Each file
prints one line per test and a last line "N passed, N failed", which
tests/run.sh adds up. Standard library only.

Environment:
  SHOP_BUILD   build directory whose programs are tested (default
               build/test/: the programs linked with tests/seams/)
  SHOP_WRAP    command prefixed to every CGI run (valgrind for the memcheck
               pass); a wrapper's error exit status fails the test
  SHOP_KEEP    keep temporary directories for inspection
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SHOP_BUILD",
                                       os.path.join(ROOT, "build", "test")))
WRAP = os.environ.get("SHOP_WRAP", "").split()
WRAP_ERROR = 99          # valgrind --error-exitcode in tests/run.sh
TEMPLATES = os.path.join(ROOT, "templates")

_tests = []
_cleanup = []


class Skip(Exception):
    """Raised by a test that cannot run on this machine (a mount refused,
    say): printed with its reason, counted as neither passed nor failed."""


def test(fn):
    """Register a test function."""
    _tests.append(fn)
    return fn


def run():
    """Run the registered tests (or those named on the command line)."""
    only = set(sys.argv[1:])
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    passed = failed = skipped = 0
    for fn in _tests:
        if only and fn.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Skip as why:
            skipped += 1
            print(f"skip {name}:{fn.__name__} ({why})")
        except Exception:
            failed += 1
            print(f"FAIL {name}:{fn.__name__}")
            for line in traceback.format_exc().rstrip().splitlines():
                print("     " + line)
        else:
            passed += 1
            print(f"ok   {name}:{fn.__name__} ({time.monotonic() - t0:.2f}s)")
        sys.stdout.flush()
    # The long-lived processes' wrapper (valgrind) speaks at their end.
    for why in fcgi_stop_all():
        failed += 1
        print(f"FAIL {name}:memcheck")
        for line in why.splitlines():
            print("     " + line)
    for fn in reversed(_cleanup):
        try:
            fn()
        except Exception:
            traceback.print_exc()
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    # A file that ran nothing fails, unless it said why it could not.
    sys.exit(1 if failed or passed + skipped == 0 else 0)


def at_exit(fn):
    _cleanup.append(fn)


def mount(*args, target=None):
    """Run mount(8) with args on target (a new empty directory when not
    given), unmounted when the file's tests end; Skip when mounting is
    refused (not root, no privilege in this container)."""
    if target is None:
        target = tempfile.mkdtemp(prefix="shopmnt-")
        at_exit(lambda: os.rmdir(target))
    if os.geteuid() != 0:
        raise Skip("mounting needs root")
    p = subprocess.run(["mount", *args, target], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise Skip(f"mount {' '.join(args)} refused: {p.stderr.strip()}")
    at_exit(lambda: subprocess.run(["umount", "-l", target],
                                   capture_output=True))
    return target


def tempdir(prefix="shoptest-"):
    d = tempfile.mkdtemp(prefix=prefix)
    if not os.environ.get("SHOP_KEEP"):
        at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


# ---------------------------------------------------------------- results

class Response:
    def __init__(self, status, headers, body, stderr=""):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body
        self.stderr = stderr

    @property
    def text(self):
        return self.body.decode("utf-8")

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}" if what
                             else f"got {got!r}, want {want!r}")


def contains(haystack, needle, what=""):
    if needle not in haystack:
        h = haystack if len(haystack) < 600 else haystack[:600] + "..."
        raise AssertionError(f"{what}: {needle!r} not in {h!r}")


def lacks(haystack, needle, what=""):
    if needle in haystack:
        i = haystack.index(needle)
        raise AssertionError(f"{what}: {needle!r} found in "
                             f"...{haystack[max(0, i - 100):i + 100]!r}...")


def status(resp, want):
    if resp.status != want:
        raise AssertionError(f"status {resp.status}, want {want}: "
                             f"{resp.body[:400]!r} {resp.stderr[-2000:]}")


# ------------------------------------------------------------ programs

def shopctl(*args, data_dir=None, env=None, check=True, input=None, timeout=300):
    """Run build/bin/shopctl; returns CompletedProcess (text)."""
    e = dict(os.environ)
    if data_dir:
        e["SHOP_DATA_DIR"] = data_dir
    e.setdefault("SHOP_TEMPLATE_DIR", TEMPLATES)
    e.update(env or {})
    p = subprocess.run([os.path.join(BUILD, "bin", "shopctl"), *args],
                       env=e, capture_output=True, text=True, input=input,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"shopctl {' '.join(args)}: exit {p.returncode}\n"
                             f"{p.stdout}\n{p.stderr}")
    return p


def worker_once(data_dir, env=None, timeout=120):
    """Run build/bin/shop-worker -1 on a data directory: relay the outbox
    and run every job that is due (mail among them), then return."""
    e = dict(os.environ)
    e.update({"SHOP_DATA_DIR": data_dir, "SHOP_TEMPLATE_DIR": TEMPLATES,
              "SHOP_WORKER_POLL_MS": "20"})
    e.pop("SMTP_URL", None)
    e.update(env or {})
    p = subprocess.run([os.path.join(BUILD, "bin", "shop-worker"), "-1"],
                       env=e, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"shop-worker -1: exit {p.returncode}\n"
                             f"{p.stderr[-3000:]}")
    return p


_template_dirs = {}


def datadir(seed=False):
    """A fresh data directory, migrated, and seeded with the demo store
    when seed is true: without the pictures of its products' galleries
    (shopctl seed --no-gallery, seconds quicker), or with them when seed
    is "gallery". The first one of each kind is built with shopctl;
    later ones are copies of it."""
    key = "gallery" if seed == "gallery" else "seeded" if seed else "empty"
    if key not in _template_dirs:
        d = tempdir("shopdata-tmpl-")
        shopctl("migrate", data_dir=d)
        if seed == "gallery":
            shopctl("seed", data_dir=d)
        elif seed:
            shopctl("seed", "--no-gallery", data_dir=d)
        _template_dirs[key] = d
    d = tempdir("shopdata-")
    src = _template_dirs[key]
    for name in os.listdir(src):
        s = os.path.join(src, name)
        if os.path.isdir(s):
            shutil.copytree(s, os.path.join(d, name))
        elif not name.endswith(("-wal", "-shm", ".lock", ".ckpt")):
            shutil.copy2(s, os.path.join(d, name))
    return d


def sql(data_dir, query, params=(), db="shop.db"):
    """Run one query with Python's sqlite3 against a data directory."""
    import sqlite3
    con = sqlite3.connect(os.path.join(data_dir, db), timeout=10)
    try:
        cur = con.execute(query, params)
        rows = cur.fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def cgi(prog, path="/", method="GET", query="", body=b"", headers=None,
        env=None, data_dir=None, timeout=60, content_type=None):
    """Run build/cgi-bin/PROG once as CGI (RFC 3875) and parse its answer."""
    if isinstance(body, str):
        body = body.encode()
    e = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": method,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "HTTP_HOST": "127.0.0.1:8080",
        "SHOP_TEMPLATE_DIR": TEMPLATES,
        "SHOP_BASE_URL": "http://127.0.0.1:8080",
    }
    if data_dir:
        e["SHOP_DATA_DIR"] = data_dir
    if body or method in ("POST", "PUT", "PATCH"):
        e["CONTENT_LENGTH"] = str(len(body))
        e["CONTENT_TYPE"] = content_type or "application/x-www-form-urlencoded"
    for k, v in (headers or {}).items():
        if k.lower() == "content-type":
            e["CONTENT_TYPE"] = v
        elif k.lower() == "content-length":
            e["CONTENT_LENGTH"] = v
        else:
            e["HTTP_" + k.upper().replace("-", "_")] = v
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    if FCGI and prog not in FCGI_NEVER:
        out, stderr = _fcgi(prog, e, body, timeout)
        return parse_cgi(out, stderr)
    cmd = WRAP + [os.path.join(BUILD, "cgi-bin", prog)]
    p = subprocess.run(cmd, input=body, env=e, capture_output=True,
                       timeout=timeout)
    stderr = p.stderr.decode("utf-8", "replace")
    if WRAP and p.returncode == WRAP_ERROR:
        raise AssertionError(f"{WRAP[0]} found errors in {prog} {method} "
                             f"{path}:\n{stderr[-6000:]}")
    if p.returncode != 0:
        raise AssertionError(f"{prog} exited {p.returncode}: {stderr[-3000:]}")
    return parse_cgi(p.stdout, stderr)


# ------------------------------------------------------- FastCGI servers
#
# With SHOP_FCGI=1 (the memcheck suite) cgi() does not start the program
# once per request: it sends the request over FastCGI to a long-lived
# process of it, started under SHOP_WRAP once per program and process
# environment, and stopped (and its wrapper's verdict read) when the test
# file ends. Valgrind's start-up is then paid once, not per request, and
# what it checks is a process that served many requests.

FCGI = os.environ.get("SHOP_FCGI") == "1"
# Request variables; everything else is the process's environment.
FCGI_PARAMS = ("GATEWAY_INTERFACE", "SERVER_", "REMOTE_", "REQUEST_",
               "QUERY_STRING", "SCRIPT_NAME", "PATH_INFO", "CONTENT_",
               "HTTP_", "HTTPS")
# Programs that hold streams open with threads: always run as CGI.
FCGI_NEVER = ("live",)


def _fcgi_record(rtype, content, req_id=1):
    import struct
    pad = -len(content) % 8
    return struct.pack(">BBHHBx", 1, rtype, req_id, len(content), pad) + \
        content + b"\0" * pad


def _fcgi_pairs(params):
    import struct
    out = b""
    for k, v in params.items():
        k, v = k.encode(), v.encode()
        for n in (len(k), len(v)):
            out += bytes([n]) if n < 128 else struct.pack(">I", n | 1 << 31)
        out += k + v
    return out


class FcgiServer:
    """One program as a FastCGI process on a Unix socket (RFC-less but
    per the FastCGI 1.0 specification: BEGIN_REQUEST, PARAMS, STDIN;
    STDOUT, STDERR, END_REQUEST)."""

    def __init__(self, prog, env):
        d = tempdir("shopfcgi-")
        self.prog = prog
        self.path = os.path.join(d, "sock")
        self.log_path = os.path.join(d, "stderr.log")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(16)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            WRAP + [os.path.join(BUILD, "cgi-bin", prog)], stdin=listener,
            stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        listener.close()
        self.offset = 0

    def request(self, params, body, timeout):
        import struct
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.path)
        msg = _fcgi_record(1, struct.pack(">HB5x", 1, 0))
        pairs = _fcgi_pairs(params)
        for i in range(0, len(pairs), 65535):
            msg += _fcgi_record(4, pairs[i:i + 65535])
        msg += _fcgi_record(4, b"")
        for i in range(0, len(body), 65535):
            msg += _fcgi_record(5, body[i:i + 65535])
        msg += _fcgi_record(5, b"")
        s.sendall(msg)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        out, pos, ended = b"", 0, False
        while pos + 8 <= len(data):
            _, rtype, _, n, pad = struct.unpack(">BBHHB", data[pos:pos + 7])
            content = data[pos + 8:pos + 8 + n]
            pos += 8 + n + pad
            if rtype == 6:
                out += content
            elif rtype == 3:
                ended = True
        if not ended:
            raise AssertionError(f"{self.prog}: the FastCGI process ended "
                                 f"the request without END_REQUEST "
                                 f"(exit {self.proc.poll()}):\n"
                                 f"{self.stderr()[-3000:]}")
        return out, self.stderr()

    def stderr(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            text = f.read()
        self.offset += len(text)
        return text.decode("utf-8", "replace")

    def stop(self):
        """SIGTERM, then the wrapper's verdict: None if clean, else why."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        self.offset = 0
        if rc == 0:
            return None
        return (f"{self.prog} (FastCGI, {' '.join(WRAP[:1]) or 'bare'}) "
                f"exited {rc}:\n{self.stderr()[-6000:]}")


_fcgi_servers = {}


def _fcgi(prog, e, body, timeout):
    params = {k: v for k, v in e.items() if k.startswith(FCGI_PARAMS)}
    penv = {k: v for k, v in e.items() if not k.startswith(FCGI_PARAMS)}
    key = (BUILD, prog, tuple(sorted(penv.items())))
    srv = _fcgi_servers.get(key)
    if srv is None or srv.proc.poll() is not None:
        srv = _fcgi_servers[key] = FcgiServer(prog, penv)
    end = time.monotonic() + 30
    while True:
        try:
            return srv.request(params, body, timeout)
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > end or srv.proc.poll() is not None:
                raise
            time.sleep(0.02)


def fcgi_stop_all():
    """Stop every FastCGI server; the list of their wrappers' findings."""
    found = []
    for srv in _fcgi_servers.values():
        why = srv.stop()
        if why:
            found.append(why)
    _fcgi_servers.clear()
    return found


def parse_cgi(out, stderr=""):
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError(f"no header block in CGI output: {out[:300]!r}")
    headers = []
    st = 200
    for line in head.split(b"\r\n"):
        k, _, v = line.decode("latin-1").partition(":")
        v = v.strip()
        if k.lower() == "status":
            st = int(v.split()[0])
        else:
            headers.append((k, v))
    return Response(st, headers, body, stderr)


def form(**fields):
    return urllib.parse.urlencode(fields)


# ------------------------------------------------------------ servers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


_limits = None


def limits():
    """The input limits the server configurations enforce, by name, from
    lib/core/limits.h (scripts/limits.sh, as make fills them in)."""
    global _limits
    if _limits is None:
        out = subprocess.run([os.path.join(ROOT, "scripts", "limits.sh")],
                             capture_output=True, text=True, check=True)
        _limits = dict(line.split("=", 1) for line in out.stdout.split())
    return _limits


def fill(template_path, out_path, values):
    """Fill a configuration template's @NAME@ values, as make does: the
    static files, templates and programs of ROOT and BUILD and the
    environment file beside the databases of DATA unless named, and the
    input limits."""
    with open(template_path) as f:
        text = f.read()
    values = dict(values)
    if "ROOT" in values:
        values.setdefault("STATIC", os.path.join(values["ROOT"], "static"))
        values.setdefault("TEMPLATES",
                          os.path.join(values["ROOT"], "templates"))
    if "BUILD" in values:
        values.setdefault("CGIBIN", os.path.join(values["BUILD"], "cgi-bin"))
        values.setdefault("SBIN", os.path.join(values["BUILD"], "bin"))
        values.setdefault("ERRORS", os.path.join(values["BUILD"], "errors"))
    if "DATA" in values:
        values.setdefault("ETC", values["DATA"])
    values.update(limits())
    for k, v in values.items():
        text = text.replace("@" + k + "@", str(v))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise AssertionError(f"{template_path}: unfilled {sorted(set(left))}")
    with open(out_path, "w") as f:
        f.write(text)


def processes():
    """(pid, parent pid, name) of every process, from /proc."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rindex(")") + 2:].split()
        out.append((int(d), int(rest[1]), st[st.index("(") + 1:st.rindex(")")]))
    return out


ACCEPT_SYSCALL = "43"           # x86_64 accept(2)


def serving(pid):
    """Whether a FastCGI program is serving a request: it is anywhere but
    in accept(2), waiting for the next one."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            return f.read().split()[0] != ACCEPT_SYSCALL
    except (OSError, IndexError):
        return False


class Client:
    """HTTP/1.1 client with a cookie jar, like a browser or curl -b/-c."""

    def __init__(self, port, host="127.0.0.1"):
        self.port = port
        self.host = host
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, timeout=30):
        h = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if isinstance(body, str):
            body = body.encode()
        h.update(headers or {})
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            resp = Response(r.status, r.getheaders(), data)
        finally:
            c.close()
        for v in resp.header_all("Set-Cookie"):
            pair = v.split(";", 1)[0]
            k, _, val = pair.partition("=")
            if "Max-Age=0" in v:
                self.cookies.pop(k.strip(), None)
            else:
                self.cookies[k.strip()] = val.strip()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)


class Lighttpd:
    """lighttpd on a free loopback port serving the FastCGI programs of a
    build directory against a data directory."""

    def __init__(self, data_dir, build=None, env=None, port=None,
                 conf="lighttpd.conf.in", base_url=None):
        self.data_dir = data_dir
        self.build = os.path.abspath(build or BUILD)
        self.port = port or free_port()
        # Servers standing in for one shop share its public URL.
        self.base_url = base_url or f"http://127.0.0.1:{self.port}"
        self.run_dir = tempdir("shoprun-")
        self.conf = os.path.join(self.run_dir, "lighttpd.conf")
        self.env = dict(os.environ)
        self.env.update(env or {})
        fill(os.path.join(ROOT, "httpd-conf", conf), self.conf, {
            "ROOT": ROOT, "BUILD": self.build, "PORT": self.port,
            "DATA": data_dir, "RUN": self.run_dir,
            "BASE_URL": self.base_url,
        })
        self.proc = None

    def start(self):
        # Appended to: a server restarted keeps what it said before.
        self.log = open(os.path.join(self.run_dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(["lighttpd", "-D", "-f", self.conf],
                                     env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        at_exit(self.stop)
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self, graceful=False):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT if graceful else signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def children(self):
        """(pid, name) of the FastCGI programs this lighttpd spawned."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [(pid, name) for pid, ppid, name in processes()
                if ppid == self.proc.pid]

    def error_log(self):
        try:
            with open(os.path.join(self.run_dir, "error.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def client(self):
        return Client(self.port)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Apache:
    """Apache 2.4 with mod_proxy_fcgi on a free loopback port, from
    httpd-conf/apache.conf.in, serving the programs of a build directory
    against a data directory, kept running by bin/shop-fcgi (started
    before Apache and stopped after it), as a deployment runs them.

    The FastCGI programs must not run as root, and Apache will not serve
    as root: run as root (CI), the server runs as www-data from a copy of
    what it serves (programs, templates, static files) in a directory
    www-data can read, with the data directory handed to www-data, as a
    real installation would be (make install)."""

    def __init__(self, data_dir, build=None, env=None, port=None):
        import pwd
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base = tempdir("shopapache-")
        os.chmod(self.base, 0o755)
        self.run_dir = os.path.join(self.base, "run")
        os.makedirs(os.path.join(self.run_dir, "fcgi"))
        root = os.path.join(self.base, "root")
        shutil.copytree(os.path.join(ROOT, "templates"),
                        os.path.join(root, "templates"))
        shutil.copytree(os.path.join(ROOT, "static"),
                        os.path.join(root, "static"))
        for sub in ("cgi-bin", "errors"):
            shutil.copytree(os.path.join(os.path.abspath(build or BUILD),
                                         sub),
                            os.path.join(root, "build", sub))
        os.makedirs(os.path.join(root, "build", "bin"))
        shutil.copy2(os.path.join(os.path.abspath(build or BUILD), "bin",
                                  "shop-fcgi"),
                     os.path.join(root, "build", "bin", "shop-fcgi"))
        self.root = root
        self.conf = os.path.join(self.run_dir, "apache.conf")
        fill(os.path.join(ROOT, "httpd-conf", "apache.conf.in"), self.conf, {
            "ROOT": root, "BUILD": os.path.join(root, "build"),
            "PORT": self.port, "DATA": data_dir, "RUN": self.run_dir,
            "BASE_URL": f"http://127.0.0.1:{self.port}",
        })
        self.env = {"PATH": "/usr/sbin:/usr/bin:/bin",
                    "APACHE_RUN_DIR": self.run_dir}
        self.fcgi_env = {"PATH": "/usr/sbin:/usr/bin:/bin",
                         "SHOP_DATA_DIR": data_dir,
                         "SHOP_TEMPLATE_DIR": os.path.join(root,
                                                           "templates"),
                         "SHOP_BASE_URL": f"http://127.0.0.1:{self.port}",
                         "SHOP_ENV_FILE": os.path.join(data_dir,
                                                       "shop.env")}
        self.fcgi = None
        # The programs' settings, as a deployment would write them.
        with open(os.path.join(data_dir, "shop.env"), "w") as f:
            for k, v in (env or {}).items():
                f.write(f"{k}={v}\n")
        os.chmod(os.path.join(data_dir, "shop.env"), 0o600)
        self.prefix = []
        if os.geteuid() == 0:
            u = pwd.getpwnam("www-data")
            for d in (self.base, data_dir):
                for top, dirs, files in os.walk(d):
                    os.chown(top, u.pw_uid, u.pw_gid)
                    for f in files:
                        os.chown(os.path.join(top, f), u.pw_uid, u.pw_gid)
            self.prefix = ["setpriv", "--reuid", "www-data", "--regid",
                           "www-data", "--clear-groups"]
        self.proc = None

    def start(self):
        self.fcgi_log = open(os.path.join(self.run_dir, "fcgi.log"), "ab")
        sockets = os.path.join(self.run_dir, "fcgi")
        self.fcgi = subprocess.Popen(
            self.prefix + [os.path.join(self.root, "build", "bin",
                                        "shop-fcgi"), sockets,
                           os.path.join(self.root, "build", "cgi-bin")],
            env=self.fcgi_env, stdout=self.fcgi_log,
            stderr=subprocess.STDOUT)
        at_exit(self.stop)
        end = time.monotonic() + 20
        while not os.path.exists(os.path.join(sockets, "live.sock")):
            if self.fcgi.poll() is not None or time.monotonic() > end:
                raise AssertionError(f"shop-fcgi did not start: "
                                     f"{self.error_log()[-2000:]}")
            time.sleep(0.02)
        self.log = open(os.path.join(self.run_dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen(
            self.prefix + ["apache2", "-f", self.conf, "-DFOREGROUND"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self):
        for proc in (self.proc, self.fcgi):
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in ("log", "fcgi_log"):
            if hasattr(self, f):
                getattr(self, f).close()

    def error_log(self):
        """Apache's error log, then what shop-fcgi and the programs
        said."""
        out = ""
        for name in ("error.log", "fcgi.log"):
            try:
                with open(os.path.join(self.run_dir, name), "rb") as f:
                    out += f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                pass
        return out

    def client(self):
        return Client(self.port)
