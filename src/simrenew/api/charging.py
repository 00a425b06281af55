"""The network's converged charging API, modelled on 3GPP TS 32.291 Nchf_ConvergedCharging v3:

    POST …/nchf-convergedcharging/v3/chargingdata                 create: 201, Location: …/chargingdata/{ref}
    POST …/nchf-convergedcharging/v3/chargingdata/{ref}/update    units used and new units asked for
    POST …/nchf-convergedcharging/v3/chargingdata/{ref}/release   the final units used: 204

Requests are HMAC-signed by a network client (charging.auth). A request sent again with the same
invocationSequenceNumber (and, for create, the same Idempotency-Key) gets the answer it got the first
time; a number out of order gets a 409. Refusals are application/problem+json with a 3GPP `cause`.
Rating groups: 10 data (totalVolume, bytes), 20 calls (time, seconds), 30 SMS (serviceSpecificUnits,
events), 40 EU roaming data (totalVolume, bytes).
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from simrenew.charging import service as charging
from simrenew.charging.auth import NetworkSignature
from simrenew.charging.errors import BadChargingRequest, ChargingProblem, CreateReused, UserUnknown
from simrenew.charging.models import NetworkClient, RatingGroup
from simrenew.charging.service import UnitGrant, UnitUse
from simrenew.kit import clock
from simrenew.kit.collector import collector_held_off
from simrenew.kit.errors import DomainError
from simrenew.kit.parse import is_ascii_digits
from simrenew.kit.phone import normalize_msisdn
from simrenew.terminals.auth import NonceReplayed, record_pending_nonce, refuse_replayed
from simrenew.terminals.idempotency import IDEMPOTENCY_KEY

router = Router(tags=["charging (Nchf)"], auth=NetworkSignature())

PREFIX = "/nchf-convergedcharging/v3/chargingdata"
UINT32 = 2**32 - 1
UNITS = Field(None, ge=0, le=2**53)
UNIT_FIELD = {
    RatingGroup.DATA: "total_volume",
    RatingGroup.ROAMING_EU: "total_volume",
    RatingGroup.VOICE: "time",
    RatingGroup.SMS: "service_specific_units",
}
UNIT_NAME = {"total_volume": "totalVolume", "time": "time", "service_specific_units": "serviceSpecificUnits"}


class Units(Schema):
    time: int | None = Field(None, ge=0, le=2**53, description="seconds (calls)")
    total_volume: int | None = Field(None, alias="totalVolume", ge=0, le=2**53, description="bytes (data)")
    service_specific_units: int | None = Field(
        None, alias="serviceSpecificUnits", ge=0, le=2**53, description="events (SMS)"
    )


class UsedUnitContainer(Units):
    local_sequence_number: int | None = Field(None, alias="localSequenceNumber", ge=0, le=UINT32)


class MultipleUnitUsage(Schema):
    rating_group: int = Field(alias="ratingGroup", ge=0, le=UINT32)
    requested_unit: Units | None = Field(
        None, alias="requestedUnit", description="units asked for; empty: the usual quota; absent: none"
    )
    used_unit_container: list[UsedUnitContainer] = Field(default_factory=list, alias="usedUnitContainer", max_length=32)


class ChargingDataRequest(Schema):
    subscriber_identifier: str | None = Field(
        None,
        alias="subscriberIdentifier",
        max_length=40,
        description='"msisdn-" and the number, e.g. msisdn-32470123456',
    )
    nf_consumer_identification: dict[str, Any] | None = Field(None, alias="nfConsumerIdentification")
    invocation_time_stamp: datetime | None = Field(None, alias="invocationTimeStamp")
    invocation_sequence_number: int = Field(alias="invocationSequenceNumber", ge=0, le=UINT32)
    multiple_unit_usage: list[MultipleUnitUsage] = Field(default_factory=list, alias="multipleUnitUsage", max_length=16)


class FinalUnitIndication(Schema):
    final_unit_action: str = Field(alias="finalUnitAction", description="TERMINATE")


class MultipleUnitInformation(Schema):
    result_code: str = Field(alias="resultCode")
    rating_group: int = Field(alias="ratingGroup")
    granted_unit: Units = Field(alias="grantedUnit")
    validity_time: int = Field(alias="validityTime", description="seconds the granted units are valid")
    final_unit_indication: FinalUnitIndication | None = Field(None, alias="finalUnitIndication")


class ChargingDataResponse(Schema):
    invocation_time_stamp: datetime = Field(alias="invocationTimeStamp")
    invocation_sequence_number: int = Field(alias="invocationSequenceNumber")
    multiple_unit_information: list[MultipleUnitInformation] = Field(alias="multipleUnitInformation")


class ProblemDetails(Schema):
    type: str
    title: str
    status: int
    detail: str
    cause: str
    invalid_params: list[dict[str, str]] | None = Field(None, alias="invalidParams")


class ErrorOut(Schema):
    code: str
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


ERRORS: dict[int, Any] = {
    400: ProblemDetails,
    401: ErrorOut,
    403: ProblemDetails,
    404: ProblemDetails,
    409: ProblemDetails,
    422: ValidationErrorOut,
}


def problem(error: DomainError, invalid: list[dict[str, str]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": error.code,
        "status": error.status,
        "detail": str(error),
        "cause": getattr(error, "cause", "CHARGING_FAILED")
        if isinstance(error, ChargingProblem)
        else error.code.upper(),
    }
    if invalid:
        body["invalidParams"] = invalid
    return HttpResponse(json.dumps(body), status=error.status, content_type="application/problem+json")


def _json(status: int, body: Any, location: str = "") -> HttpResponse:
    if status == 204:
        response = HttpResponse(status=204)
    else:
        response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if location:
        response["Location"] = location
    return response


def _hash(operation: str, request: HttpRequest) -> str:
    return hashlib.sha256(operation.encode() + b"\n" + request.body).hexdigest()


def _uses(data: ChargingDataRequest) -> list[UnitUse]:
    items: list[tuple[int, int, int | None]] = []
    for index, usage in enumerate(data.multiple_unit_usage):
        if usage.rating_group not in RatingGroup.values:
            raise _Invalid(f"multipleUnitUsage/{index}/ratingGroup", "not a rating group of ours (10, 20, 30, 40)")
        unit = UNIT_FIELD[RatingGroup(usage.rating_group)]
        used = sum(getattr(container, unit) or 0 for container in usage.used_unit_container)
        requested = None
        if usage.requested_unit is not None:
            requested = getattr(usage.requested_unit, unit) or 0  # 0: the usual quota
        items.append((usage.rating_group, used, requested))
    return charging.uses_of(items)


class _Invalid(Exception):
    def __init__(self, param: str, reason: str) -> None:
        self.param, self.reason = param, reason


def _msisdn(subscriber: str | None) -> str:
    """The subscriber's number in E.164 (the line itself is found under its lock, by the service)."""
    text = (subscriber or "").strip()
    if not text.startswith("msisdn-") or not is_ascii_digits(text[7:]):
        raise _Invalid("subscriberIdentifier", 'give the number as "msisdn-" and its digits, e.g. msisdn-32470123456')
    try:
        return normalize_msisdn("+" + text[7:])
    except DomainError as error:  # not a number any line could have
        raise UserUnknown() from error


