#!/usr/bin/python3
"""Hostile-client checks of prefect-filter-http (run by test/http/run.sh; /usr/bin/python3, stdlib + psycopg2).

Each check prints "ok   name" or "FAIL name detail"; the last line is "N passed, M failed"; exit status 1
on any failure. Every request is written on raw sockets and every answer parsed by its own framing
(Content-Length / chunked / HEAD), so an extra, missing or shifted answer is seen.

  attacks.py direct --url http://127.0.0.1:P --pid PID --server PATH [--dsn DSN]
      against a server started with --request-timeout-s 2 --keep-alive-timeout-s 1
      --shutdown-timeout-s 3 --max-body-bytes 1048576 (and the default --max-header-bytes 32768):
      header/target/field limits, malformed request lines and framing, body limits, Expect,
      request and keep-alive timeouts, bodies on every method (smuggling), pipelining,
      Connection handling, slowloris, a second instance on the same port, a --db with a
      password, and SIGTERM last (the server is gone afterwards).
  attacks.py nginx --url http://127.0.0.1:NGINXPORT [--dsn DSN]
      through nginx configured with doc/http.md's snippet: smuggling attempts racing 8 clients
      that verify every answer is their own, slow clients, answers still right afterwards.
"""
import argparse
import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

from verdicts import check, finish  # test/http/verdicts.py: the one way to report


PHRASE = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
          413: "Request Entity Too Large", 414: "Request-URI Too Long", 431: "Request Header Fields Too Large"}


class Recorder:
    """Collects the checks of a function run in a thread; flush() prints them in order."""

    def __init__(self):
        self.items = []

    def check(self, name, ok, detail=""):
        self.items.append((name, ok, detail))

    def flush(self):
        for item in self.items:
            check(*item)


# ---------------------------------------------------------------------------------------- raw HTTP


class Closed(Exception):
    pass


class Resp:
    def __init__(self, version, status, reason, headers, body):
        self.version, self.status, self.reason, self.headers, self.body = version, status, reason, headers, body
        self.h = {k.lower(): v for k, v in headers}

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def conn_close(self):
        return "close" in [t.strip().lower() for t in self.h.get("connection", "").split(",")]

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.h} {self.body[:120]!r}>"


