"""`simrenew demo_identities`: how each demo line's holder was identified (run by `demo_offline`, once the
demo shops and their staff exist). Safe to re-run: a line with an identification keeps it.

Most holders were identified when they got the SIM: in person at a demo shop (an ID document checked by
its staff), with itsme, with the eID card online, or by paying with a Belgian bank card. A few dozen
lines are not identified, as new SIMs waiting for their holder to come to a shop.
"""

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from simrenew.customers.models import User
from simrenew.demo.catalogue import DEMO_LINE, NOT_IDENTIFIED_LINES, demo_number
from simrenew.identity import service as identity
from simrenew.identity.models import DocumentType, IdentificationMethod
from simrenew.kit import clock
from simrenew.lines.models import IdentityStatus, Line
from simrenew.shops.models import Shop

# (method, share of the demo lines); what is left over is not identified (about 4 %).
METHODS = [
    (IdentificationMethod.IN_PERSON, 0.56),
    (IdentificationMethod.ITSME, 0.20),
    (IdentificationMethod.EID_ONLINE, 0.10),
    (IdentificationMethod.BANK_CARD, 0.10),
]
# The holder's document when it was checked at a shop: (type, nationality, share).
DOCUMENTS = [
    (DocumentType.BELGIAN_EID, "BE", 0.75),
    (DocumentType.RESIDENCE_CARD, "MA", 0.08),
    (DocumentType.EU_ID_CARD, "NL", 0.07),
    (DocumentType.EU_ID_CARD, "FR", 0.05),
    (DocumentType.PASSPORT, "CN", 0.05),
]
# Named in the README and the banner: the demo customer's line was identified with itsme.
FIXED = {DEMO_LINE: IdentificationMethod.ITSME}


def eid_number(rng: random.Random) -> str:
    """A well-formed Belgian eID card number: ten digits and their mod-97 check."""
    base = rng.randint(590_000_000_0, 599_999_999_9)
    return f"{base:010d}{(base % 97) or 97:02d}"


def planned_method(msisdn: str, rng: random.Random) -> str | None:
    if msisdn in FIXED:
        return FIXED[msisdn]
    if msisdn in NOT_IDENTIFIED:
        return None
    draw = rng.random()
    for method, share in METHODS:
        if draw < share:
            return method
        draw -= share
    return None


def pick(rng: random.Random, weighted: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(weighted, weights=[row[-1] for row in weighted])[0]


NOT_IDENTIFIED = {demo_number(code, index) for code, index in NOT_IDENTIFIED_LINES}


class Command(BaseCommand):
    help = "Record how each demo line's holder was identified (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        counters = [
            (shop, list(User.objects.filter(shop_staff__shop=shop, shop_staff__active=True).order_by("pk")))
            for shop in Shop.objects.order_by("pk")
        ]
        counters = [(shop, staff) for shop, staff in counters if staff]
        counts: dict[str, int] = {}
        for line in Line.objects.filter(identifications__isnull=True).order_by("pk"):
            rng = random.Random(f"identity:{line.msisdn}")
            method = planned_method(line.msisdn, rng)
            if method == IdentificationMethod.IN_PERSON and not counters:
                method = None  # no demo shop yet: demo_offline runs this again once there is one
            if method is None:
                # Not identified, and not pretending to be (older demo data marked every line identified).
                if line.identity_status != IdentityStatus.UNIDENTIFIED:
                    Line.objects.filter(pk=line.pk).update(identity_status=IdentityStatus.UNIDENTIFIED)
                counts["not identified"] = counts.get("not identified", 0) + 1
                continue
            self._identify(line, method, rng, counters, now)
            counts[method] = counts.get(method, 0) + 1
        summary = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        self.stdout.write(f"demo identifications: {summary or 'nothing new'}")

    def _identify(
        self, line: Line, method: str, rng: random.Random, counters: list[tuple[Shop, list[User]]], now: datetime
    ) -> None:
        # At the SIM's activation or a few days after; never later than an hour ago.
        at = min(line.activated_at + timedelta(days=rng.randint(0, 3), minutes=rng.randint(0, 600)), now)
        at -= timedelta(hours=1) if at == now else timedelta(0)
        born = date(rng.randint(1948, 2006), rng.randint(1, 12), rng.randint(1, 28))
        if method == IdentificationMethod.IN_PERSON:
            shop, staff = counters[rng.randrange(len(counters))]
            document_type, nationality, _share = pick(rng, DOCUMENTS)
            number = (
                eid_number(rng)
                if document_type == DocumentType.BELGIAN_EID
                else f"{nationality}{rng.randint(1_000_000, 9_999_999)}"
            )
            identity.identify_holder(
                line=line,
                document_type=document_type,
                document_number=number,
                nationality=nationality,
                date_of_birth=born,
                checked_by=rng.choice(staff),
                checked_where=f"shop:{shop.code}",
                checked_at=at,
            )
        elif method == IdentificationMethod.EID_ONLINE:
            identity.identified_online(
                line=line,
                method=method,
                document_number=eid_number(rng),
                nationality="BE",
                date_of_birth=born,
                checked_at=at,
            )
        elif method == IdentificationMethod.ITSME:
            identity.identified_online(line=line, method=method, nationality="BE", date_of_birth=born, checked_at=at)
        else:
            identity.identified_online(line=line, method=method, checked_at=at)
