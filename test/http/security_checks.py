#!/usr/bin/python3
"""Prefect's protections in prefect-filter-http (run by test/http/run.sh): Basic auth, CSRF, CORS,
the base path and the default limit, as doc/http.md's "Prefect's protections" table states them.

  security_checks.py secure --url URL --dsn DSN [--base /api]   server started with auth + CSRF on
  security_checks.py nginx  --url NGINX --dsn DSN                nginx in front of the secure server
  security_checks.py limit  --url URL --dsn DSN                  server with PREFECT_SERVER_API_DEFAULT_LIMIT=5

The auth string comes from the environment (PF_TEST_AUTH_STRING), never from the command line.
Each check prints "ok" or "FAIL"; the last line is "N passed, M failed".
"""
import argparse
import base64
import http.client
import json
import os
import urllib.parse
import uuid

import psycopg2

from verdicts import check, finish  # test/http/verdicts.py: the one way to report


def request(url, method, path, body=None, headers=None):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True, skip_host=False)
        headers = dict(headers or {})
        if body is not None:
            body = body.encode() if isinstance(body, str) else body
            headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body is not None:
            conn.send(body)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def sql_text(dsn, endpoint, body):
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT prefect.deployments_{endpoint}(%s::jsonb)::text", (body,))
        return cur.fetchone()[0].encode()


def new_csrf_token(dsn, client, expired=False):
    token = uuid.uuid4().hex + uuid.uuid4().hex
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO prefect.csrf_token (token, client, expiration) VALUES (%s, %s, now() + %s::interval) "
            "ON CONFLICT (client) DO UPDATE SET token = excluded.token, expiration = excluded.expiration",
            (token, client, "-1 hour" if expired else "1 hour"))
    return token