class Conn:
    """One client socket; read_response() parses exactly one answer and keeps what follows."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False

    def send(self, data, timeout=5.0):
        self.s.settimeout(timeout)
        self.s.sendall(data)

    def try_send(self, data, timeout=5.0):
        try:
            self.send(data, timeout)
            return True
        except OSError:
            return False

    def send_bg(self, data, timeout=10.0):
        """Sends in a thread (the server may answer and close before it has read everything)."""
        t = threading.Thread(target=self.try_send, args=(data, timeout), daemon=True)
        t.start()
        return t

    def _recv(self, deadline):
        if self.eof:
            return False
        rem = deadline - time.monotonic()
        if rem <= 0:
            raise TimeoutError("timed out")
        self.s.settimeout(rem)
        try:
            chunk = self.s.recv(262144)
        except socket.timeout:
            raise TimeoutError("timed out") from None
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            self.reset = True
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _until(self, sep, deadline, limit=1 << 20):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(sep):]
                return out
            if len(self.buf) > limit:
                raise ValueError(f"no {sep!r} in {len(self.buf)} bytes")
            if not self._recv(deadline):
                raise Closed(f"closed{' (reset)' if self.reset else ''} after {len(self.buf)} bytes {self.buf[:80]!r}")

    def _n(self, n, deadline):
        while len(self.buf) < n:
            if not self._recv(deadline):
                raise Closed(f"closed in a body: {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head=False, timeout=5.0):
        deadline = time.monotonic() + timeout
        raw = self._until(b"\r\n\r\n", deadline)
        lines = raw.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ValueError(f"bad status line {lines[0][:100]!r}")
        status = int(parts[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        h = {k.lower(): v for k, v in headers}
        if head or 100 <= status < 200 or status in (204, 304):
            body = b""
        elif h.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._until(b"\r\n", deadline).split(b";")[0], 16)
                if size == 0:
                    while self._until(b"\r\n", deadline):
                        pass
                    break
                body += self._n(size, deadline)
                self._n(2, deadline)
        elif "content-length" in h:
            body = self._n(int(h["content-length"]), deadline)
        else:
            while self._recv(deadline):
                pass
            body, self.buf = self.buf, b""
        return Resp(parts[0], status, parts[2] if len(parts) > 2 else "", headers, body)

    def wait_closed(self, timeout):
        """(closed within timeout, bytes received and not consumed)."""
        deadline = time.monotonic() + timeout
        try:
            while self._recv(deadline):
                pass
        except TimeoutError:
            return False, self.buf
        return True, self.buf

    def quiet(self, timeout):
        """True when nothing more arrives within timeout (the socket may stay open)."""
        if self.buf:
            return False
        try:
            self._recv(time.monotonic() + timeout)
        except TimeoutError:
            return True
        return not self.buf

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def req(method, path, body=None, headers=(), version="HTTP/1.1", length=True):
    """Bytes of one request; body bytes get a Content-Length unless length is False."""
    lines = [f"{method} {path} {version}", "Host: t"] + list(headers)
    if body is not None and length:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + (body or b"")


def post(endpoint, body, extra=()):
    return req("POST", "/api/deployments/" + endpoint, body.encode(), ["Content-Type: application/json"] + list(extra))


def chunked(body, size=7):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n\r\n"


# ---------------------------------------------------------------------------------------- expected answers


class Expect:
    """The right answers of the normal requests (from the SQL functions when --dsn is given)."""

    def __init__(self, port, dsn):
        self.port = port
        self.count = self._sql(dsn, "count", "{}") if dsn else None
        self.filter1 = self._sql(dsn, "filter", '{"limit": 1}') if dsn else None
        self.filter2 = self._sql(dsn, "filter", '{"limit": 2}') if dsn else None
        if self.count is None:
            self.count = self.fetch(post("count", "{}")).body
            self.filter1 = self.fetch(post("filter", '{"limit": 1}')).body
            self.filter2 = self.fetch(post("filter", '{"limit": 2}')).body

    @staticmethod
    def _sql(dsn, endpoint, body):
        import psycopg2
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute(f"SELECT prefect.deployments_{endpoint}(%s::jsonb)::text", (body,))
            return cur.fetchone()[0].encode("utf-8")

    def fetch(self, data, head=False):
        c = Conn(self.port)
        try:
            c.send(data)
            return c.read_response(head=head)
        finally:
            c.close()


HEALTH = req("GET", "/api/health")


def is_health(r):
    return r.status == 200 and r.body == b"true"


# ---------------------------------------------------------------------------------------- error answers


def expect_error_close(rec, name, c, status, timeout=3.0, t0=None, min_s=None, max_s=None, statuses=None):
    """Reads one answer: status (or one of statuses), {"detail": phrase}, Connection: close, then the
    socket closes (within 2 s) with nothing after the answer."""
    try:
        r = c.read_response(timeout=timeout)
    except Exception as e:  # noqa: BLE001 - any failure to get an answer is the finding
        rec.check(name, False, f"no answer: {e!r}")
        return None
    elapsed = time.monotonic() - t0 if t0 is not None else None
    problems = []
    ok_statuses = statuses or (status,)
    if r.status not in ok_statuses:
        problems.append(f"status {r.status}, want {'/'.join(map(str, ok_statuses))}")
    elif r.json() != {"detail": PHRASE[r.status]}:
        problems.append(f"body {r.body[:200]!r}")
    if not r.conn_close():
        problems.append(f"no Connection: close ({r.h.get('connection')!r})")
    closed, extra = c.wait_closed(2.0)
    if not closed:
        problems.append("socket still open 2 s after the answer")
    if extra:
        problems.append(f"bytes after the answer: {extra[:100]!r}")
    if elapsed is not None:
        if min_s is not None and elapsed < min_s:
            problems.append(f"answered after {elapsed:.2f}s < {min_s}s")
        if max_s is not None and elapsed >= max_s:
            problems.append(f"answered after {elapsed:.2f}s >= {max_s}s")
    label = f"{name} ({elapsed:.2f}s)" if elapsed is not None and (min_s or max_s) else name
    rec.check(label, not problems, "; ".join(problems) + f" {r!r}")
    return r


def send_expect_error(rec, name, port, data, status, bg=False, timeout=3.0, max_s=None, statuses=None):
    c = Conn(port)
    try:
        t0 = time.monotonic()
        if bg:
            c.send_bg(data)
        else:
            c.try_send(data)
        expect_error_close(rec, name, c, status, timeout=timeout, t0=t0, max_s=max_s, statuses=statuses)
    finally:
        c.close()


def exchange(port, data, heads=(), n=1, timeout=3.0):
    """Sends data on a fresh connection, reads n answers; returns (answers, conn)."""
    c = Conn(port)
    c.send(data)
    out = []
    for i in range(n):
        out.append(c.read_response(head=i in heads, timeout=timeout))
    return out, c


# ---------------------------------------------------------------------------------------- direct: limits


def limits_checks(a, ex):
    p = a.port
    hb = a.max_header_bytes
    R = Recorder()
    # request line + headers over --max-header-bytes (each line well under 8 KiB, few fields)
    n = hb // 4000 + 2
    big = req("GET", "/api/health", headers=[f"X-Pad-{i}: " + "a" * 3990 for i in range(n)])
    send_expect_error(R, f"431 headers over --max-header-bytes ({len(big)} bytes in {n} lines of 4 KB)", p, big, 431, bg=True)
    under = req("GET", "/api/health", headers=[f"X-Pad-{i}: " + "a" * 3990 for i in range(hb // 4000 - 1)])
    try:
        (r,), c = exchange(p, under)
        R.check(f"headers of {len(under)} bytes (under --max-header-bytes) -> 200", is_health(r), repr(r))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check(f"headers of {len(under)} bytes (under --max-header-bytes) -> 200", False, repr(e))
    # number of fields
    send_expect_error(R, "431 more than 100 header fields (101)", p,
                      req("GET", "/api/health", headers=[f"X-F{i}: v" for i in range(100)]), 431)
    try:
        (r,), c = exchange(p, req("GET", "/api/health", headers=[f"X-F{i}: v" for i in range(99)]))
        R.check("100 header fields (Host + 99) -> 200", is_health(r), repr(r))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("100 header fields (Host + 99) -> 200", False, repr(e))
    # one line over 8 KiB; a line of 8000 bytes is fine
    send_expect_error(R, "400 one header line over 8192 bytes", p, req("GET", "/api/health", headers=["X-Big: " + "a" * 9000]), 400)
    try:
        (r,), c = exchange(p, req("GET", "/api/health", headers=["X-Big: " + "a" * 8000]))
        R.check("a header line of 8007 bytes -> 200", is_health(r), repr(r))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("a header line of 8007 bytes -> 200", False, repr(e))
    send_expect_error(R, "414 request target over 8192 bytes", p, req("GET", "/api/health?q=" + "a" * 9000), 414)
    # floods: must be cut off, not read for ever
    flood = b"GET /api/health HTTP/1.1\r\nHost: t\r\n" + b"X-a: b\r\n" * 200000 + b"\r\n"
    send_expect_error(R, "header flood: 200000 header lines -> 431 and closed", p, flood, 431, bg=True, max_s=5)
    endless = b"GET /api/health HTTP/1.1\r\nHost: t\r\nX-Long: " + b"a" * (4 << 20)
    send_expect_error(R, "one endless 4 MB header line -> 400/431 and closed", p, endless, 400, bg=True, max_s=5,
                      statuses=(400, 431))
    R.flush()


def malformed_checks(a, ex):
    p = a.port
    R = Recorder()
    cases = [
        ("HTTP/2 preface (PRI * HTTP/2.0)", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        ("TLS ClientHello bytes", bytes.fromhex("160301020001000200fc03") + os.urandom(64) + b"\r\n\r\n"),
        ("garbage line", b"hello there\r\n\r\n"),
        ("HTTP/1.2", b"GET /api/health HTTP/1.2\r\nHost: t\r\n\r\n"),
        ("HTTP/3.0", b"GET /api/health HTTP/3.0\r\nHost: t\r\n\r\n"),
        ("no HTTP version (0.9 style)", b"GET /api/health\r\n\r\n"),
        ("two spaces in the request line", b"GET  /api/health HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("header without a colon", b"GET /api/health HTTP/1.1\r\nHost: t\r\nX-Foo bar\r\n\r\n"),
        ("space before the colon", b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Length : 2\r\n\r\n{}"),
        ("NUL in a header value", b"GET /api/health HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n"),
    ]
    for what, data in cases:
        send_expect_error(R, f"400 malformed: {what}", p, data, 400, max_s=2)
    R.flush()


def framing_checks(a, ex):
    p = a.port
    R = Recorder()
    head = b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    cases = [
        ("Content-Length twice, equal", b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
        ("Content-Length twice, different", b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"),
        ("Content-Length: 0x2", b"Content-Length: 0x2\r\n\r\n{}"),
        ("Content-Length: -1", b"Content-Length: -1\r\n\r\n{}"),
        ("Content-Length: +2", b"Content-Length: +2\r\n\r\n{}"),
        ("Content-Length: (empty)", b"Content-Length: \r\n\r\n{}"),
        ("Content-Length: 1,1", b"Content-Length: 1,1\r\n\r\n{}"),
        ("Content-Length: 2 2", b"Content-Length: 2 2\r\n\r\n{}"),
        ("Content-Length: 99999999999999999999999", b"Content-Length: 99999999999999999999999\r\n\r\n{}"),
        ("Content-Length + Transfer-Encoding", b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding + Content-Length", b"Transfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding: gzip, chunked", b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding: chunked, chunked", b"Transfer-Encoding: chunked, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding: identity", b"Transfer-Encoding: identity\r\n\r\n{}"),
        ("Transfer-Encoding: xchunked", b"Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding twice", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ("chunk size not hex", b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        ("chunk size negative", b"Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n"),
        ("chunk data without its CRLF", b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"),
        ("chunk size overflowing 64 bits", b"Transfer-Encoding: chunked\r\n\r\n100000000000000000002\r\n{}\r\n0\r\n\r\n"),
    ]
    for what, tail in cases:
        send_expect_error(R, f"400 framing: {what}", p, head + tail, 400, max_s=1)
    # the accepted forms still work
    for what, data in (("Transfer-Encoding: Chunked (any case) is chunked",
                        head + b"Transfer-Encoding: Chunked\r\n\r\n" + chunked(b"{}")),
                       ("Content-Length: 2 with spaces around the value", head + b"Content-Length:   2  \r\n\r\n{}")):
        try:
            (r,), c = exchange(p, data)
            R.check(what, r.status == 200 and r.body == ex.count, repr(r))
            c.close()
        except Exception as e:  # noqa: BLE001
            R.check(what, False, repr(e))
    R.flush()


def body_limit_checks(a, ex):
    p = a.port
    mb = a.max_body_bytes
    R = Recorder()
    headers = b"POST /api/deployments/filter HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    # Content-Length over the limit: 413 before any body byte is sent
    send_expect_error(R, f"413 Content-Length {mb + 1} (no body sent): at once", p,
                      headers + b"Content-Length: %d\r\n\r\n" % (mb + 1), 413, max_s=1)
    send_expect_error(R, "413 Content-Length 2000000000 (no body sent): at once", p,
                      headers + b"Content-Length: 2000000000\r\n\r\n", 413, max_s=1)
    # Expect: 100-continue
    c = Conn(p)
    try:
        c.send(headers + b"Expect: 100-continue\r\nContent-Length: 12\r\n\r\n")
        try:
            r = c.read_response(timeout=2)
            ok100 = r.status == 100
        except Exception as e:  # noqa: BLE001
            r, ok100 = e, False
        R.check("Expect: 100-continue -> 100 Continue before the body", ok100, repr(r))
        if ok100:
            c.send(b'{"limit": 1}')
            r = c.read_response()
            R.check("Expect: 100-continue -> then the answer", r.status == 200 and r.body == ex.filter1, repr(r))
    except Exception as e:  # noqa: BLE001
        R.check("Expect: 100-continue", False, repr(e))
    finally:
        c.close()
    c = Conn(p)
    try:
        t0 = time.monotonic()
        c.send(headers + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (mb + 1))
        expect_error_close(R, "Expect: 100-continue over the limit -> 413 at once (no 100)", c, 413, t0=t0, max_s=1)
    finally:
        c.close()
    # a body of exactly --max-body-bytes is accepted
    body = b'{"limit": 1}' + b" " * (mb - 12)
    try:
        (r,), c = exchange(p, headers + b"Content-Length: %d\r\n\r\n" % len(body) + body, timeout=10)
        R.check(f"body of exactly --max-body-bytes ({mb}) -> 200", r.status == 200 and r.body == ex.filter1, repr(r))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check(f"body of exactly --max-body-bytes ({mb}) -> 200", False, repr(e))
    # chunked: no answer while under the limit, 413 as soon as it is crossed
    c = Conn(p)
    try:
        first = mb - 4096
        c.send(headers + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % first + b" " * first + b"\r\n", timeout=10)
        R.check(f"chunked body: {first} bytes (under the limit) -> no answer yet", c.quiet(0.7), repr(c.buf[:100]))
        t0 = time.monotonic()
        c.try_send(b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n")
        c.send_bg((b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n") * 64)
        expect_error_close(R, "chunked body crossing --max-body-bytes -> 413 at once", c, 413, t0=t0, max_s=1.5)
    except Exception as e:  # noqa: BLE001
        R.check("chunked body crossing --max-body-bytes -> 413", False, repr(e))
    finally:
        c.close()
    R.flush()


# ---------------------------------------------------------------------------------------- direct: timeouts


def timeout_checks(a, ex):
    """Run in parallel: each waits for a timeout of the server."""
    p = a.port
    rt, kt = a.request_timeout, a.keep_alive_timeout
    lo, hi = rt * 0.75, rt + 2.0

    def stalled_headers(R):
        c = Conn(p)
        t0 = time.monotonic()
        c.send(b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\n")
        expect_error_close(R, "408 headers stalled", c, 408, timeout=hi + 3, t0=t0, min_s=lo, max_s=hi)
        c.close()

    def trickled_headers(R):
        c = Conn(p)
        t0 = time.monotonic()
        data = b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 1000
        i = 0
        while time.monotonic() - t0 < hi + 3 and i < len(data):
            if not c.try_send(data[i:i + 1]):
                break
            i += 1
            if not c.quiet(0.25):
                break
        expect_error_close(R, "408 headers trickled one byte per 0.25 s", c, 408, timeout=1, t0=t0, min_s=lo, max_s=hi)
        c.close()

    def stalled_body(R):
        c = Conn(p)
        t0 = time.monotonic()
        c.send(b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}")
        expect_error_close(R, "408 body stalled (2 of 10 bytes)", c, 408, timeout=hi + 3, t0=t0, min_s=lo, max_s=hi)
        c.close()

    def trickled_body(R):
        c = Conn(p)
        t0 = time.monotonic()
        c.send(b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        while time.monotonic() - t0 < hi + 3:
            if not c.try_send(b" ") or not c.quiet(0.25):
                break
        expect_error_close(R, "408 body trickled one byte per 0.25 s", c, 408, timeout=1, t0=t0, min_s=lo, max_s=hi)
        c.close()

    def keep_alive_idle(R):
        c = Conn(p)
        c.send(HEALTH)
        r = c.read_response()
        t0 = time.monotonic()
        closed, extra = c.wait_closed(kt + 3)
        el = time.monotonic() - t0
        R.check(f"idle keep-alive connection closed silently after --keep-alive-timeout-s ({el:.2f}s)",
                is_health(r) and closed and not extra and kt * 0.5 <= el < kt + 1.5, f"closed={closed} extra={extra[:80]!r} {r!r}")
        c.close()

    def keep_alive_used(R):
        c = Conn(p)
        ok = True
        detail = ""
        for i in range(3):
            c.send(HEALTH)
            r = c.read_response()
            ok = ok and is_health(r) and not r.conn_close()
            detail += repr(r)
            time.sleep(kt * 0.5)
        R.check("keep-alive: 3 requests spaced by half --keep-alive-timeout-s on one connection", ok, detail)
        c.close()

    def fresh_silent(R):
        c = Conn(p)
        t0 = time.monotonic()
        closed, extra = c.wait_closed(rt + 3)
        el = time.monotonic() - t0
        ok = closed and (not extra or extra.startswith(b"HTTP/1.1 408 "))
        R.check(f"connection that never sends a byte is closed ({el:.2f}s)", ok, f"closed={closed} extra={extra[:100]!r}")
        c.close()

    fns = [stalled_headers, trickled_headers, stalled_body, trickled_body, keep_alive_idle, keep_alive_used, fresh_silent]
    recs = [Recorder() for _ in fns]
    threads = [threading.Thread(target=_guard, args=(f, r)) for f, r in zip(fns, recs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in recs:
        r.flush()


def _guard(fn, R):
    try:
        fn(R)
    except Exception as e:  # noqa: BLE001
        R.check(fn.__name__, False, f"exception {e!r}")


# ---------------------------------------------------------------------------------------- direct: bodies, smuggling


INNER = (b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         b"Content-Length: 2\r\n\r\n{}")


def aligned(method, path, inner, boundary, added=0):
    """A request whose body is filler + inner, inner starting exactly at byte `boundary` of the
    stream (a server that reads in buffers of that size and keeps the rest would parse it);
    `added` is what a proxy adds to the head (nginx: X-Forwarded-For: 127.0.0.1)."""
    blen = len(inner)
    for _ in range(4):
        head_len = len(req(method, path, b"x" * blen)) - blen + added
        blen = boundary - head_len + len(inner)
    data = req(method, path, b"x" * (blen - len(inner)) + inner)
    assert data.index(inner) + added == boundary, (method, path, boundary)
    return data


def smuggle_checks(a, ex):
    p = a.port
    R = Recorder()
    # POST with neither Content-Length nor Transfer-Encoding: the empty body, at once
    try:
        t0 = time.monotonic()
        (r1, r2), c = exchange(p, b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\r\n" + HEALTH, n=2)
        el = time.monotonic() - t0
        R.check(f"POST without Content-Length or Transfer-Encoding -> 200 as {{}} at once ({el:.2f}s), connection usable",
                r1.status == 200 and r1.body == ex.count and is_health(r2) and el < 1, f"{r1!r} {r2!r}")
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("POST without Content-Length or Transfer-Encoding -> 200 as {}", False, repr(e))

    # any method with a body: read and discarded; the bytes of the body are never a request
    cases = [("GET", "/api/health", False), ("OPTIONS", "/api/health", False), ("HEAD", "/api/health", True),
             ("GET", "/api/deployments/count", False), ("DELETE", "/api/deployments/filter", False),
             ("GET", "/no/such/path", False), ("PUT", "/api/health", False)]
    for method, path, head in cases:
        name = f"{method} {path} with a body holding a request: answer, body discarded, next request right"
        try:
            ref = ex.fetch(req(method, path), head=head)
            for how, data in (("Content-Length", req(method, path, INNER)),
                              ("chunked", req(method, path, chunked(INNER, 40), ["Transfer-Encoding: chunked"], length=False))):
                (r1, r2), c = exchange(p, data + HEALTH, heads=(0,) if head else (), n=2)
                quiet = c.quiet(0.3)
                ok = (r1.status, r1.body) == (ref.status, ref.body) and not r1.conn_close() and is_health(r2) and quiet
                R.check(f"{name} ({how})", ok, f"ref={ref!r} got {r1!r} then {r2!r} quiet={quiet} extra={c.buf[:100]!r}")
                c.close()
        except Exception as e:  # noqa: BLE001
            R.check(name, False, repr(e))

    # a body whose request starts exactly at a read-buffer boundary
    for boundary in (1024, 2048, 4096, 8192, 16384, 65536):
        name = f"GET /api/health with a body holding a request at byte {boundary}: discarded"
        try:
            (r1, r2), c = exchange(p, aligned("GET", "/api/health", INNER, boundary) + HEALTH, n=2)
            R.check(name, is_health(r1) and is_health(r2) and c.quiet(0.3), f"{r1!r} {r2!r} extra={c.buf[:100]!r}")
            c.close()
        except Exception as e:  # noqa: BLE001
            R.check(name, False, repr(e))

    # answers that do not read the body must close the connection, never parse it as a request
    for what, data in (("Content-Encoding: gzip body (not read: 400)",
                        req("POST", "/api/deployments/filter", INNER, ["Content-Type: application/json", "Content-Encoding: gzip"])),
                       ("malformed JSON body (422)", req("POST", "/api/deployments/filter", b"{" + INNER, ["Content-Type: application/json"]))):
        try:
            c = Conn(p)
            c.send(data + HEALTH)
            r1 = c.read_response()
            if r1.conn_close():
                closed, extra = c.wait_closed(2)
                ok, detail = closed and not extra, f"closed={closed} extra={extra[:100]!r}"
            else:
                r2 = c.read_response()
                ok, detail = is_health(r2) and c.quiet(0.3), f"then {r2!r} extra={c.buf[:100]!r}"
            R.check(f"{what}: no smuggled answer", ok and r1.status in (400, 422), f"{r1!r} {detail}")
            c.close()
        except Exception as e:  # noqa: BLE001
            R.check(f"{what}: no smuggled answer", False, repr(e))

    # HEAD /api/health: 200, no body on the wire (the next answer parses)
    try:
        (r1, r2), c = exchange(p, req("HEAD", "/api/health") + HEALTH, heads=(0,), n=2)
        R.check("HEAD /api/health -> 200 without a body", r1.status == 200 and is_health(r2) and c.quiet(0.3), f"{r1!r} {r2!r}")
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("HEAD /api/health -> 200 without a body", False, repr(e))
    R.flush()


def pipeline_checks(a, ex):
    p = a.port
    R = Recorder()
    reqs = [HEALTH, post("count", "{}"), req("HEAD", "/api/health"), post("filter", '{"limit": 1}'), req("GET", "/no/such/path")]

    def verify(rs):
        return (is_health(rs[0]) and rs[1].status == 200 and rs[1].body == ex.count and rs[2].status == 200
                and rs[3].status == 200 and rs[3].body == ex.filter1 and rs[4].status == 404
                and rs[4].json() == {"detail": "Not Found"})
    try:
        rs, c = exchange(p, b"".join(reqs), heads=(2,), n=5)
        R.check("pipelining: 5 requests in one send -> 5 answers in order", verify(rs) and c.quiet(0.3), repr(rs))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("pipelining: 5 requests in one send -> 5 answers in order", False, repr(e))
    try:
        last = req("GET", "/no/such/path", headers=["Connection: close"])
        rs, c = exchange(p, b"".join(reqs[:4]) + last + HEALTH, heads=(2,), n=5)
        closed, extra = c.wait_closed(2)
        R.check("pipelining: Connection: close on the 5th -> 5 answers, then closed (6th never answered)",
                verify(rs) and rs[4].conn_close() and closed and not extra, f"{rs!r} closed={closed} extra={extra[:100]!r}")
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("pipelining: Connection: close on the 5th", False, repr(e))
    try:
        rs, c = exchange(p, (post("filter", '{"limit": 2}') + post("count", "{}")) * 20, n=40, timeout=10)
        ok = all(r.status == 200 and r.body == (ex.filter2 if i % 2 == 0 else ex.count) for i, r in enumerate(rs))
        R.check("pipelining: 40 requests in one send -> 40 answers in order", ok, repr([r for r in rs if r.status != 200][:3]))
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("pipelining: 40 requests in one send", False, repr(e))
    R.flush()


def connection_checks(a, ex):
    p = a.port
    R = Recorder()
    for what, data in (("Connection: close", req("GET", "/api/health", headers=["Connection: close"])),
                       ("HTTP/1.0 without keep-alive", b"GET /api/health HTTP/1.0\r\n\r\n"),
                       ("POST with Connection: close", post("count", "{}", ["Connection: close"]))):
        try:
            (r,), c = exchange(p, data + HEALTH)
            closed, extra = c.wait_closed(2)
            R.check(f"{what} -> answer with Connection: close, then closed",
                    r.status == 200 and r.conn_close() and closed and not extra, f"{r!r} closed={closed} extra={extra[:80]!r}")
            c.close()
        except Exception as e:  # noqa: BLE001
            R.check(f"{what} -> Connection: close", False, repr(e))
    try:
        one0 = b"GET /api/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        (r1, r2), c = exchange(p, one0 + one0, n=2)
        R.check("HTTP/1.0 with Connection: keep-alive -> stays open", is_health(r1) and is_health(r2), f"{r1!r} {r2!r}")
        c.close()
    except Exception as e:  # noqa: BLE001
        R.check("HTTP/1.0 with Connection: keep-alive -> stays open", False, repr(e))
    R.flush()


# ---------------------------------------------------------------------------------------- slow clients


class Swarm:
    """Slow clients in one thread: `trickle` connections sending one header byte per `interval`, and
    `idle` keep-alive connections that made one request and then say nothing. A connection the
    server closes is replaced at once, so the pressure stays while the server's timeouts fire."""

    def __init__(self, port, trickle=64, idle=200, interval=0.5, path="/api/deployments/count"):
        self.port, self.n_trickle, self.n_idle, self.interval = port, trickle, idle, interval
        self.head = (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nX-Slow: ").encode()
        self.idle_req = f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}".encode()
        self.sel = selectors.DefaultSelector()
        self.stop_ev = threading.Event()
        self.reconnects = 0
        self.connect_failures = 0
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, kind):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=1)
        except OSError:
            self.connect_failures += 1
            return
        s.setblocking(False)
        if kind == "idle":
            try:
                s.send(self.idle_req)
            except OSError:
                pass
        self.sel.register(s, selectors.EVENT_READ, [kind, 0])

    def alive(self):
        kinds = [k.data[0] for k in self.sel.get_map().values()]
        return kinds.count("trickle"), kinds.count("idle")

    def _run(self):
        for _ in range(self.n_trickle):
            self._open("trickle")
        for _ in range(self.n_idle):
            self._open("idle")
        next_tick = time.monotonic() + self.interval
        while not self.stop_ev.is_set():
            for key, _ in self.sel.select(timeout=max(0.0, next_tick - time.monotonic())):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    kind = key.data[0]
                    self.sel.unregister(key.fileobj)
                    key.fileobj.close()
                    self.reconnects += 1
                    if not self.stop_ev.is_set():
                        self._open(kind)
            if time.monotonic() >= next_tick:
                next_tick += self.interval
                for key in list(self.sel.get_map().values()):
                    if key.data[0] == "trickle":
                        i = key.data[1]
                        byte = self.head[i:i + 1] or b"a"
                        try:
                            key.fileobj.send(byte)
                            key.data[1] = i + 1
                            self.sent += 1
                        except OSError:
                            pass
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sum(self.alive()) < (self.n_trickle + self.n_idle) * 0.9:
            time.sleep(0.05)

    def stop(self):
        self.stop_ev.set()
        self.thread.join(5)


