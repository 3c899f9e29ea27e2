#!/usr/bin/env python3
"""Prometheus metrics of a running prefect-filter-http (--metrics-listen): sends known requests
to the API, scrapes GET /metrics before and after, parses the text exposition format 0.0.4
strictly (every line a HELP, TYPE or sample; a sample's family typed before it; histogram
buckets cumulative, ending in +Inf = _count) and checks what moved.
  metrics_checks.py --url http://127.0.0.1:API --metrics http://127.0.0.1:METRICS"""
import argparse
import re
import urllib.parse

from checks import Client
from verdicts import check, finish

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*",?)*\})? (\S+)$')
META = re.compile(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"')


def parse(text):
    """{(name, frozenset(labels)): value}, {family: type}; raises ValueError on a bad line."""
    types, samples = {}, {}
    for line in text.splitlines():
        m = META.match(line)
        if m:
            if m.group(1) == "TYPE":
                if m.group(3) not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError("bad type: " + line)
                types[m.group(2)] = m.group(3)
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample: %r" % line)
        name = m.group(1)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if family not in types and family.endswith(suffix):
                family = family[: -len(suffix)]
        if family not in types:
            raise ValueError("no TYPE before " + name)
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(name, labels)] = float(m.group(3))
    # histograms: cumulative buckets, +Inf equal to _count
    for family, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == family + "_bucket":
                rest = frozenset(l for l in labels if l[0] != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((float("inf") if le == "+Inf" else float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            if values != sorted(values) or buckets[-1][0] != float("inf"):
                raise ValueError("histogram %s %s not cumulative" % (family, sorted(rest)))
            if samples.get((family + "_count", rest)) != buckets[-1][1]:
                raise ValueError("histogram %s %s: +Inf != _count" % (family, sorted(rest)))
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--metrics", required=True)
    args = ap.parse_args()
    api, metrics = Client(args.url), Client(args.metrics)

    def scrape():
        status, headers, data = metrics.request("GET", "/metrics")
        check("GET /metrics: 200 text/plain; version=0.0.4",
              status == 200 and headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
              f"{status} {headers}")
        try:
            return parse(data.decode("utf-8"))
        except ValueError as e:
            check("the exposition parses", False, str(e))
            return {}, {}

    before, types = scrape()
    check("the exposition parses and types its families", types.get("prefect_filter_http_requests_total") == "counter"
          and types.get("prefect_filter_http_request_duration_seconds") == "histogram"
          and types.get("prefect_filter_db_pool_connections") == "gauge", str(types))
    for _ in range(5):
        api.post("count", "{}")
    api.post("filter", '{"sort": 1}')
    api.request("POST", "/api/deployments/filter", "{}", {"Content-Type": "application/json", "Accept-Encoding": "gzip"})
    api.request("GET", "/api/no/such/path")
    page = '{"sort": "NAME_ASC", "limit": 100, "page": 1}'
    for _ in range(3):  # the UI page: compressed once, then from the cache
        api.request("POST", "/api/deployments/paginate", page, {"Content-Type": "application/json",
                                                                "Accept-Encoding": "zstd"})
    after, types_after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/deployments/count"
    check("5 count answers counted", delta("prefect_filter_http_requests_total", route=route, method="POST",
                                           status="200") == 5)
    check("the 422 counted with its status", delta("prefect_filter_http_requests_total", route="/deployments/filter",
                                                   method="POST", status="422") == 1)
    check("an unknown path is route=\"other\"", delta("prefect_filter_http_requests_total", route="other",
                                                      method="GET", status="404") == 1)
    check("the latency histogram counts them", delta("prefect_filter_http_request_duration_seconds_count",
                                                     route=route) == 5)
    check("response bytes counted", delta("prefect_filter_http_response_bytes_total", route=route) >= 5)
    check("a gzip answer counted by encoding", delta("prefect_filter_http_responses_by_encoding_total",
                                                     encoding="gzip") >= 1)
    check("the compression cache's families are typed",
          types_after.get("prefect_filter_http_compression_cache_hits_total") == "counter"
          and types_after.get("prefect_filter_http_compression_cache_misses_total") == "counter"
          and types_after.get("prefect_filter_http_compression_cache_evictions_total") == "counter"
          and types_after.get("prefect_filter_http_compression_cache_bytes") == "gauge"
          and types_after.get("prefect_filter_http_compression_cache_entries") == "gauge", str(types_after))
    check("the same UI page three times: compressed once, then two cache hits",
          delta("prefect_filter_http_compression_cache_hits_total") >= 2
          and delta("prefect_filter_http_compression_cache_misses_total") >= 1,
          f"hits +{delta('prefect_filter_http_compression_cache_hits_total')} "
          f"misses +{delta('prefect_filter_http_compression_cache_misses_total')}")
    check("the cache holds it within its budget (16 MiB)",
          value(after, "prefect_filter_http_compression_cache_entries") >= 1
          and 0 < value(after, "prefect_filter_http_compression_cache_bytes") <= 16 << 20, "")
    check("pool gauges present", value(after, "prefect_filter_db_pool_connections") >= 1
          and ("prefect_filter_db_pool_waiters", frozenset()) in after, "")
    check("a validation error is counted by SQLSTATE", sum(v for (n, l), v in after.items()
                                                           if n == "prefect_filter_db_errors_total") >= 1)
    status, _, _ = metrics.request("POST", "/metrics", "")
    check("POST /metrics: 405", status == 405, str(status))
    status, _, _ = api.request("GET", "/metrics")
    check("the API listener does not serve /metrics", status == 404, str(status))
    finish()


if __name__ == "__main__":
    main()
