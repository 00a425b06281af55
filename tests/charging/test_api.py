"""The Nchf-like charging API as the network calls it: signed requests, create / update / release,
repeated and out-of-order sequence numbers, and refusals that change nothing."""

import gc
import json
from typing import Any

import pytest
from django.test import Client

from simrenew.audit.models import AuditEntry
from simrenew.charging import clients
from simrenew.charging.auth import signed_headers
from simrenew.charging.models import MB_BYTES, ChargingSession, ClientNonce, Invocation, Reservation
from simrenew.ledger.models import Journal
from simrenew.lines import queries as line_queries
from tests.charging.helpers import create_rates
from tests.factories import create_brand, create_line

pytestmark = pytest.mark.django_db
BASE = "/api/nchf-convergedcharging/v3/chargingdata"


class Network:
    def __init__(self, client: Client) -> None:
        self.client = client
        found, self.secret = clients.register_client(name="SMF")
        self.key_id = found.key_id

    def post(self, url: str, body: Any, *, key: str | None = None, secret: str | None = None, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body).encode()
        headers = signed_headers(key_id=self.key_id, secret=secret or self.secret, method="POST", url=url, body=data)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(url, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def network(client):
    return Network(client)


@pytest.fixture
def line():
    brand = create_brand()
    create_rates(brand)
    return create_line(brand, credit=100)


def create_body(line, sequence=0, **units):
    return {
        "subscriberIdentifier": f"msisdn-{line.msisdn[1:]}",
        "nfConsumerIdentification": {"nodeFunctionality": "SMF"},
        "invocationSequenceNumber": sequence,
        "multipleUnitUsage": [{"ratingGroup": 10, "requestedUnit": {"totalVolume": units.get("data", MB_BYTES)}}],
    }


def used_body(sequence, used, requested=None):
    usage: dict[str, Any] = {"ratingGroup": 10, "usedUnitContainer": [{"totalVolume": used}]}
    if requested is not None:
        usage["requestedUnit"] = {"totalVolume": requested}
    return {"invocationSequenceNumber": sequence, "multipleUnitUsage": [usage]}


def nothing_changed(line, credit=100):
    assert line_queries.balances(line).credit_amount == credit
    assert Journal.objects.filter(kind="usage").count() == 0


def test_create_update_release(network, line):
    created = network.post(BASE, create_body(line, data=5 * MB_BYTES), key="s1")
    assert created.status_code == 201
    ref = created["Location"].rsplit("/", 1)[1]
    assert created["Location"] == f"{BASE}/{ref}"
    info = created.json()["multipleUnitInformation"][0]
    assert info["resultCode"] == "SUCCESS" and info["grantedUnit"] == {"totalVolume": 5 * MB_BYTES}
    assert info["validityTime"] > 0 and "finalUnitIndication" not in info
    updated = network.post(f"{BASE}/{ref}/update", used_body(1, 5 * MB_BYTES, 10 * MB_BYTES))
    assert updated.status_code == 200
    info = updated.json()["multipleUnitInformation"][0]
    # 100 c of credit at 10 c/MB: 5 MB used, 5 MB left to grant, and those are the last
    assert info["grantedUnit"] == {"totalVolume": 5 * MB_BYTES}
    assert info["finalUnitIndication"] == {"finalUnitAction": "TERMINATE"}
    released = network.post(f"{BASE}/{ref}/release", used_body(2, MB_BYTES))
    assert released.status_code == 204
    assert line_queries.balances(line).credit_amount == 100 - 60
    assert Reservation.objects.get(session__ref=ref).credit_amount == 0


def test_a_decision_runs_with_the_garbage_collector_held_off(network, line, monkeypatch):
    """A collection inside the transaction would stop every decision waiting for the line's lock."""
    from simrenew.charging import service

    seen = []
    for name in ("start", "report"):
        decide = getattr(service, name)
        monkeypatch.setattr(
            service, name, lambda *a, _decide=decide, **kw: seen.append(gc.isenabled()) or _decide(*a, **kw)
        )
    created = network.post(BASE, create_body(line), key="s1")
    network.post(created["Location"] + "/update", used_body(1, MB_BYTES // 2, MB_BYTES))
    assert seen == [False, False]
    assert gc.isenabled()


def test_the_same_request_again_gets_the_same_answer(network, line):
    created = network.post(BASE, create_body(line), key="s1")
    again = network.post(BASE, create_body(line), key="s1")
    assert (again.status_code, again.json(), again["Location"]) == (201, created.json(), created["Location"])
    assert ChargingSession.objects.count() == 1
    url = created["Location"] + "/update"
    first = network.post(url, used_body(1, MB_BYTES // 2, MB_BYTES))
    second = network.post(url, used_body(1, MB_BYTES // 2, MB_BYTES))
    assert second.status_code == 200 and second.json() == first.json()
    assert line_queries.balances(line).credit_amount == 95  # charged once


def test_out_of_order_and_reused_sequence_numbers_are_refused_and_change_nothing(network, line):
    created = network.post(BASE, create_body(line), key="s1")
    url = created["Location"] + "/update"
    skipped = network.post(url, used_body(3, MB_BYTES, MB_BYTES))
    assert skipped.status_code == 409 and skipped["Content-Type"] == "application/problem+json"
    assert skipped.json()["cause"] == "INVOCATION_SEQUENCE_NUMBER_OUT_OF_ORDER"
    assert "3" in skipped.json()["detail"] and "1" in skipped.json()["detail"]
    network.post(url, used_body(1, 0, MB_BYTES))
    reused = network.post(url, used_body(1, MB_BYTES, MB_BYTES))  # number 1 again, another request
    assert reused.status_code == 409 and reused.json()["cause"] == "INVOCATION_SEQUENCE_NUMBER_REUSED"
    other_body = network.post(BASE, create_body(line, data=2 * MB_BYTES), key="s1")
    assert other_body.status_code == 409
    nothing_changed(line)
    assert Invocation.objects.count() == 2


def test_a_bad_signature_is_refused_and_changes_nothing(network, line):
    refused = network.post(BASE, create_body(line), key="s1", secret="not-the-secret")
    assert refused.status_code == 401 and refused.json()["code"] == "network_auth_refused"
    assert ChargingSession.objects.count() == 0
    assert AuditEntry.objects.filter(action="charging.auth_refused").count() == 1
    nothing_changed(line)


def test_a_replayed_signed_request_is_refused(network, line):
    data = json.dumps(create_body(line)).encode()
    headers = signed_headers(key_id=network.key_id, secret=network.secret, method="POST", url=BASE, body=data)
    headers["Idempotency-Key"] = "s1"
    first = network.client.post(BASE, data=data, content_type="application/json", headers=headers)
    second = network.client.post(BASE, data=data, content_type="application/json", headers=headers)
    assert (first.status_code, second.status_code) == (201, 401)


def _signed(network, url, body):
    data = json.dumps(body).encode()
    return data, signed_headers(key_id=network.key_id, secret=network.secret, method="POST", url=url, body=data)


def _replays_refused(network) -> int:
    return AuditEntry.objects.filter(action="charging.auth_refused", details__reason="replayed").count()


@pytest.mark.django_db(transaction=True)  # real commits: the nonce is committed with its decision or after
def test_a_decisions_nonce_commits_with_it_and_a_replay_changes_nothing(network, line):
    created = network.post(BASE, create_body(line), key="s1")
    url = created["Location"] + "/update"
    data, headers = _signed(network, url, used_body(1, MB_BYTES // 2, MB_BYTES))
    first = network.client.post(url, data=data, content_type="application/json", headers=headers)
    replayed = network.client.post(url, data=data, content_type="application/json", headers=headers)
    assert (first.status_code, replayed.status_code) == (200, 401)
    assert replayed.json()["code"] == "network_auth_refused"
    assert ClientNonce.objects.count() == 2 and _replays_refused(network) == 1
    assert Invocation.objects.count() == 2
    assert line_queries.balances(line).credit_amount == 95  # charged once


@pytest.mark.django_db(transaction=True)
def test_a_refused_decision_still_uses_up_its_nonce(network, line):
    created = network.post(BASE, create_body(line), key="s1")
    # Refused in the decision's transaction (rolled back, its nonce with it): the nonce is recorded after.
    url = created["Location"] + "/update"
    data, headers = _signed(network, url, used_body(5, MB_BYTES, MB_BYTES))
    first = network.client.post(url, data=data, content_type="application/json", headers=headers)
    again = network.client.post(url, data=data, content_type="application/json", headers=headers)
    assert (first.status_code, again.status_code) == (409, 401)
    # Refused before its transaction began (bad input): the same.
    data, headers = _signed(network, BASE, dict(create_body(line), subscriberIdentifier="imsi-206011234567890"))
    headers["Idempotency-Key"] = "s2"
    first = network.client.post(BASE, data=data, content_type="application/json", headers=headers)
    again = network.client.post(BASE, data=data, content_type="application/json", headers=headers)
    assert (first.status_code, again.status_code) == (400, 401)
    assert ClientNonce.objects.count() == 3 and _replays_refused(network) == 2
    assert ChargingSession.objects.get().sequence == 0
    assert line_queries.balances(line).credit_amount == 100


def test_an_unknown_number_and_bad_input_get_clear_errors(network, line):
    unknown = dict(create_body(line), subscriberIdentifier="msisdn-32499999999")
    answer = network.post(BASE, unknown, key="u1")
    assert answer.status_code == 404 and answer.json()["cause"] == "USER_UNKNOWN"
    bad = dict(create_body(line), subscriberIdentifier="imsi-206011234567890")
    answer = network.post(BASE, bad, key="u2")
    assert answer.status_code == 400 and answer.json()["invalidParams"][0]["param"] == "subscriberIdentifier"
    fancy_digits = dict(create_body(line), subscriberIdentifier="msisdn-\uff13\uff12\uff14\uff17\uff10")
    assert network.post(BASE, fancy_digits, key="u3").status_code == 400
    group = dict(create_body(line), multipleUnitUsage=[{"ratingGroup": 99, "requestedUnit": {}}])
    answer = network.post(BASE, group, key="u4")
    assert answer.status_code == 400 and "ratingGroup" in answer.json()["invalidParams"][0]["param"]
    negative = dict(create_body(line), invocationSequenceNumber=-1)
    assert network.post(BASE, negative, key="u5").status_code == 422
    assert network.post(BASE, None, key="u6", raw=b"{not json").status_code == 400
    assert network.post(BASE, create_body(line)).status_code == 422  # no Idempotency-Key
    assert network.post(f"{BASE}/CDnope/update", used_body(1, 10)).status_code == 404
    assert ChargingSession.objects.count() == 0
    nothing_changed(line)


def test_openapi_documents_the_charging_api(client):
    schema = client.get("/api/openapi.json").json()
    paths = [path for path in schema["paths"] if "nchf-convergedcharging" in path]
    assert len(paths) == 3
    create = schema["paths"]["/api/nchf-convergedcharging/v3/chargingdata"]["post"]
    assert "201" in create["responses"]
