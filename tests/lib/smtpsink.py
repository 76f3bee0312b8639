"""A test SMTP server on loopback (RFC 5321 subset): EHLO/HELO, AUTH PLAIN
and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT. It
keeps every message it accepts, so a test can check what a program sent.
Standard library only; one thread per connection.

    sink = SmtpSink(user="shop", password="secret").start()
    ... SMTP_URL=f"smtp://shop:secret@127.0.0.1:{sink.port}/?starttls=no"
    sink.wait(1)
    msg = sink.messages[0]      # .mail_from, .rcpt, .data (bytes), .auth
"""

import base64
import socketserver
import threading
import time


class Message:
    def __init__(self, mail_from, rcpt, data, auth):
        self.mail_from = mail_from
        self.rcpt = rcpt
        self.data = data
        self.auth = auth


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def check_auth(self, user, password):
        sink = self.server.sink
        ok = user == sink.user and password == sink.password
        if ok:
            self.authed = user
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication credentials invalid")

    def handle(self):
        sink = self.server.sink
        self.authed = None
        mail_from, rcpt = None, []
        self.send("220 sink.test ESMTP test sink")
        try:
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb == "EHLO":
                    self.send("250-sink.test")
                    if sink.user is not None:
                        self.send("250-AUTH PLAIN LOGIN")
                    self.send("250 SIZE 10485760")
                elif verb == "HELO":
                    self.send("250 sink.test")
                elif verb == "AUTH":
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ""
                    if mech == "PLAIN":
                        if len(parts) > 1:
                            blob = parts[1]
                        else:
                            self.send("334 ")
                            blob = self.readline()
                        try:
                            _, user, password = base64.b64decode(
                                blob).decode().split("\0")
                        except Exception:
                            self.send("501 5.5.2 bad AUTH PLAIN")
                            continue
                        self.check_auth(user, password)
                    elif mech == "LOGIN":
                        self.send("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.readline()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        password = base64.b64decode(self.readline()).decode()
                        self.check_auth(user, password)
                    else:
                        self.send("504 5.5.4 mechanism not supported")
                elif verb == "MAIL":
                    if sink.user is not None and self.authed is None:
                        self.send("530 5.7.0 Authentication required")
                        continue
                    mail_from = arg.split(":", 1)[1].strip().split()[0]
                    rcpt = []
                    self.send("250 2.1.0 OK")
                elif verb == "RCPT":
                    addr = arg.split(":", 1)[1].strip()
                    if addr.strip("<>") in sink.reject:
                        self.send("550 5.1.1 No such user here")
                        continue
                    rcpt.append(addr)
                    self.send("250 2.1.5 OK")
                elif verb == "DATA":
                    if mail_from is None or not rcpt:
                        self.send("503 5.5.1 need MAIL and RCPT first")
                        continue
                    self.send("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while True:
                        raw = self.rfile.readline(1 << 20)
                        if not raw:
                            raise EOFError
                        if raw in (b".\r\n", b".\n"):
                            break
                        if raw.startswith(b"."):
                            raw = raw[1:]
                        data.append(raw)
                    with sink.lock:
                        sink.messages.append(Message(
                            mail_from, rcpt, b"".join(data), self.authed))
                    self.send("250 2.0.0 OK queued")
                    mail_from, rcpt = None, []
                elif verb == "RSET":
                    mail_from, rcpt = None, []
                    self.send("250 2.0.0 OK")
                elif verb == "NOOP":
                    self.send("250 2.0.0 OK")
                elif verb == "QUIT":
                    self.send("221 2.0.0 Bye")
                    return
                else:
                    self.send("502 5.5.2 Command not recognized")
        except (EOFError, ConnectionError, TimeoutError):
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self, user=None, password=None, reject=()):
        self.user = user
        self.password = password
        self.reject = set(reject)
        self.messages = []
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait(self, n, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.messages) >= n:
                    return self.messages[:]
            time.sleep(0.05)
        raise AssertionError(f"SMTP sink: {len(self.messages)} messages "
                             f"after {timeout}s, want {n}")
