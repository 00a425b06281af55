"""Charging test helpers: a brand's rates, lines with a bundle, and calling the service as the API does."""

from datetime import datetime, timedelta

from django.db import transaction

from simrenew.charging import clients
from simrenew.charging import service as charging
from simrenew.charging.models import MB_BYTES, NetworkClient, Rate, RatingGroup
from simrenew.charging.service import Answer, UnitUse
from simrenew.kit import clock
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line
from tests.factories import create_bundle

# Cents per unit: data 10 c/MB, calls 12 c/min (per-minute rounding unless told), SMS 9 c.
DATA_PRICE, VOICE_PRICE, SMS_PRICE, ROAMING_PRICE = 10, 12, 9, 20


def create_rates(
    brand: object,
    *,
    valid_from: datetime | None = None,
    voice_rounding: int = 60,
    data_price: int = DATA_PRICE,
    fair_use_mb: int | None = 100,
) -> dict[int, Rate]:
    start = valid_from or clock.now() - timedelta(days=1)
    specs = [
        (RatingGroup.DATA, data_price, MB_BYTES, 1024, None),
        (RatingGroup.VOICE, VOICE_PRICE, 60, voice_rounding, None),
        (RatingGroup.SMS, SMS_PRICE, 1, 1, None),
        (RatingGroup.ROAMING_EU, ROAMING_PRICE, MB_BYTES, 1024, fair_use_mb * MB_BYTES if fair_use_mb else None),
    ]
    return {
        group: Rate.objects.create(
            brand=brand,
            rating_group=group,
            valid_from=start,
            price_amount=price,
            per_units=per,
            rounding_units=rounding,
            fair_use_units=fair_use,
        )
        for group, price, per, rounding, fair_use in specs
    }


def give_bundle(
    line: Line, *, data_mb: int | None = 100, minutes: int | None = 10, sms: int | None = 5
) -> BundlePeriod:
    product = create_bundle(line.brand, data_mb=data_mb, voice_minutes=minutes, sms_count=sms)
    with transaction.atomic():
        return lines.add_bundle_period(line=line, product=product, order_id=None)


def network_client() -> NetworkClient:
    client, _ = clients.register_client(name="test SMF")
    return client


class Session:
    """One charging session driven through the service, numbering its requests as the network does."""

    def __init__(self, client: NetworkClient, line: Line) -> None:
        self.client, self.line, self.sequence, self.ref = client, line, 0, ""
        self.key = f"k-{id(self)}-{clock.now().timestamp()}"

    def start(self, **requested: int) -> Answer:
        with transaction.atomic():
            answer = charging.start(
                client=self.client,
                client_key=self.key,
                msisdn=self.line.msisdn,
                sequence=0,
                request_hash=f"h0-{self.key}",
                uses=uses(requested=requested),
            )
            charging.remember(
                session=answer.session, sequence=0, request_hash=f"h0-{self.key}", status_code=201, body={}
            )
        self.ref = answer.session.ref
        return answer

    def update(self, used: dict[str, int], final: bool = False, **requested: int) -> Answer:
        self.sequence += 1
        with transaction.atomic():
            answer = charging.report(
                client=self.client,
                ref=self.ref,
                sequence=self.sequence,
                request_hash=f"h{self.sequence}",
                uses=uses(used=used, requested={} if final else requested),
                final=final,
            )
            charging.remember(
                session=answer.session,
                sequence=self.sequence,
                request_hash=f"h{self.sequence}",
                status_code=200,
                body={},
            )
        return answer

    def release(self, **used: int) -> Answer:
        return self.update(used, final=True)


GROUPS = {
    "data": RatingGroup.DATA,
    "voice": RatingGroup.VOICE,
    "sms": RatingGroup.SMS,
    "roaming": RatingGroup.ROAMING_EU,
}


def uses(*, used: dict[str, int] | None = None, requested: dict[str, int] | None = None) -> list[UnitUse]:
    used, requested = used or {}, requested or {}
    return [
        UnitUse(GROUPS[name], used.get(name, 0), requested.get(name)) for name in sorted(set(used) | set(requested))
    ]


def granted(answer: Answer) -> dict[str, int]:
    names = {group: name for name, group in GROUPS.items()}
    return {names[RatingGroup(grant.rating_group)]: grant.granted for grant in answer.grants}
