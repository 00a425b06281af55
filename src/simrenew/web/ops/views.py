"""/healthz: the process answers (the load balancer's liveness check, no database).
/readyz: this node can serve: the database answers, the job queue is readable, and how far the read
replica lags (a replica that lags or is down does not make the node unready: reads fall back to the
primary, simrenew.kit.dbrouter). /metrics: Prometheus, with a bearer token (METRICS_TOKEN)."""

import hmac
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from simrenew.jobs.models import Job, JobStatus
from simrenew.kit import dbrouter
from simrenew.web.ops import metrics

LOOPBACK = {"127.0.0.1", "::1"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, object] = {}
    ready = True
    started = time.monotonic()
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except DatabaseError as exc:
        ready = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if ready:
        try:
            due = Job.objects.filter(status=JobStatus.READY).count()
            checks["queue"] = {"ok": True, "ready_jobs": due}
        except DatabaseError as exc:
            ready = False
            checks["queue"] = {"ok": False, "error": type(exc).__name__}
    if dbrouter.replica_configured():
        state = dbrouter.replica_state(fresh=True)
        checks["replica"] = {"ok": state.usable, "lag_seconds": state.lag_seconds, "reason": state.reason}
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        response = HttpResponse("metrics need a bearer token\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: HttpRequest) -> bool:
    """With METRICS_TOKEN set, a matching `Authorization: Bearer` header; without it (the demo only:
    production refuses to start without one), requests from this machine."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())
    return not settings.PRODUCTION and request.META.get("REMOTE_ADDR") in LOOPBACK