def _information(grant: UnitGrant) -> dict[str, Any]:
    info: dict[str, Any] = {
        "resultCode": grant.result_code,
        "ratingGroup": grant.rating_group,
        "grantedUnit": {UNIT_NAME[UNIT_FIELD[RatingGroup(grant.rating_group)]]: grant.granted},
        "validityTime": charging.validity_seconds(),
    }
    if grant.final:
        info["finalUnitIndication"] = {"finalUnitAction": "TERMINATE"}
    return info


def _response_body(sequence: int, grants: list[UnitGrant]) -> dict[str, Any]:
    return {
        "invocationTimeStamp": clock.now().isoformat().replace("+00:00", "Z"),
        "invocationSequenceNumber": sequence,
        "multipleUnitInformation": [_information(grant) for grant in grants],
    }


def _refused(request: HttpRequest, run: Any) -> HttpResponse:
    """Run an operation; refusals become problem+json and change nothing (its transaction rolled back).
    A replayed request is refused as authentication refuses (401), its transaction rolled back too."""
    try:
        result: HttpResponse = run()
        return result
    except _Invalid as invalid:
        return problem(BadChargingRequest(), [{"param": invalid.param, "reason": invalid.reason}])
    except DomainError as error:
        return problem(error)
    except NonceReplayed:
        raise refuse_replayed(request) from None