def timed_requests(port, ex, n, routed_only=False):
    """n requests, each on a fresh connection; returns (latencies, wrong answers). routed_only:
    only the three paths nginx sends to the server (/api/health goes to Prefect there)."""
    lat, wrong = [], []
    for i in range(n):
        if i % 2:
            data, want = post("count", "{}"), ex.count
        elif routed_only:
            data, want = post("filter", '{"limit": 1}'), ex.filter1
        else:
            data, want = HEALTH, b"true"
        t0 = time.monotonic()
        try:
            c = Conn(port, timeout=2)
            c.send(data)
            r = c.read_response(timeout=2)
            c.close()
            if r.status != 200 or r.body != want:
                wrong.append(repr(r))
        except Exception as e:  # noqa: BLE001
            wrong.append(repr(e))
        lat.append(time.monotonic() - t0)
        if len(wrong) >= 3:  # the finding is made; do not wait out every timeout
            break
        time.sleep(0.05)
    return lat, wrong


def slowloris_check(port, ex, limit_s, label, hold=1.2, routed_only=False):
    swarm = Swarm(port)
    swarm.start()
    time.sleep(hold)  # the trickling clients have sent a few bytes, the idle ones got their answer
    t_alive, i_alive = swarm.alive()
    lat, wrong = timed_requests(port, ex, 20, routed_only)
    t_alive2, i_alive2 = swarm.alive()
    swarm.stop()
    worst = max(lat)
    check(f"{label}slowloris: 64 clients sending a header byte per 0.5 s + 200 idle keep-alive: "
          f"20 requests on fresh connections each < {limit_s * 1000:.0f} ms (worst {worst * 1000:.0f} ms)",
          worst < limit_s and not wrong,
          f"latencies ms {[round(x * 1000) for x in lat]} wrong={wrong[:3]} attackers alive {t_alive}+{i_alive} -> "
          f"{t_alive2}+{i_alive2}, reconnects {swarm.reconnects}, connect failures {swarm.connect_failures}")
    check(f"{label}slowloris: the attack was in place (attackers connected: {t_alive} trickling + {i_alive} idle)",
          t_alive + i_alive >= 200, f"connect failures {swarm.connect_failures}")


