"""A minimal HTTP/1.1 keep-alive client over a raw socket, for the benchmark helpers
(idle_slow.py, restart_load.py). Standard library only. It sends one request at a time and reads
an answer with Content-Length (prefect-filter-http never sends chunked answers)."""
import socket
import time


class HttpError(Exception):
    """The connection failed, closed, or timed out; the client must reconnect."""


class Conn:
    def __init__(self, host, port, timeout=5.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed = False

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def _recv(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout as e:
            raise HttpError("timeout") from e
        except OSError as e:
            raise HttpError(type(e).__name__) from e
        if not data:
            raise HttpError("closed")
        self.buf += data

    def request(self, method, path, body=b"", content_type="application/json"):
        """Returns (status, body bytes). Raises HttpError on any transport failure."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body or method == "POST":
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        req = head.encode() + b"\r\n" + body
        try:
            self.sock.sendall(req)
        except socket.timeout as e:
            raise HttpError("timeout") from e
        except OSError as e:
            raise HttpError(type(e).__name__) from e
        while b"\r\n\r\n" not in self.buf:
            self._recv()
        end = self.buf.index(b"\r\n\r\n")
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        self.buf = self.buf[end + 4:]
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError) as e:
            raise HttpError("bad status line") from e
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        while len(self.buf) < length:
            self._recv()
        answer, self.buf = self.buf[:length], self.buf[length:]
        if close:
            self.close()
        return status, answer


def percentile(values, p):
    """Nearest-rank percentile of a list of numbers (None when empty)."""
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]


def probe(host, port, n, path="/api/deployments/count", body=b"{}", timeout=2.0, deadline_s=30.0):
    """n sequential POSTs on one keep-alive connection (reconnecting after a failure). Returns a
    dict: latencies (ms) of the 2xx answers, failures by kind, how many were sent."""
    lat, failures, statuses = [], {}, {}
    conn = None
    stop_at = time.monotonic() + deadline_s
    sent = 0
    consecutive_failures = 0
    for _ in range(n):
        if time.monotonic() > stop_at or consecutive_failures >= 3:
            break
        sent += 1
        t0 = time.perf_counter()
        try:
            if conn is None or conn.closed:
                conn = Conn(host, port, timeout)
            status, _ = conn.request("POST", path, body)
        except (HttpError, OSError) as e:
            kind = str(e) if isinstance(e, HttpError) else type(e).__name__
            failures[kind] = failures.get(kind, 0) + 1
            consecutive_failures += 1
            if conn is not None:
                conn.close()
            conn = None
            continue
        dt = (time.perf_counter() - t0) * 1000.0
        consecutive_failures = 0
        statuses[status] = statuses.get(status, 0) + 1
        if 200 <= status < 300:
            lat.append(dt)
        else:
            failures[f"status {status}"] = failures.get(f"status {status}", 0) + 1
    if conn is not None:
        conn.close()
    return {
        "requested": n,
        "sent": sent,
        "ok": len(lat),
        "failures": failures,
        "p50_ms": percentile(lat, 0.50),
        "p99_ms": percentile(lat, 0.99),
        "max_ms": max(lat) if lat else None,
    }