def secure_checks(args):
    auth = os.environ["PF_TEST_AUTH_STRING"]
    base = args.base
    basic = "Basic " + base64.b64encode(auth.encode()).decode()
    client = "pf-test-" + uuid.uuid4().hex[:8]
    token = new_csrf_token(args.dsn, client)
    expired_client = "pf-expired-" + uuid.uuid4().hex[:8]
    expired_token = new_csrf_token(args.dsn, expired_client, expired=True)
    csrf = {"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client}
    json_ct = {"Content-Type": "application/json"}
    filter_path = base + "/deployments/filter"
    count_path = base + "/deployments/count"
    want_count = sql_text(args.dsn, "count", "{}")
    want_filter = sql_text(args.dsn, "filter", '{"limit": 2}')
    UNAUTH = {"exception_message": "Unauthorized"}

    def row(name, method, path, headers, body, status, want_body=None, header_checks=()):
        st, h, data = request(args.url, method, path, body, headers)
        ok = st == status
        if ok and want_body is not None:
            if isinstance(want_body, bytes):
                ok = data == want_body
            else:
                try:
                    ok = json.loads(data) == want_body
                except ValueError:
                    ok = False
        for hname, hval in header_checks:
            ok = ok and h.get(hname) == hval
        check(f"{name}: {method} {path} -> {status}", ok, f"got {st} {h} {data[:200]!r}")

    # The order table (doc/http.md).
    row("no credentials, no CSRF", "POST", count_path, json_ct, "{}", 403, {"detail": "Missing CSRF token."})
    row("CSRF token without client", "POST", count_path, {**json_ct, "Prefect-Csrf-Token": token}, "{}", 403,
        {"detail": "Missing client identifier."})
    row("wrong CSRF token, valid credentials", "POST", count_path,
        {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": token[:-1] + ("0" if token[-1] != "0" else "1"),
         "Prefect-Csrf-Client": client}, "{}", 403, {"detail": "Invalid CSRF token or client identifier."},
        [("access-control-allow-origin", "*")])
    row("expired CSRF token", "POST", count_path,
        {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": expired_token, "Prefect-Csrf-Client": expired_client},
        "{}", 403, {"detail": "Invalid CSRF token or client identifier."})
    row("token of another client", "POST", count_path,
        {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": token, "Prefect-Csrf-Client": expired_client},
        "{}", 403, {"detail": "Invalid CSRF token or client identifier."})
    row("empty CSRF values", "POST", count_path,
        {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": "", "Prefect-Csrf-Client": ""},
        "{}", 403, {"detail": "Invalid CSRF token or client identifier."})
    row("client with SQL in it is data", "POST", count_path,
        {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": token, "Prefect-Csrf-Client": "x' OR '1'='1"},
        "{}", 403, {"detail": "Invalid CSRF token or client identifier."})
    row("valid CSRF, no credentials", "POST", count_path, {**json_ct, **csrf}, "{}", 401, UNAUTH)
    for bad in ["Basic " + base64.b64encode(b"admin:nope").decode(), "Basic", "Bearer x", "Basic !!!!",
                basic.lower(), basic + " x", "Basic " + base64.b64encode(auth.encode() + b"\xff").decode()]:
        row(f"valid CSRF, bad credentials {bad[:24]!r}", "POST", count_path, {**json_ct, **csrf, "Authorization": bad},
            "{}", 401, UNAUTH)
    row("both valid, old API version", "POST", count_path,
        {**json_ct, **csrf, "Authorization": basic, "X-Prefect-Api-Version": "0.7.0"}, "{}", 400)
    row("both valid, malformed JSON", "POST", count_path, {**json_ct, **csrf, "Authorization": basic}, "{", 422)
    row("both valid", "POST", count_path, {**json_ct, **csrf, "Authorization": basic}, "{}", 200, want_count)
    row("both valid, filter", "POST", filter_path, {**json_ct, **csrf, "Authorization": basic}, '{"limit": 2}', 200,
        want_filter)
    row("health without anything", "GET", base + "/health", {}, None, 200, b"true")
    row("HEAD health without credentials", "HEAD", base + "/health", {}, None, 401)
    row("ready without anything", "GET", base + "/ready", {}, None, 200, {"message": "OK"})
    row("GET deployments path without credentials", "GET", filter_path, {}, None, 401, UNAUTH)
    row("GET deployments path with credentials", "GET", filter_path, {"Authorization": basic}, None, 405,
        {"detail": "Method Not Allowed"})
    row("unknown API path without credentials", "GET", base + "/flows/x", {}, None, 401, UNAUTH)
    row("unknown API path with credentials", "GET", base + "/flows/x", {"Authorization": basic}, None, 404,
        {"detail": "Not Found"})
    row("suffix trick is not health", "GET", base + "/deployments/health", {}, None, 401, UNAUTH)
    row("percent-encoded path needs auth too", "POST", base + "/deployments/%66ilter", {**json_ct, **csrf}, "{}", 401)
    row("preflight without credentials or CSRF", "OPTIONS", filter_path,
        {"Origin": "https://ui.example", "Access-Control-Request-Method": "POST",
         "Access-Control-Request-Headers": "content-type,prefect-csrf-token"}, None, 200, b"OK",
        [("access-control-allow-origin", "*"),
         ("access-control-allow-headers", "content-type,prefect-csrf-token")])
    row("OPTIONS that is not a preflight", "OPTIONS", filter_path, {}, None, 401, UNAUTH)
    row("401 with Origin carries CORS", "GET", filter_path, {"Origin": "https://ui.example"}, None, 401, UNAUTH,
        [("access-control-allow-origin", "*")])
    row("200 with Origin carries CORS", "POST", count_path,
        {**json_ct, **csrf, "Authorization": basic, "Origin": "https://ui.example"}, "{}", 200, want_count,
        [("access-control-allow-origin", "*")])
    row("403 CSRF with Origin carries no CORS", "POST", count_path, {**json_ct, "Origin": "https://ui.example"},
        "{}", 403, None, [("access-control-allow-origin", None)])
    if base != "/api":
        row("the default /api is not the API here", "POST", "/api/deployments/count",
            {**json_ct, **csrf, "Authorization": basic}, "{}", 404)


def nginx_checks(args):
    """Through nginx (three paths to us, the rest to a stand-in Prefect that never has data): no
    request Prefect would refuse gets deployment data, whatever the path trick; the valid request
    gets the same answer as directly."""
    auth = os.environ["PF_TEST_AUTH_STRING"]
    basic = "Basic " + base64.b64encode(auth.encode()).decode()
    client = "pf-nginx-" + uuid.uuid4().hex[:8]
    token = new_csrf_token(args.dsn, client)
    csrf = {"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client}
    json_ct = {"Content-Type": "application/json"}
    with psycopg2.connect(args.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM prefect.deployment ORDER BY name LIMIT 1")
        marker = cur.fetchone()[0].encode()
    want = sql_text(args.dsn, "filter", "{}")
    paths = ["/api/deployments/filter", "/api/deployments/filter/", "/api/deployments/%66ilter",
             "//api/deployments/filter", "/api//deployments/filter", "/api/deployments/./filter",
             "/api/x/../deployments/filter", "/API/deployments/filter", "/api/deployments/filter?x=1",
             "/api/deployments/filter%00", "/api/deployments/filter;x", "/api/deployments/paginate",
             "/api/deployments/count"]
    refusals = [
        ("no credentials, no CSRF", json_ct),
        ("no credentials", {**json_ct, **csrf}),
        ("wrong credentials", {**json_ct, **csrf, "Authorization": "Basic " + base64.b64encode(b"admin:x").decode()}),
        ("credentials, no CSRF", {**json_ct, "Authorization": basic}),
        ("credentials, wrong CSRF", {**json_ct, "Authorization": basic, "Prefect-Csrf-Token": "0" * 64,
                                     "Prefect-Csrf-Client": client}),
    ]
    for path in paths:
        for what, headers in refusals:
            for method in ("POST", "GET", "PUT"):
                st, h, data = request(args.url, method, path, "{}", headers)
                leaked = st == 200 and marker in data
                check(f"nginx {what}: {method} {path} -> no data ({st})", not leaked, f"{st} {data[:120]!r}")
    st, h, data = request(args.url, "POST", "/api/deployments/filter", "{}", {**json_ct, **csrf, "Authorization": basic})
    check("nginx valid credentials and CSRF: the answer", st == 200 and data == want, f"{st} {data[:120]!r}")
    st, h, data = request(args.url, "OPTIONS", "/api/deployments/filter", None,
                          {"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"})
    check("nginx preflight answered by CORS", st == 200 and data == b"OK", f"{st} {data!r}")


def limit_checks(args):
    base = args.base
    st, h, data = request(args.url, "POST", base + "/deployments/filter", "{}", {"Content-Type": "application/json"})
    check("default limit 5: {} returns 5 deployments", st == 200 and len(json.loads(data)) == 5, f"{st} {data[:100]!r}")
    st, h, data = request(args.url, "POST", base + "/deployments/filter", '{"limit": 6}', {"Content-Type": "application/json"})
    check("default limit 5: limit 6 -> 422 naming 5",
          st == 422 and json.loads(data) == {"detail": "Invalid limit: must be less than or equal to 5."}, f"{st} {data!r}")
    st, h, data = request(args.url, "POST", base + "/deployments/paginate", '{"page": 2}', {"Content-Type": "application/json"})
    check("default limit 5: paginate pages of 5", st == 200 and json.loads(data)["limit"] == 5, f"{st} {data[:100]!r}")
    st, h, data = request(args.url, "GET", base + "/health")
    check(f"health under the base path {base}", st == 200 and data == b"true", f"{st} {data!r}")
    if base != "/api":
        st, h, data = request(args.url, "POST", "/api/deployments/filter", "{}", {"Content-Type": "application/json"})
        check("/api is not the API under another base path -> 404", st == 404, f"{st} {data[:100]!r}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["secure", "nginx", "limit"])
    p.add_argument("--url", required=True)
    p.add_argument("--dsn", required=True)
    p.add_argument("--base", default="/api")
    args = p.parse_args()
    {"secure": secure_checks, "nginx": nginx_checks, "limit": limit_checks}[args.mode](args)
    finish()


if __name__ == "__main__":
    main()
