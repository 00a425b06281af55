"""`simrenew network simulate`: the mobile network, played for the demo. Runs realistic charging sessions
(data, calls, SMS, some EU roaming) for demo lines against the charging API over HTTP, signed as the
network client `NF-SIMULATOR` (registered if missing), and prints what each session used and what the
line has left, so that allowances fall in My account and notices arrive in the dev outbox."""

import json
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.charging import clients
from simrenew.charging.auth import CLIENT_HEADER
from simrenew.charging.clients import SIMULATOR_KEY
from simrenew.charging.models import MB_BYTES, NetworkClient, RatingGroup
from simrenew.kit import clock
from simrenew.kit.errors import DomainError
from simrenew.kit.phone import format_msisdn
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line, LineStatus, PeriodStatus
from simrenew.terminals import signing

API_PATH = "/api/nchf-convergedcharging/v3/chargingdata"
UNIT_FIELD = {
    RatingGroup.DATA: "totalVolume",
    RatingGroup.ROAMING_EU: "totalVolume",
    RatingGroup.VOICE: "time",
    RatingGroup.SMS: "serviceSpecificUnits",
}
# What the network asks for at a time: 10 MB of data, 5 minutes of a call, one SMS.
QUOTA = {
    RatingGroup.DATA: 10 * MB_BYTES,
    RatingGroup.ROAMING_EU: 10 * MB_BYTES,
    RatingGroup.VOICE: 300,
    RatingGroup.SMS: 1,
}
NODE = {RatingGroup.DATA: "SMF", RatingGroup.ROAMING_EU: "SMF", RatingGroup.VOICE: "IMS", RatingGroup.SMS: "SMSF"}
# How often each kind of session happens: mostly data, then calls, SMS, and now and then roaming in the EU.
MIX = [(RatingGroup.DATA, 45), (RatingGroup.VOICE, 30), (RatingGroup.SMS, 15), (RatingGroup.ROAMING_EU, 10)]


class NetworkError(Exception):
    """The charging API could not be reached or answered what a network cannot go on with."""


@dataclass
class Outcome:
    used: int = 0
    requests: int = 0
    stopped: str = ""  # why the session ended before its use was done ("" when it was not cut short)


class ChargingApi:
    """A network function's side of the charging API: signed JSON requests over HTTP."""

    def __init__(self, base_url: str, key_id: str, secret: str, timeout: float = 10.0) -> None:
        self.base, self.key_id, self.secret, self.timeout = base_url.rstrip("/"), key_id, secret, timeout

    def post(self, path: str, body: dict[str, Any], *, key: str = "") -> tuple[int, dict[str, Any], str]:
        """(status, JSON body or {}, Location) of a signed POST."""
        data = json.dumps(body).encode()
        # Signed at the server's time (the demo clock may be ahead), as the server checks it.
        headers = signing.signed_headers(
            key_id=self.key_id,
            secret=self.secret,
            method="POST",
            url=path,
            body=data,
            timestamp=int(clock.now().timestamp()),
        )
        headers[CLIENT_HEADER] = headers.pop("X-Terminal-Id")
        headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                problem = json.loads(raw) if raw else {}
            except ValueError:
                problem = {"detail": raw[:200].decode(errors="replace")}
            return error.code, problem, ""
        except (urllib.error.URLError, OSError) as error:
            raise NetworkError(f"cannot reach {self.base}: {getattr(error, 'reason', error)}") from error


def _usage(group: int, *, used: int | None = None, requested: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"ratingGroup": int(group)}
    if used is not None:
        item["usedUnitContainer"] = [{UNIT_FIELD[RatingGroup(group)]: used}]
    if requested is not None:
        item["requestedUnit"] = {UNIT_FIELD[RatingGroup(group)]: requested}
    return item


def _granted(group: int, body: dict[str, Any]) -> tuple[int, bool, str]:
    """(units granted, whether they are the last, result code) of an answer for `group`."""
    for info in body.get("multipleUnitInformation", []):
        if info.get("ratingGroup") == group:
            units = int((info.get("grantedUnit") or {}).get(UNIT_FIELD[RatingGroup(group)], 0))
            return units, "finalUnitIndication" in info, str(info.get("resultCode", ""))
    return 0, True, "NO_ANSWER"


