"""/healthz, /readyz and /metrics as the load balancer and Prometheus use them."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from simrenew.jobs.models import Job, JobStatus
from simrenew.ops.service import record_check
from simrenew.payments.models import WebhookInbox
from simrenew.renewals import leader
from simrenew.web.ops import metrics
from tests import factories

pytestmark = pytest.mark.django_db
TOKEN = "a-long-metrics-token-for-the-tests-0001"


@pytest.fixture(autouse=True)
def _fresh_scrape():
    metrics.DATABASE._cached = None


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def test_healthz_answers_without_the_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_the_database_and_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"] == {"ok": True, "ready_jobs": 0}
    assert "replica" not in body["checks"]  # none configured


def test_readyz_is_unavailable_when_the_database_is_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "DatabaseError"}


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_without_a_token_only_this_machine_may_scrape_and_never_in_production(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 401
    settings.PRODUCTION = True
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401


def test_metrics_count_what_the_database_holds(client, settings):
    settings.METRICS_TOKEN = TOKEN
    brand = factories.create_brand()
    line = factories.create_line(brand=brand)
    factories.post_credit(line, 5000)
    bundle = factories.create_bundle(brand, price_amount=1000)
    factories.place_order(customer=None, line=line, product=bundle, method="credit")
    now = timezone.now()
    WebhookInbox.objects.create(provider="mollie", provider_payment_id="tr_late")
    WebhookInbox.objects.filter(provider_payment_id="tr_late").update(received_at=now - timedelta(seconds=90))
    Job.objects.create(task_path="x.y", run_after=now - timedelta(seconds=30), enqueued_at=now, status=JobStatus.READY)
    Job.objects.create(task_path="x.y", run_after=now, enqueued_at=now, status=JobStatus.FAILED)
    record_check("ledger_verify", ok=False, detail="1 journal does not balance")
    assert leader.hold("node-a:1")

    found = scrape(client)

    assert found[("simrenew_database_up", ())] == 1
    assert found[("simrenew_orders", (("channel", "web"), ("status", "fulfilled")))] == 1
    assert found[("simrenew_webhooks_unprocessed", ())] == 1
    assert 89 <= found[("simrenew_webhook_lag_seconds", ())] <= 200
    assert found[("simrenew_jobs", (("queue", "default"), ("status", "FAILED")))] == 1
    assert found[("simrenew_jobs_due", ())] == 1
    assert found[("simrenew_jobs_due_age_seconds", ())] >= 29
    assert found[("simrenew_scheduler_has_leader", ())] == 1
    assert found[("simrenew_scheduler_leader", (("owner", "node-a:1"),))] == 1
    assert found[("simrenew_check_ok", (("check", "ledger_verify"),))] == 0
    assert found[("simrenew_check_age_seconds", (("check", "ledger_verify"),))] < 60


def test_request_latency_is_measured_by_route_not_path(client, settings):
    settings.METRICS_TOKEN = TOKEN
    client.get("/healthz")
    client.get("/en/orders/SR-NOPE-1/")
    client.get("/en/orders/SR-NOPE-2/")
    found = scrape(client)
    counts = {labels: value for (name, labels), value in found.items() if name.endswith("_duration_seconds_count")}
    health = dict(next(labels for labels in counts if ("route", "healthz") in labels))
    assert health == {"method": "GET", "route": "healthz", "status": "2xx"}
    order_routes = [dict(labels) for labels in counts if dict(labels)["route"] == "<lang>/orders/<str:number>/"]
    assert order_routes, counts.keys()  # one label value for every order number
    assert not any("SR-NOPE" in dict(labels)["route"] for labels in counts)


def test_a_scrape_reports_the_database_down_instead_of_failing(client, settings, monkeypatch):
    settings.METRICS_TOKEN = TOKEN

    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(metrics, "_database_metrics", broken)
    found = scrape(client)
    assert found[("simrenew_database_up", ())] == 0


def test_ledger_verify_keeps_its_outcome_for_the_metrics():
    from django.core.management import call_command

    from simrenew.ops.models import CheckRun

    line = factories.create_line()
    factories.post_credit(line, 1000)
    call_command("ledger", "verify")
    run = CheckRun.objects.get(name="ledger_verify")
    assert run.ok is True
    assert run.detail == ""


def test_the_grafana_dashboard_uses_only_metrics_we_export(client, settings):
    import json
    import re
    from pathlib import Path

    settings.METRICS_TOKEN = TOKEN
    client.get("/healthz")
    exported = set(
        re.findall(
            r"^# TYPE (\w+) ",
            client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode(),
            re.MULTILINE,
        )
    )
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json").read_text())
    used = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"simrenew_\w+", target["expr"])
    }
    assert used, "the dashboard has no simrenew metric"
    assert used <= exported, f"not exported: {sorted(used - exported)}"
