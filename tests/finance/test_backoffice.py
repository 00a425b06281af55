"""The reconciliation in the back office: finance runs a day, reads the differences and resolves one
with a recorded decision, once however often the form is sent; other roles cannot."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from simrenew.audit.models import AuditEntry
from simrenew.finance.models import Difference, ReconciliationRun, Resolution
from simrenew.kit import clock
from simrenew.sandbox import settlements as sandbox_settlements
from simrenew.staff.roles import CUSTOMER_SERVICE, FINANCE
from simrenew.terminals.idempotency import new_form_key
from tests import factories
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_runs_a_day_and_resolves_a_difference_once(pay):
    order = pay(line=factories.create_line(), amount=2000)
    payment_id = order.payments.get().provider_payment_id
    sandbox_settlements.plant_adjustment(payment_id, "fee", Decimal("0.25"))
    finance = create_staff_user(FINANCE)
    client = staff_session(finance)
    day = timezone.localdate(clock.now()).isoformat()

    page = client.get(reverse("backoffice:reconciliation"))
    assert page.status_code == 200 and "Reconcile this day" in page.text
    # The start page lists it once (the back office's menu in the header links it too).
    start = client.get(reverse("backoffice:home")).text.split('<main id="main"', 1)[1]
    assert start.count(reverse("backoffice:reconciliation")) == 1

    key = new_form_key()
    answers = [
        client.post(reverse("backoffice:reconciliation_run_day"), {"day": day, "form_key": key}) for _ in range(2)
    ]
    run = ReconciliationRun.objects.get()
    url = reverse("backoffice:reconciliation_run", kwargs={"run_id": run.pk})
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, url)] * 2
    assert run.runs == 1  # the second submission replayed the first

    detail = client.get(url)
    difference = Difference.objects.get()
    assert difference.cause == "fee_mismatch"
    assert payment_id in detail.text and "€0.64" in detail.text and "€0.39" in detail.text
    resolve_url = reverse("backoffice:reconciliation_resolve", kwargs={"difference_id": difference.pk})
    assert resolve_url in detail.text

    # No note: refused, nothing recorded.
    refused = client.post(resolve_url, {"resolution": Resolution.ACCEPTED, "note": " ", "form_key": new_form_key()})
    assert refused.status_code == 400 and "the note is required" in refused.text
    difference.refresh_from_db()
    assert difference.is_open

    key = new_form_key()
    body = {"resolution": Resolution.WRITTEN_OFF, "note": "Mollie's rate rose; claimed back", "form_key": key}
    answers = [client.post(resolve_url, body) for _ in range(3)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, url)}
    difference.refresh_from_db()
    assert (difference.resolution, difference.note, difference.resolved_by) == (
        Resolution.WRITTEN_OFF,
        "Mollie's rate rose; claimed back",
        finance,
    )
    assert AuditEntry.objects.filter(action="finance.difference_resolved").count() == 1
    assert "Written off" in client.get(url).text

    again = client.post(resolve_url, {**body, "form_key": new_form_key()})
    assert again.status_code == 409 and "already resolved" in again.text


def test_bad_dates_are_refused_and_change_nothing(site):
    client = staff_session(create_staff_user(FINANCE))
    for bad in ("31-03-2026", "\u0662\u0660\u0662\u0666-\u0660\u0663-\u0663\u0661", "2026-02-30", "2999-01-01", ""):
        answer = client.post(reverse("backoffice:reconciliation_run_day"), {"day": bad, "form_key": new_form_key()})
        assert answer.status_code == 400, bad
    assert ReconciliationRun.objects.count() == 0


def test_customer_service_may_not_open_the_reconciliation(site):
    client = staff_session(create_staff_user(CUSTOMER_SERVICE))
    assert client.get(reverse("backoffice:reconciliation")).status_code == 403
    assert reverse("backoffice:reconciliation") not in client.get(reverse("backoffice:home")).text