def run_session(api: ChargingApi, line: Line, group: int, wanted: int) -> Outcome:
    """One session as the network runs it: ask for a quota, use it, report and ask again until `wanted`
    units are used or nothing more is granted, then release with the last units used."""
    outcome = Outcome()
    quota = QUOTA[RatingGroup(group)]
    body: dict[str, Any] = {
        "subscriberIdentifier": f"msisdn-{line.msisdn.lstrip('+')}",
        "nfConsumerIdentification": {"nodeFunctionality": NODE[RatingGroup(group)]},
        "invocationSequenceNumber": 0,
        "multipleUnitUsage": [_usage(group, requested=min(quota, wanted))],
    }
    status, answer, location = api.post(API_PATH, body, key=f"sim-{uuid.uuid4().hex}")
    outcome.requests += 1
    if status != 201:
        outcome.stopped = f"refused ({status} {answer.get('cause') or answer.get('code') or ''})".strip()
        return outcome
    path = urlsplit(location).path or f"{API_PATH}/{location.rsplit('/', 1)[-1]}"
    granted, final, code = _granted(group, answer)
    sequence = 0
    while True:
        use = min(granted, wanted - outcome.used)
        outcome.used += use
        sequence += 1
        more = outcome.used < wanted and not final and granted > 0
        if not more:
            if outcome.used < wanted:
                outcome.stopped = "nothing left to grant" if code != "SUCCESS" or final else code
            body = {"invocationSequenceNumber": sequence, "multipleUnitUsage": [_usage(group, used=use)]}
            status, answer, _ = api.post(f"{path}/release", body)
            outcome.requests += 1
            if status != 204:
                outcome.stopped = f"release refused ({status} {answer.get('cause', '')})"
            return outcome
        body = {
            "invocationSequenceNumber": sequence,
            "multipleUnitUsage": [_usage(group, used=use, requested=min(quota, wanted - outcome.used))],
        }
        status, answer, _ = api.post(f"{path}/update", body)
        outcome.requests += 1
        if status != 200:
            outcome.stopped = f"update refused ({status} {answer.get('cause', '')})"
            return outcome
        granted, final, code = _granted(group, answer)


def wanted_units(group: int, rng: random.Random) -> int:
    """How much one session uses: a few MB to tens of MB of data, a call of seconds to minutes, one SMS."""
    if group == RatingGroup.DATA:
        return int(rng.lognormvariate(2.3, 1.0) * MB_BYTES)
    if group == RatingGroup.ROAMING_EU:
        return int(rng.lognormvariate(1.8, 0.8) * MB_BYTES)
    if group == RatingGroup.VOICE:
        return max(5, int(rng.lognormvariate(4.3, 0.9)))
    return 1


def describe(group: int, units: int) -> str:
    if group in (RatingGroup.DATA, RatingGroup.ROAMING_EU):
        return f"{units / MB_BYTES:.1f} MB"
    if group == RatingGroup.VOICE:
        return f"{units // 60}:{units % 60:02d} min"
    return f"{units} SMS"


def line_state(line: Line) -> str:
    period = line_queries.current_period(line)
    balances = line_queries.balances(line)
    credit = f"credit {balances.credit_amount / 100:.2f} EUR"
    if period is None:
        return f"no bundle, {credit}"

    def left(value: int | None, unit: str) -> str:
        return "unlimited" if value is None else f"{value} {unit}"

    return (
        f"left: data {left(period.data_mb_left, 'MB')}, calls {left(period.voice_minutes_left, 'min')}, "
        f"SMS {left(period.sms_left, '')}".rstrip()
        + f"; {credit}"
    )