def nonreader_check(port, ex, limit_s, conns=4, depth=20):
    """Clients that pipeline requests with large answers and never read them: the server's writes
    block on them; nobody else may wait."""
    socks = []
    for _ in range(conns):
        c = Conn(port)
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        c.send_bg(post("filter", "{}") * depth)
        socks.append(c)
    time.sleep(1.5)  # the first answers fill the sockets; the server now waits to write
    lat, wrong = timed_requests(port, ex, 20)
    for c in socks:
        c.close()
    worst = max(lat)
    check(f"{conns} clients pipelining {depth} large answers each and never reading: 20 requests on fresh "
          f"connections each < {limit_s * 1000:.0f} ms (worst {worst * 1000:.0f} ms)", worst < limit_s and not wrong,
          f"latencies ms {[round(x * 1000) for x in lat]} wrong={wrong[:3]}")


# ---------------------------------------------------------------------------------------- processes


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_server(server, args, wait_s=5.0):
    """Starts the binary; returns (exit status or None if still running after wait_s, stderr)."""
    proc = subprocess.Popen([server] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(timeout=wait_s)
        return proc.returncode, err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return None, err.decode(errors="replace")


def process_checks(a, ex):
    if not a.server:
        check("--server not given: duplicate instance / --db password checks", False)
        return
    rc, err = run_server(a.server, ["--db", "host=/nonexistent dbname=x connect_timeout=1", "--listen", f"127.0.0.1:{a.port}"])
    check("second instance on the same port exits non-zero, says 'in use'", rc not in (None, 0) and "in use" in err.lower(),
          f"exit {rc} stderr {err[-300:]!r}")
    lat, wrong = timed_requests(a.port, ex, 6)
    check("first instance still answers every request afterwards", not wrong, f"{wrong}")
    for what, db in (("keyword password=", "host=/nonexistent dbname=x password=secret"),
                     ("URI user:password@", "postgresql://u:secret@localhost/x"),
                     ("URI ?password=", "postgresql://u@localhost/x?password=secret")):
        rc, err = run_server(a.server, ["--db", db, "--listen", f"127.0.0.1:{free_port()}"])
        check(f"--db with a password ({what}) -> refuses to start, exit 2, password not echoed",
              rc == 2 and "secret" not in err, f"exit {rc} stderr {err[-300:]!r}")


def _proc_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


def sigterm_checks(a, ex):
    p = a.port
    half = Conn(p)
    half.send(b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Le")
    half_body = Conn(p)
    half_body.send(b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    idle = Conn(p)
    idle.send(HEALTH)
    r = idle.read_response()
    time.sleep(0.2)
    t0 = time.monotonic()
    os.kill(a.pid, signal.SIGTERM)
    for what, c in (("half-sent headers", half), ("half-sent body", half_body), ("idle keep-alive", idle)):
        closed, extra = c.wait_closed(max(0.1, t0 + 1.0 - time.monotonic()))
        # a 503/408 answer before closing is acceptable, anything else is not
        ok = closed and (not extra or extra.startswith((b"HTTP/1.1 503", b"HTTP/1.1 408")))
        check(f"SIGTERM: {what} connection closed at once (< 1 s)", ok and (what != "idle keep-alive" or is_health(r)),
              f"closed={closed} extra={extra[:100]!r}")
    limit = a.shutdown_timeout + 2
    while time.monotonic() - t0 < limit and not _proc_gone(a.pid):
        time.sleep(0.05)
    el = time.monotonic() - t0
    check(f"SIGTERM: process exited ({el:.2f}s, limit --shutdown-timeout-s + 2 = {limit}s)", _proc_gone(a.pid))
    refused = False
    try:
        Conn(p, timeout=1).close()
    except OSError:
        refused = True
    check("SIGTERM: port no longer accepting", refused)
    for c in (half, half_body, idle):
        c.close()


def direct(a):
    u = urllib.parse.urlparse(a.url)
    a.port = u.port
    ex = Expect(a.port, a.dsn)
    try:
        r = ex.fetch(HEALTH)
        check("sanity: GET /api/health -> true", is_health(r), repr(r))
    except Exception as e:  # noqa: BLE001
        check("sanity: GET /api/health", False, repr(e))
        return
    timings = {}
    for fn in (limits_checks, malformed_checks, framing_checks, body_limit_checks, timeout_checks,
               smuggle_checks, pipeline_checks, connection_checks):
        t0 = time.monotonic()
        try:
            fn(a, ex)
        except Exception as e:  # noqa: BLE001
            check(fn.__name__, False, f"exception {e!r}")
        timings[fn.__name__] = time.monotonic() - t0
    t0 = time.monotonic()
    slowloris_check(a.port, ex, 0.2, "")
    timings["slowloris"] = time.monotonic() - t0
    t0 = time.monotonic()
    nonreader_check(a.port, ex, 0.2)
    timings["non-readers"] = time.monotonic() - t0
    t0 = time.monotonic()
    process_checks(a, ex)
    timings["processes"] = time.monotonic() - t0
    if a.pid:
        t0 = time.monotonic()
        sigterm_checks(a, ex)
        timings["sigterm"] = time.monotonic() - t0
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


# ---------------------------------------------------------------------------------------- nginx


def nginx(a):
    u = urllib.parse.urlparse(a.url)
    a.port = u.port
    ex = Expect(a.port, a.dsn)
    # the inner requests answer differently from the honest clients' requests
    inner_bodies = [b'{"limit": 2}', b'{"deployments": {"name": {"like_": "zz-smuggled-zz"}}}']
    inners = [b"POST /api/deployments/filter HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
              % (len(inner_bodies[0]), inner_bodies[0]),
              b"POST /api/deployments/count HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
              % (len(inner_bodies[1]), inner_bodies[1])]
    attacks = [("GET", "/api/deployments/count", False), ("OPTIONS", "/api/deployments/filter", False),
               ("HEAD", "/api/deployments/paginate", True), ("GET", "/api/deployments/filter", False)]
    refs = {}
    for method, path, head in attacks:
        r = ex.fetch(req(method, path), head=head)
        refs[(method, path)] = (r.status, r.body)
    check("nginx sanity: reference answers", all(s in (405,) for s, _ in refs.values()) and ex.fetch(post("count", "{}")).body == ex.count,
          f"{refs}")

    stop = threading.Event()
    honest = {"n": 0, "wrong": []}
    honest_lock = threading.Lock()

    def honest_client(k):
        conn = None
        i = 0
        while not stop.is_set():
            endpoint, body, want = (("count", "{}", ex.count), ("filter", '{"limit": 1}', ex.filter1))[(i + k) % 2]
            i += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
                conn.request("POST", "/api/deployments/" + endpoint, body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                bad = r.status != 200 or data != want
                if r.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as e:  # noqa: BLE001
                bad, data = True, repr(e).encode()
                conn.close()
                conn = None
            with honest_lock:
                honest["n"] += 1
                if bad:
                    honest["wrong"].append((endpoint, data[:100]))
        if conn:
            conn.close()

    threads = [threading.Thread(target=honest_client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    attacker_wrong = []
    t0 = time.monotonic()
    xff = len("X-Forwarded-For: 127.0.0.1\r\n")  # what nginx adds to the head it sends upstream
    for rnd in range(50):
        for j, (method, path, head) in enumerate(attacks):
            inner = inners[(rnd + j) % 2]
            boundary = (None, 1024, 2048, 4096, 8192, 16384)[rnd % 6]
            if boundary:  # the inner request starts at a read-buffer boundary of the upstream stream
                data = aligned(method, path, inner, boundary, xff)
            elif rnd % 2 == 0:
                data = req(method, path, inner)
            else:
                data = req(method, path, chunked(inner, 50), ["Transfer-Encoding: chunked"], length=False)
            try:
                (r1, r2), c = exchange(a.port, data + post("filter", '{"limit": 1}'), heads=(0,) if head else (), n=2, timeout=10)
                c.close()
                if (r1.status, r1.body) != refs[(method, path)] or r2.status != 200 or r2.body != ex.filter1:
                    attacker_wrong.append((method, path, r1, r2))
            except Exception as e:  # noqa: BLE001
                attacker_wrong.append((method, path, repr(e)))
    el = time.monotonic() - t0
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    check(f"nginx smuggling: 50 rounds x {len(attacks)} bodies holding requests: the attacker gets its own answers ({el:.1f}s)",
          not attacker_wrong, f"{len(attacker_wrong)} wrong, e.g. {attacker_wrong[:2]}")
    check(f"nginx smuggling: 8 honest clients, {honest['n']} requests meanwhile, every answer their own",
          not honest["wrong"] and honest["n"] > 50, f"{len(honest['wrong'])} wrong, e.g. {honest['wrong'][:3]}")

    slowloris_check(a.port, ex, 0.3, "nginx ", routed_only=True)

    wrong = []
    for i in range(40):
        endpoint, body, want = (("count", "{}", ex.count), ("filter", '{"limit": 1}', ex.filter1), ("filter", '{"limit": 2}', ex.filter2))[i % 3]
        try:
            r = ex.fetch(post(endpoint, body))
            if r.status != 200 or r.body != want:
                wrong.append((endpoint, r))
        except Exception as e:  # noqa: BLE001
            wrong.append((endpoint, repr(e)))
    try:
        rs, c = exchange(a.port, (post("count", "{}") + post("filter", '{"limit": 1}')) * 5, n=10)
        c.close()
        wrong += [(i, r) for i, r in enumerate(rs) if r.body != (ex.count if i % 2 == 0 else ex.filter1)]
    except Exception as e:  # noqa: BLE001
        wrong.append(("pipelined", repr(e)))
    check("nginx: 40 requests + 10 pipelined afterwards all answered right", not wrong, f"{wrong[:3]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["direct", "nginx"])
    p.add_argument("--url", required=True)
    p.add_argument("--dsn")
    p.add_argument("--pid", type=int)
    p.add_argument("--server")
    p.add_argument("--request-timeout", type=float, default=2)
    p.add_argument("--keep-alive-timeout", type=float, default=1)
    p.add_argument("--shutdown-timeout", type=float, default=3)
    p.add_argument("--max-body-bytes", type=int, default=1048576)
    p.add_argument("--max-header-bytes", type=int, default=32768)
    a = p.parse_args()
    t0 = time.monotonic()
    {"direct": direct, "nginx": nginx}[a.mode](a)
    print(f"({a.mode}: {time.monotonic() - t0:.1f}s)")
    finish()


if __name__ == "__main__":
    main()