@router.post(
    "/chargingdata",
    response={201: ChargingDataResponse, **ERRORS},
    by_alias=True,
    summary="Create a charging session with its first request (Nchf ChargingDataRequest)",
)
def create(request: HttpRequest, data: ChargingDataRequest, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    client: NetworkClient = request.auth  # type: ignore[attr-defined]

    def run() -> HttpResponse:
        sequence = data.invocation_sequence_number
        request_hash = _hash("create", request)
        try:
            with collector_held_off(), transaction.atomic():
                # First: a replay is refused as one (before what it asks is looked at), and changes
                # nothing; a decision commits once, its nonce with it.
                record_pending_nonce(request)
                msisdn, uses = _msisdn(data.subscriber_identifier), _uses(data)
                answer = charging.start(
                    client=client,
                    client_key=idempotency_key,
                    msisdn=msisdn,
                    sequence=sequence,
                    request_hash=request_hash,
                    uses=uses,
                )
                location = f"{request.path.rstrip('/')}/{answer.session.ref}"
                if answer.replay is not None:
                    return _json(answer.replay.status_code, answer.replay.body, location)
                body = _response_body(sequence, answer.grants)
                charging.remember(
                    session=answer.session, sequence=sequence, request_hash=request_hash, status_code=201, body=body
                )
        except IntegrityError as error:  # the same key at the same moment for another number
            raise CreateReused() from error
        return _json(201, body, location)

    return _refused(request, run)


def _report(request: HttpRequest, ref: str, data: ChargingDataRequest, *, final: bool) -> HttpResponse:
    client: NetworkClient = request.auth  # type: ignore[attr-defined]

    def run() -> HttpResponse:
        sequence = data.invocation_sequence_number
        request_hash = _hash("release" if final else "update", request)
        with collector_held_off(), transaction.atomic():
            record_pending_nonce(request)
            uses = _uses(data)
            answer = charging.report(
                client=client, ref=ref, sequence=sequence, request_hash=request_hash, uses=uses, final=final
            )
            if answer.replay is not None:
                return _json(answer.replay.status_code, answer.replay.body)
            status, body = (204, None) if final else (200, _response_body(sequence, answer.grants))
            charging.remember(
                session=answer.session, sequence=sequence, request_hash=request_hash, status_code=status, body=body
            )
        return _json(status, body)

    return _refused(request, run)


@router.post(
    "/chargingdata/{ref}/update",
    response={200: ChargingDataResponse, **ERRORS},
    by_alias=True,
    summary="Report units used and ask for more (Nchf ChargingDataRequest)",
)
def update(request: HttpRequest, ref: str, data: ChargingDataRequest) -> HttpResponse:
    return _report(request, ref[:40], data, final=False)


@router.post(
    "/chargingdata/{ref}/release",
    response={204: None, **ERRORS},
    summary="End the session with the final units used; what was held and not used returns",
)
def release(request: HttpRequest, ref: str, data: ChargingDataRequest) -> HttpResponse:
    return _report(request, ref[:40], data, final=True)
