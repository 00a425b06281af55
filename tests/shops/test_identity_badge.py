"""The shop desk's identification badge: green only when a record says when and how the holder was
identified (in person at which shop, itsme, eID card online, bank card); a clear, not green, state for a
line that is not identified, and for one marked identified with no record of it."""

import re
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import formats, timezone, translation

from simrenew.identity import service as identity
from simrenew.identity.models import DocumentType, IdentificationMethod
from simrenew.kit import clock
from simrenew.lines.models import IdentityStatus, Line
from tests.factories import create_line
from tests.shops.factories import create_shop, create_staff, eid_number, staff_client

pytestmark = pytest.mark.django_db
BADGE = re.compile(
    r'<p class="identity-state (?P<state>[\w-]+)"><strong class="(?P<classes>[^"]+)">(?P<label>[^<]+)</strong>'
    r"(?:\s*<span>— (?P<how>[^<]+)</span>)?"
)


@pytest.fixture
def shop():
    return create_shop("brussels-central", name="simrenew Brussels-Central")


@pytest.fixture
def desk(shop):
    return staff_client(create_staff(shop, email="lotte@staff.example"))


def badge(desk, line: Line) -> dict[str, str]:
    page = desk.get(f"/en/shop/lines/{line.pk}/")
    assert page.status_code == 200
    found = BADGE.search(page.content.decode())
    assert found is not None, "the line page shows no identification state"
    return {key: " ".join((value or "").split()) for key, value in found.groupdict().items()}


def day(at) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(at), "DATE_FORMAT")


def test_a_line_nobody_identified_is_shown_not_identified_and_not_green(desk):
    line = create_line()
    shown = badge(desk, line)
    assert shown == {
        "state": "unidentified",
        "classes": "status status-suspended",
        "label": "Not identified",
        "how": "",
    }
    page = desk.get(f"/en/shop/lines/{line.pk}/").content.decode()
    assert "Identify the holder" in page
    assert "Checked by" not in page


def test_a_holder_identified_at_a_shop_shows_when_and_at_which_shop(desk, shop):
    line = create_line()
    at = clock.now() - timedelta(days=90)
    with transaction.atomic():
        identity.identify_holder(
            line=line,
            document_type=DocumentType.BELGIAN_EID,
            document_number=eid_number(),
            nationality="BE",
            date_of_birth=date(1980, 6, 1),
            checked_by=create_staff(shop, email="karim@staff.example"),
            checked_where=f"shop:{shop.code}",
            checked_at=at,
        )
    assert badge(desk, line) == {
        "state": "identified",
        "classes": "status",
        "label": "Identified",
        "how": f"on {day(at)}, ID document checked in person at simrenew Brussels-Central",
    }
    page = desk.get(f"/en/shop/lines/{line.pk}/").content.decode()
    assert "karim@staff.example" in page and "•••••••••753" in page and "Belgian eID card" in page


@pytest.mark.parametrize(
    ("method", "data", "how"),
    [
        (IdentificationMethod.ITSME, {"nationality": "BE", "date_of_birth": date(1990, 1, 1)}, "with itsme"),
        (
            IdentificationMethod.EID_ONLINE,
            {"nationality": "BE", "date_of_birth": date(1990, 1, 1), "document_number": "591-1234567-53"},
            "online with the eID card and its PIN",
        ),
        (IdentificationMethod.BANK_CARD, {}, "by a payment with a Belgian bank card"),
    ],
)
def test_a_holder_identified_online_shows_when_and_how(desk, method, data, how):
    line = create_line()
    at = clock.now() - timedelta(days=400)
    with transaction.atomic():
        identity.identified_online(line=line, method=method, checked_at=at, **data)
    assert badge(desk, line) == {
        "state": "identified",
        "classes": "status",
        "label": "Identified",
        "how": f"on {day(at)}, {how}",
    }
    page = desk.get(f"/en/shop/lines/{line.pk}/").content.decode()
    assert "Checked by" not in page  # nobody at a counter looked at anything


def test_a_line_marked_identified_without_a_record_does_not_get_the_green_badge(desk):
    line = create_line()
    Line.objects.filter(pk=line.pk).update(identity_status=IdentityStatus.IDENTIFIED)
    shown = badge(desk, line)
    assert (shown["state"], shown["classes"], shown["label"]) == (
        "unrecorded",
        "status status-grace",
        "Identified, no record",
    )
    assert "no identification record says when or how" in shown["how"].lower()


def test_the_newest_identification_is_the_one_shown(desk, shop):
    line = create_line()
    first = clock.now() - timedelta(days=700)
    with transaction.atomic():
        identity.identified_online(line=line, method=IdentificationMethod.BANK_CARD, checked_at=first)
        identity.identified_online(
            line=line, method=IdentificationMethod.ITSME, nationality="FR", date_of_birth=date(2001, 3, 3)
        )
    shown = badge(desk, line)
    assert shown["how"].endswith("with itsme")
    assert day(first) not in shown["how"]