class Command(BaseCommand):
    help = (
        "The mobile network for the demo: `simrenew network simulate` runs data sessions, calls, SMS and some "
        "EU roaming for demo lines against the charging API over HTTP, and prints what each used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["simulate"])
        parser.add_argument("--url", default="", help="the server's address (default: SITE_URL)")
        parser.add_argument("--sessions", type=int, default=0, help="stop after this many sessions (default 20)")
        parser.add_argument("--duration", type=float, default=0, help="or run for this many seconds")
        parser.add_argument(
            "--number", action="append", default=[], help="a line to use (repeat for more); default: demo lines"
        )
        parser.add_argument("--lines", type=int, default=4, help="how many demo lines when no --number (default 4)")
        parser.add_argument("--pace", type=float, default=1.0, help="seconds between sessions (default 1)")
        parser.add_argument("--seed", type=int, default=None, help="repeat the same sessions")

    def handle(self, *args: Any, **options: Any) -> None:
        base = (options["url"] or settings.SITE_URL).rstrip("/")
        if urlsplit(base).scheme not in ("http", "https"):
            raise CommandError(f"--url must be an http(s) address, not {base!r}")
        if options["sessions"] < 0 or options["duration"] < 0 or options["pace"] < 0 or options["lines"] < 1:
            raise CommandError("--sessions, --duration and --pace cannot be negative, --lines is at least 1")
        lines = self._lines(options["number"], options["lines"])
        client, secret, created = self._client()
        api = ChargingApi(base, client.key_id, secret)
        rng = random.Random(options["seed"])
        limit = options["sessions"] or (0 if options["duration"] else 20)
        deadline = time.monotonic() + options["duration"] if options["duration"] else None
        self.stdout.write(
            f"network simulator: {base}{API_PATH} as network client {client.key_id}"
            f"{' (registered now)' if created else ''}; "
            + (f"{limit} sessions" if limit else f"for {options['duration']:g} s")
            + " on "
            + ", ".join(format_msisdn(line.msisdn) for line in lines)
        )
        done = used_up = 0
        while (not limit or done < limit) and (deadline is None or time.monotonic() < deadline):
            line = rng.choice(lines)
            group = rng.choices([group for group, _ in MIX], weights=[weight for _, weight in MIX])[0]
            wanted = wanted_units(group, rng)
            try:
                outcome = run_session(api, line, group, wanted)
            except NetworkError as error:
                raise CommandError(f"{error} (is the server running? make demo starts it)") from error
            done += 1
            used_up += bool(outcome.stopped)
            label = RatingGroup(group).label
            note = f" (wanted {describe(group, wanted)}: {outcome.stopped})" if outcome.stopped else ""
            self.stdout.write(
                f"{clock.now():%H:%M:%S} {format_msisdn(line.msisdn)}  {label}: {describe(group, outcome.used)} "
                f"in {outcome.requests} requests{note} -> {line_state(line)}"
            )
            if options["pace"] and (not limit or done < limit):
                time.sleep(options["pace"])
        self.stdout.write(
            f"network simulator: {done} sessions, {used_up} cut short when nothing was left; "
            "see My account and the dev outbox"
        )

    def _client(self) -> tuple[NetworkClient, str, bool]:
        client, registered = clients.simulator()
        if not client.active:
            raise CommandError(f"the network client {SIMULATOR_KEY} is switched off in the back office")
        return client, clients.secret_of(client), registered

    def _lines(self, numbers: list[str], count: int) -> list[Line]:
        if numbers:
            found = []
            for number in numbers:
                try:
                    found.append(line_queries.line_by_number(number))
                except DomainError as error:
                    raise CommandError(f"{number}: {error}") from error
            return found
        active = Line.objects.filter(status=LineStatus.ACTIVE).select_related("brand")
        # The lines customers hold come first (the demo customer's among them), then lines with a bundle.
        held = list(active.filter(links__isnull=False).order_by("links__linked_at", "pk").distinct()[:count])
        more = active.exclude(pk__in=[line.pk for line in held]).filter(periods__status=PeriodStatus.ACTIVE).distinct()
        lines = held + list(more.order_by("pk")[: count - len(held)])
        if not lines:
            raise CommandError("no active demo lines: load them with `simrenew demo_data` first")
        return lines
