"""Prometheus metrics in the text exposition format (no extra dependency).

Request counters and latency are per process (each gunicorn worker reports its own; Prometheus sums
over the `instance`/`pid` label); outbox and worker figures come from the database and are global.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict

from flask import Flask, g, request

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_requests: dict[tuple[str, str, str], int] = defaultdict(int)
_latency_buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
_latency_sum: dict[str, float] = defaultdict(float)
_latency_count: dict[str, int] = defaultdict(int)


def _start():
    g._metrics_start = time.perf_counter()


def _finish(response):
    start = g.pop("_metrics_start", None)
    if start is None:
        return response
    elapsed = time.perf_counter() - start
    endpoint = request.url_rule.endpoint if request.url_rule else "unbekannt"
    with _lock:
        _requests[(request.method, endpoint, str(response.status_code))] += 1
        buckets = _latency_buckets[endpoint]
        for i, bound in enumerate(BUCKETS):
            if elapsed <= bound:
                buckets[i] += 1
        _latency_sum[endpoint] += elapsed
        _latency_count[endpoint] += 1
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render() -> str:
    from beteiligung.services.mail import counts
    from models import utcnow

    from .jobs import QUEUES, last_heartbeat, queue_counts

    pid = str(os.getpid())
    lines = [
        "# HELP beteiligung_http_requests_total Anfragen je Methode, Endpunkt und Status (dieser Prozess).",
        "# TYPE beteiligung_http_requests_total counter",
    ]
    with _lock:
        for (method, endpoint, status), n in sorted(_requests.items()):
            lines.append(
                f'beteiligung_http_requests_total{{method="{_label(method)}",endpoint="{_label(endpoint)}",'
                f'status="{status}",pid="{pid}"}} {n}'
            )
        lines += [
            "# HELP beteiligung_http_request_duration_seconds Antwortzeit je Endpunkt (dieser Prozess).",
            "# TYPE beteiligung_http_request_duration_seconds histogram",
        ]
        for endpoint in sorted(_latency_count):
            labels = f'endpoint="{_label(endpoint)}",pid="{pid}"'
            for bound, n in zip(BUCKETS, _latency_buckets[endpoint]):
                lines.append(f'beteiligung_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {n}')
            lines.append(
                f'beteiligung_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {_latency_count[endpoint]}'
            )
            lines.append(f"beteiligung_http_request_duration_seconds_sum{{{labels}}} {_latency_sum[endpoint]:.6f}")
            lines.append(f"beteiligung_http_request_duration_seconds_count{{{labels}}} {_latency_count[endpoint]}")
    mail = counts()
    lines += [
        "# HELP beteiligung_outbox_mails Mails im Postausgang je Status.",
        "# TYPE beteiligung_outbox_mails gauge",
    ]
    for status in ("wartend", "fehlgeschlagen", "versendet"):
        lines.append(f'beteiligung_outbox_mails{{status="{status}"}} {mail.get(status, 0)}')
    jobs = queue_counts()
    lines += [
        "# HELP beteiligung_jobs Jobs je Warteschlange (procrastinate) und Status; todo = Länge der Warteschlange.",
        "# TYPE beteiligung_jobs gauge",
    ]
    for queue in sorted(set(QUEUES) | {queue for queue, _status in jobs}):
        for status in ("todo", "doing", "succeeded", "failed", "cancelled", "aborted"):
            label = queue.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")  # Prometheus escaping
            lines.append(f'beteiligung_jobs{{queue="{label}",status="{status}"}} {jobs.get((queue, status), 0)}')
    seen = last_heartbeat()
    lines += [
        "# HELP beteiligung_worker_last_seen_seconds Sekunden seit dem letzten Lebenszeichen eines Workers.",
        "# TYPE beteiligung_worker_last_seen_seconds gauge",
        f"beteiligung_worker_last_seen_seconds {(utcnow() - seen).total_seconds() if seen else -1:.0f}",
    ]
    return "\n".join(lines) + "\n"
