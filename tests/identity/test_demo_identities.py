"""The demo's identification states are realistic and true: most holders identified (in person at a demo
shop by its staff, itsme, eID card online, bank card) with a record saying when and how, a few dozen not
identified, and no line marked identified without a record."""

import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from simrenew.demo.catalogue import BRANDS, DEMO_LINE, NOT_IDENTIFIED_LINES, demo_number
from simrenew.demo.management.commands import demo_identities
from simrenew.identity.models import Identification, IdentificationMethod
from simrenew.kit import clock
from simrenew.lines.models import IdentityStatus, Line
from simrenew.shops.models import StaffProfile


def test_of_the_thousand_demo_lines_a_few_dozen_are_not_identified():
    plans: Counter[str | None] = Counter()
    for spec in BRANDS:
        for index in range(1, 251):
            msisdn = demo_number(spec["code"], index)
            plans[demo_identities.planned_method(msisdn, random.Random(f"identity:{msisdn}"))] += 1
    assert sum(plans.values()) == 1000
    assert 24 <= plans[None] <= 60
    assert plans[IdentificationMethod.IN_PERSON] > 400
    assert all(plans[method] > 50 for method in IdentificationMethod.values)


@pytest.mark.django_db
def test_the_demo_records_how_each_identified_holder_was_identified():
    out = StringIO()
    call_command("demo_data", lines=40, stdout=out)
    # Before the shops exist, nobody is identified: no line pretends to be.
    assert not Line.objects.filter(identity_status=IdentityStatus.IDENTIFIED).exists()
    call_command("demo_offline", stdout=out)
    identified = Line.objects.filter(identity_status=IdentityStatus.IDENTIFIED)
    assert identified.count() == Identification.objects.values("line").distinct().count()
    assert not identified.filter(identifications__isnull=True).exists()
    assert Line.objects.filter(identity_status=IdentityStatus.UNIDENTIFIED, identifications__isnull=False).count() == 0
    for record in Identification.objects.select_related("line"):
        assert record.line.activated_at <= record.checked_at < clock.now()  # when the SIM was new
        if record.method == IdentificationMethod.IN_PERSON:
            profile = StaffProfile.objects.get(user=record.checked_by)
            assert record.checked_where == f"shop:{profile.shop.code}"
            assert record.document_type and record.document_number_encrypted
        else:
            assert record.checked_by is None and record.checked_where == ""
    assert Line.objects.get(msisdn=DEMO_LINE).identifications.get().method == IdentificationMethod.ITSME
    for code, index in NOT_IDENTIFIED_LINES:
        assert Line.objects.get(msisdn=demo_number(code, index)).identity_status == IdentityStatus.UNIDENTIFIED
    methods = set(Identification.objects.values_list("method", flat=True))
    assert methods == set(IdentificationMethod.values)
    # Run again: nothing new, nothing changed.
    before = list(Identification.objects.order_by("pk").values_list("pk", "line_id", "method", "checked_at"))
    call_command("demo_offline", stdout=out)
    assert list(Identification.objects.order_by("pk").values_list("pk", "line_id", "method", "checked_at")) == before


@pytest.mark.django_db
def test_older_demo_data_that_marked_every_line_identified_is_set_right():
    call_command("demo_data", lines=20, stdout=StringIO())
    Line.objects.update(identity_status=IdentityStatus.IDENTIFIED)  # as the demo data once did
    call_command("demo_offline", stdout=StringIO())
    assert not Line.objects.filter(identity_status=IdentityStatus.IDENTIFIED, identifications__isnull=True).exists()
    for code, index in NOT_IDENTIFIED_LINES:
        assert Line.objects.get(msisdn=demo_number(code, index)).identity_status == IdentityStatus.UNIDENTIFIED
