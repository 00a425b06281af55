"""Prometheus metrics.

Two kinds:
- per process, measured as requests go by: request latency by route (a histogram). Under gunicorn
  every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (set by simrenew.gunicorn_conf) and a
  scrape adds them up, whichever worker answers it.
- read from the database when scraped: sales and payments by channel/method and status, webhook lag,
  queue depth and failed jobs, scheduler leadership and lag, ledger verify age and result. They are
  true for the whole cluster whichever node is scraped, and cost a few grouped counts per scrape
  (cached for SCRAPE_CACHE_SECONDS, so a dashboard and two Prometheus servers do not multiply them).
"""

import os
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from simrenew.jobs.models import Job, JobStatus
from simrenew.ops.models import CheckRun
from simrenew.orders.models import Order
from simrenew.payments.models import Payment, WebhookInbox
from simrenew.renewals import leader
from simrenew.renewals.models import JobWatermark

SCRAPE_CACHE_SECONDS = 10.0
# Buckets for a web request: most answer in milliseconds; a slow page or a provider call in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_LATENCY = Histogram(
    "simrenew_http_request_duration_seconds",
    "Time to answer a request, by route pattern (not the raw path: bounded label values), method and status class.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)


def observe_request(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    REQUEST_LATENCY.labels(
        route=route_of(request), method=request.method or "-", status=f"{response.status_code // 100}xx"
    ).observe(seconds)


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered, with the language prefix as `<lang>/`: one label value per page."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "unmatched"
    language, slash, rest = match.route.partition("/")
    return f"<lang>/{rest}" if slash and language in _LANGUAGES else match.route


_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class DatabaseCollector(Collector):
    """Metrics read from the database at scrape time (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > SCRAPE_CACHE_SECONDS:
                self._cached = (time.monotonic(), list(self._read()))
            return list(self._cached[1])

    def _read(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily("simrenew_database_up", "1 when the database answered this scrape's queries.")
        try:
            metrics = list(_database_metrics(now))
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics


def _database_metrics(now: datetime) -> Iterator[Metric]:
    orders = GaugeMetricFamily(
        "simrenew_orders",
        "Orders by channel and status (sales are orders of the offline channels).",
        labels=["channel", "status"],
    )
    for channel, status, n in (
        Order.objects.values_list("channel", "status").annotate(n=Count("pk")).values_list("channel", "status", "n")
    ):
        orders.add_metric([channel, status], n)
    yield orders

    payments = GaugeMetricFamily(
        "simrenew_payments", "Provider payments by method and status.", labels=["method", "status"]
    )
    for method, status, n in (
        Payment.objects.values_list("method", "status").annotate(n=Count("pk")).values_list("method", "status", "n")
    ):
        payments.add_metric([method, status], n)
    yield payments

    unprocessed = WebhookInbox.objects.filter(processed_at__isnull=True).aggregate(
        n=Count("pk"), oldest=Min("received_at")
    )
    backlog = GaugeMetricFamily("simrenew_webhooks_unprocessed", "Provider webhooks received and not processed yet.")
    backlog.add_metric([], unprocessed["n"])
    yield backlog
    lag = GaugeMetricFamily("simrenew_webhook_lag_seconds", "Age of the oldest unprocessed webhook (0 when none).")
    lag.add_metric([], (now - unprocessed["oldest"]).total_seconds() if unprocessed["oldest"] else 0.0)
    yield lag

    jobs = GaugeMetricFamily("simrenew_jobs", "Background jobs by queue and status.", labels=["queue", "status"])
    for queue, status, n in (
        Job.objects.values_list("queue_name", "status").annotate(n=Count("pk")).values_list("queue_name", "status", "n")
    ):
        jobs.add_metric([queue, status], n)
    yield jobs
    due = Job.objects.filter(status=JobStatus.READY, run_after__lte=now).aggregate(
        n=Count("pk"), oldest=Min("run_after")
    )
    depth = GaugeMetricFamily("simrenew_jobs_due", "Jobs ready and due now: the queue's depth.")
    depth.add_metric([], due["n"])
    yield depth
    waiting = GaugeMetricFamily(
        "simrenew_jobs_due_age_seconds", "How long the oldest due job has waited (0 when none)."
    )
    waiting.add_metric([], (now - due["oldest"]).total_seconds() if due["oldest"] else 0.0)
    yield waiting

    holder = leader.current_leader(now=now)
    leadership = GaugeMetricFamily(
        "simrenew_scheduler_leader", "1 for the scheduler that holds the leadership lease.", labels=["owner"]
    )
    if holder:
        leadership.add_metric([holder], 1)
    yield leadership
    has_leader = GaugeMetricFamily(
        "simrenew_scheduler_has_leader", "1 when some scheduler holds a live leadership lease."
    )
    has_leader.add_metric([], 1 if holder else 0)
    yield has_leader
    ticked = leader.last_tick()
    tick_age = GaugeMetricFamily("simrenew_scheduler_tick_age_seconds", "Time since the leader last queued a tick.")
    tick_age.add_metric([], (now - ticked).total_seconds() if ticked else float("inf"))
    yield tick_age
    job_lag = GaugeMetricFamily(
        "simrenew_scheduler_job_lag_seconds", "Time since a scheduled job last finished a run.", labels=["job"]
    )
    for name, finished in JobWatermark.objects.exclude(name=leader.LEADER).values_list("name", "last_finished_at"):
        if finished is not None:
            job_lag.add_metric([name], (now - finished).total_seconds())
    yield job_lag

    verify_age = GaugeMetricFamily(
        "simrenew_check_age_seconds", "Time since a periodic check last ran.", labels=["check"]
    )
    verify_ok = GaugeMetricFamily("simrenew_check_ok", "1 when the check's last run passed.", labels=["check"])
    for name, ran_at, ok in CheckRun.objects.values_list("name", "ran_at", "ok"):
        verify_age.add_metric([name], (now - ran_at).total_seconds())
        verify_ok.add_metric([name], 1 if ok else 0)
    yield verify_age
    yield verify_ok


DATABASE = DatabaseCollector()


def exposition() -> bytes:
    """The text a scrape gets: this node's processes' samples and the database's figures."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Process())
    registry.register(DATABASE)
    return generate_latest(registry)


class _Process(Collector):
    """Outside gunicorn (one process): the default registry's metrics."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
