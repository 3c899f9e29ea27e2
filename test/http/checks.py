#!/usr/bin/python3
"""HTTP checks of prefect-filter-http (run by test/http/run.sh; needs /usr/bin/python3 with psycopg2).

Each check prints "ok" or "FAIL"; the last line is "N passed, M failed". Exit status 1 on any failure.

  checks.py main    --url http://127.0.0.1:P --dsn DSN       bodies, errors, headers, compression (and its
                                                             cache), concurrency
  checks.py broken  --url http://127.0.0.1:P --pid PID       500/503, pool wait, statement timeout, SIGTERM
                    (the stand-in paginate sleeps page/10 seconds: only known keys reach SQL)
  checks.py down    --url http://127.0.0.1:P                 database unreachable -> 503
  checks.py nginx   --url http://127.0.0.1:P --dsn DSN       the same answers through nginx
"""
import argparse
import gzip
import http.client
import json
import os
import signal
import socket
import threading
import time
import urllib.parse

import brotli
import psycopg2
import zstandard

from verdicts import check, finish  # test/http/verdicts.py: the one way to report


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port

    def request(self, method, path, body=None, headers=None, timeout=30):
        """Returns (status, headers dict lower-cased, raw body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            headers = dict(headers or {})
            if isinstance(body, str):
                body = body.encode("utf-8")
            if body is not None and "Transfer-Encoding" not in headers:
                headers.setdefault("Content-Length", str(len(body)))
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            if body is not None:
                if headers.get("Transfer-Encoding") == "chunked":
                    for i in range(0, len(body), 7):
                        piece = body[i:i + 7]
                        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                    conn.send(b"0\r\n\r\n")
                else:
                    conn.send(body)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def post(self, endpoint, body=None, headers=None, content_type="application/json"):
        h = dict(headers or {})
        if content_type is not None:
            h.setdefault("Content-Type", content_type)
        return self.request("POST", "/api/deployments/" + endpoint, body, h)


def sql_text(dsn, endpoint, body):
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT prefect.deployments_{endpoint}(%s::jsonb)::text", (body,))
        return cur.fetchone()[0].encode("utf-8")


def sample_names(dsn):
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM prefect.flow ORDER BY name LIMIT 3")
        flows = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT name FROM prefect.work_pool ORDER BY name LIMIT 2")
        pools = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id::text FROM prefect.deployment ORDER BY name LIMIT 3")
        ids = [r[0] for r in cur.fetchall()]
    return flows, pools, ids


def success_cases(dsn):
    """(endpoint, request body text, body the SQL function gets)."""
    flows, pools, ids = sample_names(dsn)
    deep = "[" * 40 + "]" * 40
    cases = [
        ("filter", "{}", "{}"),
        ("count", "{}", "{}"),
        ("paginate", "{}", "{}"),
        ("paginate", '{"sort":"NAME_ASC","limit":100,"page":1}', None),
        ("filter", '{"limit": 10}', None),
        ("filter", '{"sort": "CREATED_DESC", "limit": 5, "offset": 3}', None),
        ("filter", '{"sort": "UPDATED_DESC", "limit": 7}', None),
        ("filter", '{"sort": "NAME_DESC", "limit": 0}', None),
        ("filter", '{"limit": "10", "offset": 2.0}', None),
        ("filter", '{"deployments": {"name": {"like_": "etl"}}, "limit": 20}', None),
        ("count", '{"flow_runs": {"state": {"type": {"any_": ["FAILED", "COMPLETED"]}}}}', None),
        ("paginate", '{"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}, "limit": 5, "page": 2}', None),
        ("filter", json.dumps({"flows": {"name": {"any_": flows}}, "limit": 30}), None),
        ("count", json.dumps({"work_pools": {"name": {"any_": pools}}}), None),
        ("filter", json.dumps({"deployments": {"id": {"any_": ids}}}), None),
        ("filter", '{"flows": {}, "work_pool_queues": {}, "limit": 3}', None),
        ("count", '{"deployments": {"operator": "or_", "name": {"like_": "a"}, "paused": {"eq_": true}}}', None),
        ("filter", '{"limit": null, "sort": null, "offset": null, "flows": null}', "{}"),
        ("filter", '{"zzz_unknown": ' + deep + ', "limit": 2}', '{"limit": 2}'),  # FastAPI ignores it
        ("count", '{"limit": 500, "sort": "bad", "page": -4}', "{}"),  # not fields of /count
        ("filter", '{"page": 0, "limit": 4}', '{"limit": 4}'),  # not a field of /filter
        ("filter", "null", "{}"),  # JSON null: every field takes its default
        ("filter", '{"limit": 3, "limit": 6}', '{"limit": 6}'),  # the last duplicate wins
        ("filter", '  {"limit": 2}\n', '{"limit": 2}'),
    ]
    return [(e, b, s if s is not None else b) for e, b, s in cases]


def error_obj(type_, loc, msg, input_, ctx=None):
    e = {"type": type_, "loc": ["body"] + loc, "msg": msg, "input": input_}
    if ctx is not None:
        e["ctx"] = ctx
    return e


SORT = "'CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC' or 'NAME_DESC'"
STATES = ("'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', "
          "'PAUSED' or 'CANCELLING'")
UUID_CHAR = "invalid character: found `{}` at {}"


def validation_cases():
    """(endpoint, body, expected exception_detail) — pydantic v2 error objects as FastAPI shows them."""
    return [
        ("filter", {"sort": "name_asc"}, [error_obj("enum", ["sort"], "Input should be " + SORT, "name_asc", {"expected": SORT})]),
        ("filter", {"sort": 3}, [error_obj("enum", ["sort"], "Input should be " + SORT, 3, {"expected": SORT})]),
        ("filter", {"offset": -1}, [error_obj("greater_than_equal", ["offset"], "Input should be greater than or equal to 0", -1, {"ge": 0})]),
        ("filter", {"limit": "ten"}, [error_obj("int_parsing", ["limit"], "Input should be a valid integer, unable to parse string as an integer", "ten")]),
        ("filter", {"limit": 1.5}, [error_obj("int_from_float", ["limit"], "Input should be a valid integer, got a number with a fractional part", 1.5)]),
        ("filter", {"offset": [1]}, [error_obj("int_type", ["offset"], "Input should be a valid integer", [1])]),
        ("paginate", {"page": 0}, [error_obj("greater_than_equal", ["page"], "Input should be greater than or equal to 1", 0, {"ge": 1})]),
        ("filter", {"deployments": {"nam": {}}}, [error_obj("extra_forbidden", ["deployments", "nam"], "Extra inputs are not permitted", {})]),
        ("count", {"flows": {"tags": {"any_": ["x"]}}}, [error_obj("extra_forbidden", ["flows", "tags", "any_"], "Extra inputs are not permitted", ["x"])]),
        ("filter", {"flows": []}, [error_obj("model_attributes_type", ["flows"], "Input should be a valid dictionary or object to extract fields from", [])]),
        ("filter", {"deployments": {"name": {"any_": "daily"}}}, [error_obj("list_type", ["deployments", "name", "any_"], "Input should be a valid list", "daily")]),
        ("filter", {"deployments": {"name": {"any_": ["a", 1]}}}, [error_obj("string_type", ["deployments", "name", "any_", 1], "Input should be a valid string", 1)]),
        ("filter", {"deployments": {"paused": {"eq_": "maybe"}}}, [error_obj("bool_parsing", ["deployments", "paused", "eq_"], "Input should be a valid boolean, unable to interpret input", "maybe")]),
        ("filter", {"deployments": {"paused": {"eq_": []}}}, [error_obj("bool_type", ["deployments", "paused", "eq_"], "Input should be a valid boolean", [])]),
        ("filter", {"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000001", "not-a-uuid"]}}},
         [error_obj("uuid_parsing", ["deployments", "id", "any_", 1], "Input should be a valid UUID, " + UUID_CHAR.format("n", 1), "not-a-uuid", {"error": UUID_CHAR.format("n", 1)})]),
        ("filter", {"deployments": {"id": {"any_": ["123"]}}},
         [error_obj("uuid_parsing", ["deployments", "id", "any_", 0], "Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3", "123",
                    {"error": "invalid length: expected length 32 for simple format, found 3"})]),
        ("filter", {"deployments": {"id": {"any_": [7]}}}, [error_obj("uuid_type", ["deployments", "id", "any_", 0], "UUID input should be a string, bytes or UUID object", 7)]),
        ("count", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "RUNING"]}}}},
         [error_obj("enum", ["flow_runs", "state", "type", "any_", 1], "Input should be " + STATES, "RUNING", {"expected": STATES})]),
        ("filter", {"flow_runs": {"start_time": {"after_": "yesterday"}}},
         [error_obj("value_error", ["flow_runs", "start_time", "after_"], "Value error, Unable to parse string [yesterday]", "yesterday", {"error": {}})]),
        ("filter", {"deployments": {"operator": "xor_"}}, [error_obj("enum", ["deployments", "operator"], "Input should be 'and_' or 'or_'", "xor_", {"expected": "'and_' or 'or_'"})]),
        ("filter", {"deployments": {"operator": None}}, [error_obj("enum", ["deployments", "operator"], "Input should be 'and_' or 'or_'", None, {"expected": "'and_' or 'or_'"})]),
        ("filter", {"deployments": {"name.x": {}}}, [error_obj("extra_forbidden", ["deployments", "name.x"], "Extra inputs are not permitted", {})]),
        # one error per invalid field, in FastAPI's order (LimitBody first, then the signature)
        ("filter", {"sort": "bad", "flows": {"x": 1}, "offset": -2, "limit": "x"}, [
            error_obj("int_parsing", ["limit"], "Input should be a valid integer, unable to parse string as an integer", "x"),
            error_obj("greater_than_equal", ["offset"], "Input should be greater than or equal to 0", -2, {"ge": 0}),
            error_obj("extra_forbidden", ["flows", "x"], "Extra inputs are not permitted", 1),
            error_obj("enum", ["sort"], "Input should be " + SORT, "bad", {"expected": SORT})]),
        ("paginate", {"page": -1, "work_pools": {"id": 1}}, [
            error_obj("greater_than_equal", ["page"], "Input should be greater than or equal to 1", -1, {"ge": 1}),
            error_obj("model_attributes_type", ["work_pools", "id"], "Input should be a valid dictionary or object to extract fields from", 1)]),
        # every error of the body, in pydantic's order: FastAPI's fields in order; inside a model its
        # fields in class order (operator first), then its unknown keys in the order sent; inside a
        # list every bad element
        ("filter", {"limit": "x", "offset": -1, "sort": 5, "page": 0,
                    "deployments": {"zzz": 1, "id": {"any_": ["bad", 3, "0d000000-0000-0000-0000-000000000001"]},
                                    "operator": "xor", "paused": {"eq_": "maybe"}},
                    "flows": {"name": {"any_": "x", "like_": 5}, "extra": True}}, [
            error_obj("int_parsing", ["limit"], "Input should be a valid integer, unable to parse string as an integer", "x"),
            error_obj("greater_than_equal", ["offset"], "Input should be greater than or equal to 0", -1, {"ge": 0}),
            error_obj("list_type", ["flows", "name", "any_"], "Input should be a valid list", "x"),
            error_obj("string_type", ["flows", "name", "like_"], "Input should be a valid string", 5),
            error_obj("extra_forbidden", ["flows", "extra"], "Extra inputs are not permitted", True),
            error_obj("enum", ["deployments", "operator"], "Input should be 'and_' or 'or_'", "xor", {"expected": "'and_' or 'or_'"}),
            error_obj("uuid_parsing", ["deployments", "id", "any_", 0],
                      "Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3", "bad",
                      {"error": "invalid length: expected length 32 for simple format, found 3"}),
            error_obj("uuid_type", ["deployments", "id", "any_", 1], "UUID input should be a string, bytes or UUID object", 3),
            error_obj("bool_parsing", ["deployments", "paused", "eq_"], "Input should be a valid boolean, unable to interpret input", "maybe"),
            error_obj("extra_forbidden", ["deployments", "zzz"], "Extra inputs are not permitted", 1),
            error_obj("enum", ["sort"], "Input should be " + SORT, 5, {"expected": SORT})]),
        ("paginate", {"page": "two", "limit": 5, "sort": "NAME", "offset": -5, "work_pools": [1],
                      "work_pool_queues": {"name": {"startswith_": [1, "a", None]}}}, [
            error_obj("int_parsing", ["page"], "Input should be a valid integer, unable to parse string as an integer", "two"),
            error_obj("model_attributes_type", ["work_pools"], "Input should be a valid dictionary or object to extract fields from", [1]),
            error_obj("string_type", ["work_pool_queues", "name", "startswith_", 0], "Input should be a valid string", 1),
            error_obj("string_type", ["work_pool_queues", "name", "startswith_", 2], "Input should be a valid string", None),
            error_obj("enum", ["sort"], "Input should be " + SORT, "NAME", {"expected": SORT})]),
        # datetimes as Prefect's official image (Python 3.10) reads them: pydantic, then pendulum
        ("count", {"limit": "ignored", "task_runs": {"flow_run_id": {"is_null_": "x"}},
                   "flow_runs": {"state": {"type": {"any_": ["RUNNING", "BAD", 7]}, "name": {"any_": [1]}},
                                 "start_time": {"after_": "garbage", "before_": [1]}}}, [
            error_obj("enum", ["flow_runs", "state", "type", "any_", 1], "Input should be " + STATES, "BAD", {"expected": STATES}),
            error_obj("enum", ["flow_runs", "state", "type", "any_", 2], "Input should be " + STATES, 7, {"expected": STATES}),
            error_obj("string_type", ["flow_runs", "state", "name", "any_", 0], "Input should be a valid string", 1),
            error_obj("value_error", ["flow_runs", "start_time", "before_"], "value is not a valid datetime", [1]),
            error_obj("value_error", ["flow_runs", "start_time", "after_"], "Value error, Unable to parse string [garbage]", "garbage", {"error": {}}),
            error_obj("bool_parsing", ["task_runs", "flow_run_id", "is_null_"], "Input should be a valid boolean, unable to interpret input", "x")]),
        ("filter", {"flow_runs": {"expected_start_time": {"after_": "2024/13/01"}}},
         [error_obj("value_error", ["flow_runs", "expected_start_time", "after_"], "Value error, month must be in 1..12", "2024/13/01", {"error": {}})]),
    ]


def detail_cases():
    return [
        ("filter", '{"limit": 201}', "Invalid limit: must be less than or equal to 200."),
        ("filter", '{"limit": -1}', "Invalid limit: must be greater than or equal to 0."),
        ("paginate", '{"limit": 1000}', "Invalid limit: must be less than or equal to 200."),
        ("filter", '{"limit": 500, "sort": "bad", "flows": []}', "Invalid limit: must be less than or equal to 200."),
    ]


MISSING = {
    "filter": ["limit", "offset", "flows", "flow_runs", "task_runs", "deployments", "work_pools", "work_pool_queues", "sort"],
    "count": ["flows", "flow_runs", "task_runs", "deployments", "work_pools", "work_pool_queues"],
    "paginate": ["limit", "page", "flows", "flow_runs", "task_runs", "deployments", "work_pools", "work_pool_queues", "sort"],
}


def invalid_request(detail, body):
    return {"exception_message": "Invalid request received.", "exception_detail": detail, "request_body": body}


def decoded(headers, data):
    return gzip.decompress(data) if headers.get("content-encoding") == "gzip" else data


def run_bodies(c, dsn, label=""):
    for endpoint, body, sql_body in success_cases(dsn):
        status, headers, data = c.post(endpoint, body)
        want = sql_text(dsn, endpoint, sql_body)
        check(f"{label}200 {endpoint} {body[:60]}", status == 200 and data == want and headers.get("content-type") == "application/json",
              f"status={status} ct={headers.get('content-type')} got={data[:200]!r} want={want[:200]!r}")


def run_errors(c, dsn, label=""):
    for endpoint, body, expected in validation_cases():
        status, headers, data = c.post(endpoint, json.dumps(body))
        want = invalid_request(expected, body)
        got = json.loads(decoded(headers, data)) if data else None
        check(f"{label}422 {endpoint} {json.dumps(body)[:70]}", status == 422 and got == want, f"status={status} got={got} want={want}")
    for endpoint, body, detail in detail_cases():
        status, headers, data = c.post(endpoint, body)
        check(f"{label}422 detail {endpoint} {body}", status == 422 and json.loads(data) == {"detail": detail}, f"{status} {data!r}")
    # a JSON body that is not an object: every body field is "missing"
    for endpoint in ("filter", "count", "paginate"):
        for body in ("[1, 2]", '"x"', "5", "true"):
            status, headers, data = c.post(endpoint, body)
            want = invalid_request([{"type": "missing", "loc": ["body", f], "msg": "Field required", "input": None} for f in MISSING[endpoint]], json.loads(body))
            check(f"{label}422 missing {endpoint} {body}", status == 422 and json.loads(decoded(headers, data)) == want, f"{status} {data[:300]!r}")


def run_json_errors(c):
    """Malformed JSON: FastAPI's json_invalid with Python's own message and position."""
    bodies = ['{"limit": 1,}', '{"a" 1}', '[1 2]', "  ", '{"a": tru}', "{} x", '"abc', '"a\x01"', '"\\q"',
              '"\\u12"', '{"é": x}', "[", "{", '{"a":1', "01", "-", "1.", '{"a": [1, 2,]}', '"\\ud800\\u12"',
              '{"limit": NaN', "\ufeff{", '{"a": "\u00e9\u00e9\u00e9" "b"}']
    for body in bodies:
        raw = body.encode("utf-8")
        text = raw.decode("utf-8-sig")
        try:
            json.loads(raw)
            check(f"json_invalid {body!r}: python accepts it?", False)
            continue
        except json.JSONDecodeError as e:
            msg, pos = e.msg, e.pos
        status, headers, data = c.post("filter", raw)
        want = invalid_request([{"type": "json_invalid", "loc": ["body", pos], "msg": "JSON decode error", "input": {}, "ctx": {"error": msg}}], text)
        check(f"422 json_invalid {body!r} -> {msg} at {pos}", status == 422 and json.loads(data) == want, f"{status} {data!r}")
    # bodies Python cannot even decode: 400 "There was an error parsing the body"
    for raw, what in ((b'{"limit": "\xff"}', "invalid UTF-8"), (b"[" * 1200 + b"]" * 1200, "nested 1200 deep")):
        status, headers, data = c.post("filter", raw)
        check(f"400 {what}", status == 400 and json.loads(data) == {"detail": "There was an error parsing the body"}, f"{status} {data!r}")


def run_transport(c, dsn):
    everything = sql_text(dsn, "filter", "{}")
    # Content-Type rules
    status, h, data = c.post("filter", '{"limit": 1}', content_type=None)
    check("no Content-Type with a body: parsed as JSON (Prefect's middleware)", status == 200 and data == sql_text(dsn, "filter", '{"limit": 1}'), f"{status}")
    status, h, data = c.post("filter", '{"limit": 500}', content_type="text/plain")
    check("text/plain body: ignored, all defaults", status == 200 and data == everything, f"{status} {data[:100]!r}")
    status, h, data = c.post("filter", '{"limit": 2}', content_type="application/vnd.api+json; charset=utf-8")
    check("application/*+json is JSON", status == 200 and data == sql_text(dsn, "filter", '{"limit": 2}'), f"{status}")
    status, h, data = c.post("filter", '{"limit": 500}', headers={"Transfer-Encoding": "chunked"}, content_type=None)
    check("chunked body without Content-Type: all defaults", status == 200 and data == everything, f"{status}")
    status, h, data = c.post("filter", '{"limit": 3}', headers={"Transfer-Encoding": "chunked"})
    check("chunked JSON body", status == 200 and data == sql_text(dsn, "filter", '{"limit": 3}'), f"{status}")
    status, h, data = c.post("count", "")
    check("empty body means {}", status == 200 and data == sql_text(dsn, "count", "{}"), f"{status} {data!r}")
    status, h, data = c.post("filter", b'\xef\xbb\xbf{"limit": 2}')
    check("UTF-8 BOM is skipped", status == 200 and data == sql_text(dsn, "filter", '{"limit": 2}'), f"{status}")
    status, h, data = c.post("filter", '{"limit": 5}', headers={"Range": "bytes=0-10"})
    check("Range is ignored", status == 200 and data == sql_text(dsn, "filter", '{"limit": 5}'), f"{status} {h}")
    # X-Prefect-Api-Version
    for value, ok in (("", True), ("0.8.0", True), ("0.8.4", True), ("3.1.0", True), ("0.08.0", True), ("1_0.0.0", True),
                      ("0.7.9", False), ("-1.9.0", False), ("0.0.99", False)):
        status, h, data = c.post("count", "{}", headers={"X-Prefect-Api-Version": value})
        want = 200 if ok else 400
        body_ok = ok or json.loads(data) == {"detail": f"The request specified API version {value} but this server requires version 0.8.0 or higher."}
        check(f"api version {value!r} -> {want}", status == want and body_ok, f"{status} {data!r}")
    for value in ("abc", "1.2", "1.2.3.4", "1.x.0", "1..2"):
        status, h, data = c.post("count", "{}", headers={"X-Prefect-Api-Version": value})
        want = {"detail": f"Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received {value}"}
        check(f"api version {value!r} -> 400 format", status == 400 and json.loads(data) == want, f"{status} {data!r}")
    status, h, data = c.post("filter", "{bad", headers={"X-Prefect-Api-Version": "0.1.0"})
    check("malformed JSON is reported before the version header", status == 422, f"{status}")
    status, h, data = c.post("filter", "[1]", headers={"X-Prefect-Api-Version": "0.1.0"})
    check("version header is checked before validation", status == 400, f"{status}")
    # other paths and methods, health
    status, h, data = c.request("GET", "/api/health")
    check("GET /api/health -> true", status == 200 and data == b"true" and h.get("content-type") == "application/json", f"{status} {data!r}")
    status, h, data = c.request("GET", "/api/ready")
    check("GET /api/ready -> 200 OK (the database answers)", status == 200 and json.loads(data) == {"message": "OK"}, f"{status} {data!r}")
    status, h, data = c.request("GET", "/api/ready", headers={"X-Prefect-Api-Version": "0.1.0"})
    check("GET /api/ready checks the API version header (a route of Prefect's routers)", status == 400, f"{status} {data!r}")
    status, h, data = c.request("POST", "/api/ready", "{}")
    check("POST /api/ready -> 405 Allow: GET", status == 405 and h.get("allow") == "GET", f"{status} {h}")
    status, h, data = c.request("GET", "/api/deployments/filter")
    check("GET on a POST route -> 405", status == 405 and json.loads(data) == {"detail": "Method Not Allowed"}, f"{status} {data!r}")
    status, h, data = c.request("POST", "/api/flows/filter", "{}", {"Content-Type": "application/json"})
    check("unknown path -> 404", status == 404 and json.loads(data) == {"detail": "Not Found"}, f"{status} {data!r}")
    status, h, data = c.post("filter", "[" + "1," * (1100 * 1024) + "1]")
    check("body over --max-body-bytes -> 413", status == 413, f"{status} {data[:100]!r}")
    status, h, data = c.post("filter", "x" * 10, headers={"Content-Encoding": "gzip"})
    check("Content-Encoding on a JSON body -> 400 (Prefect cannot decode it)", status == 400, f"{status}")
    status, h, data = c.request("POST", "/api/deployments/filter", "{}", {"Content-Type": "application/json", "X-Big": "a" * 9000})
    check("header line over 8 KiB -> 400", status == 400, f"{status}")


def run_gzip(c, dsn):
    body = '{"sort":"NAME_ASC","limit":100,"page":1}'
    want = sql_text(dsn, "paginate", body)
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "gzip, deflate"})
    check("gzip: large body compressed, round trip exact",
          status == 200 and h.get("content-encoding") == "gzip" and h.get("vary") == "Accept-Encoding"
          and gzip.decompress(data) == want and len(data) < len(want), f"{status} {h}")
    status, h, data = c.post("paginate", body)
    check("no Accept-Encoding: identity, Vary still set (>= 500 bytes)", status == 200 and "content-encoding" not in h and h.get("vary") == "Accept-Encoding" and data == want, f"{h}")
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "br"})
    check("Accept-Encoding br: brotli", status == 200 and h.get("content-encoding") == "br" and brotli.decompress(data) == want, f"{h}")
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    check("a browser's Accept-Encoding: zstd", status == 200 and h.get("content-encoding") == "zstd"
          and zstandard.ZstdDecompressor().decompress(data) == want and h.get("vary") == "Accept-Encoding", f"{h}")
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "zstd;q=0, gzip"})
    check("zstd;q=0 is refused: gzip", status == 200 and h.get("content-encoding") == "gzip" and gzip.decompress(data) == want, f"{h}")
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "deflate"})
    check("deflate only: not compressed", status == 200 and "content-encoding" not in h and data == want, f"{h}")
    status, h, data = c.post("count", "{}", headers={"Accept-Encoding": "gzip"})
    check("gzip: body under 500 bytes stays identity, no Vary", status == 200 and "content-encoding" not in h and "vary" not in h, f"{h}")
    small = sql_text(dsn, "filter", '{"limit": 0}')
    status, h, data = c.post("filter", '{"limit": 0}', headers={"Accept-Encoding": "gzip"})
    check("gzip: [] stays identity", status == 200 and data == small and "content-encoding" not in h, f"{h}")
    big_error = {"flows": {"x" * 600: 1}}
    status, h, data = c.post("filter", json.dumps(big_error), headers={"Accept-Encoding": "gzip"})
    check("gzip applies to a large 422 too", status == 422 and h.get("content-encoding") == "gzip" and json.loads(gzip.decompress(data))["exception_detail"][0]["type"] == "extra_forbidden", f"{status} {h}")


DECODERS = {"zstd": lambda d: zstandard.ZstdDecompressor().decompress(d), "br": brotli.decompress,
            "gzip": gzip.decompress}


def run_compressed_cache(c, dsn):
    """Compressed answers are kept by content (src/http/compressed_cache.hpp): the same answer
    again gives the same compressed bytes, and a changed row (same length) gives new ones."""
    body = '{"sort":"NAME_ASC","limit":100,"page":1}'
    want = sql_text(dsn, "paginate", body)
    status, h, identity = c.post("paginate", body)
    check("cache: the identity answer is the SQL function's text", status == 200 and identity == want, f"{status}")
    for token, decode in DECODERS.items():
        answers = [c.post("paginate", body, headers={"Accept-Encoding": token}) for _ in range(3)]
        check(f"cache: {token} answers to the same request are byte-identical and decode to the identity answer",
              all(s == 200 and h.get("content-encoding") == token for s, h, _ in answers)
              and answers[0][2] == answers[1][2] == answers[2][2] and decode(answers[0][2]) == identity,
              f"{[(s, h.get('content-encoding'), len(d)) for s, h, d in answers]}")
    # One character of a description on the page changed (same length): a new answer, never the kept one.
    page = json.loads(want)
    row = next((r for r in page["results"] if r.get("description") and r["description"][0].isascii()), None)
    if row is None:
        check("cache: a deployment with a description on the page", False, "none")
        return
    before = {t: c.post("paginate", body, headers={"Accept-Encoding": t})[2] for t in DECODERS}
    changed = ("X" if row["description"][0] != "X" else "Y") + row["description"][1:]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("UPDATE prefect.deployment SET description = %s WHERE id = %s", (changed, row["id"]))
    try:
        new_want = sql_text(dsn, "paginate", body)
        for token, decode in DECODERS.items():
            status, h, data = c.post("paginate", body, headers={"Accept-Encoding": token})
            check(f"cache: {token} after a row changed (same length): the new answer",
                  status == 200 and len(new_want) == len(want) and new_want != want and data != before[token]
                  and decode(data) == new_want, f"{status} {len(new_want)} {len(want)}")
    finally:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("UPDATE prefect.deployment SET description = %s WHERE id = %s", (row["description"], row["id"]))
    for token, decode in DECODERS.items():
        status, h, data = c.post("paginate", body, headers={"Accept-Encoding": token})
        check(f"cache: {token} after the row is restored: the first answer's bytes again",
              status == 200 and data == before[token] and decode(data) == want, f"{status}")


def run_concurrency(c, dsn, clients=16, rounds=8):
    cases = success_cases(dsn)
    expected = {(e, s): sql_text(dsn, e, s) for e, _, s in cases}
    errors = []

    def worker(k):
        for i in range(rounds):
            endpoint, body, sql_body = cases[(k * rounds + i) % len(cases)]
            status, h, data = c.post(endpoint, body, headers={"Accept-Encoding": "gzip"} if i % 2 else None)
            if status != 200 or decoded(h, data) != expected[(endpoint, sql_body)]:
                errors.append((k, i, status, data[:100]))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(f"{clients} concurrent clients x {rounds} requests all answered correctly ({time.time() - t0:.2f}s)", not errors, f"{errors[:3]}")


def main_checks(args):
    c = Client(args.url)
    run_bodies(c, args.dsn)
    run_errors(c, args.dsn)
    run_json_errors(c)
    run_transport(c, args.dsn)
    run_gzip(c, args.dsn)
    run_compressed_cache(c, args.dsn)
    run_concurrency(c, args.dsn)


def broken_checks(args):
    """Against a server whose --schema holds stand-in functions (see run.sh) and --pool 1."""
    c = Client(args.url)
    status, h, data = c.post("filter", "{}")
    check("unexpected database answer (NULL) -> 500", status == 500 and json.loads(data) == {"exception_message": "Internal Server Error"}, f"{status} {data!r}")
    status, h, data = c.post("count", "{}")
    check("database error -> 503, nothing leaked", status == 503 and json.loads(data) == {"exception_message": "Service Unavailable"}, f"{status} {data!r}")
    t0 = time.time()
    status, h, data = c.post("paginate", '{"page": 50}')
    check("statement_timeout -> 503", status == 503 and time.time() - t0 < 4, f"{status} {time.time() - t0:.2f}s")

    # pool of 1: a second request waits --pool-wait-ms, then 503
    results = {}
    slow = threading.Thread(target=lambda: results.setdefault("slow", c.post("paginate", '{"page": 10}')))
    slow.start()
    time.sleep(0.3)
    t0 = time.time()
    status, h, data = c.post("count", '{}')
    waited = time.time() - t0
    slow.join()
    check("pool exhausted -> 503 after the bounded wait", status == 503 and 0.15 <= waited < 0.9 and results["slow"][0] == 200, f"{status} waited {waited:.2f}s slow={results['slow'][0]}")

    # SIGTERM: the request in flight is answered, then the process exits
    slow = threading.Thread(target=lambda: results.__setitem__("inflight", c.post("paginate", '{"page": 10}')))
    slow.start()
    time.sleep(0.3)
    os.kill(args.pid, signal.SIGTERM)
    slow.join()
    status, h, data = results["inflight"]
    check("SIGTERM: request in flight still answered", status == 200 and json.loads(data) == {"slept": True}, f"{status} {data!r}")
    refused = False
    for _ in range(50):
        try:
            socket.create_connection((c.host, c.port), timeout=0.2).close()
            time.sleep(0.1)
        except OSError:
            refused = True
            break
    check("SIGTERM: no longer accepting connections", refused)


def down_checks(args):
    c = Client(args.url)
    status, h, data = c.post("filter", "{}")
    check("database unreachable -> 503", status == 503 and json.loads(data) == {"exception_message": "Service Unavailable"}, f"{status} {data!r}")
    status, h, data = c.request("GET", "/api/health")
    check("database unreachable: /api/health still true", status == 200 and data == b"true", f"{status}")
    status, h, data = c.request("GET", "/api/ready")
    check("database unreachable: /api/ready -> 503 Database is not available",
          status == 503 and json.loads(data) == {"message": "Database is not available"}, f"{status} {data!r}")
    check("database unreachable: malformed JSON still 422", c.post("filter", "{")[0] == 422)


def nginx_checks(args):
    c = Client(args.url)
    run_bodies(c, args.dsn, "nginx ")
    run_errors(c, args.dsn, "nginx ")
    body = '{"sort":"NAME_ASC","limit":100,"page":1}'
    status, h, data = c.post("paginate", body, headers={"Accept-Encoding": "gzip"})
    check("nginx gzip round trip", status == 200 and h.get("content-encoding") == "gzip" and gzip.decompress(data) == sql_text(args.dsn, "paginate", body), f"{status} {h}")
    status, h, data = c.post("count", "{}", headers={"X-Prefect-Api-Version": "0.7.0"})
    check("nginx passes X-Prefect-Api-Version", status == 400, f"{status}")
    status, h, data = c.request("GET", "/api/version")
    check("nginx sends other paths to Prefect", status == 200 and data.strip() == b"stub-prefect", f"{status} {data!r}")
    run_concurrency(c, args.dsn, clients=16, rounds=4)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["main", "broken", "down", "nginx"])
    p.add_argument("--url", required=True)
    p.add_argument("--dsn")
    p.add_argument("--pid", type=int)
    args = p.parse_args()
    {"main": main_checks, "broken": broken_checks, "down": down_checks, "nginx": nginx_checks}[args.mode](args)
    finish()


if __name__ == "__main__":
    main()
