"""The POS benchmarks' load: tills selling top-ups through the HTTP API, HMAC-signed, one sale at a
time each, as a shop's terminal does."""

import json
import threading
import time
import uuid
from collections import Counter
from typing import Any

import requests
from pos_data import TOPUP


def _post_sale(session: requests.Session, port: int, client: dict[str, Any], number: str) -> requests.Response:
    from simrenew.terminals.signing import signed_headers

    body = json.dumps({"number": number, "topup_amount": TOPUP}).encode()
    headers = signed_headers(
        key_id=client["key_id"], secret=client["secret"], method="POST", url="/api/pos/sales", body=body
    )
    headers.update({"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"})
    return session.post(f"http://127.0.0.1:{port}/api/pos/sales", data=body, headers=headers, timeout=30)


def run_clients(*, port: int, clients: list[dict], seconds: float) -> tuple[list[float], int, int]:
    """Each client (till) sells to its lines in turn, one sale at a time, for `seconds`; returns the
    latencies of the sales answered 201, the number of other answers, and the number of sales."""
    latencies: list[float] = []
    errors = [0]
    guard = threading.Lock()
    stop_at = time.time() + seconds
    start = threading.Barrier(len(clients))

    def till(client: dict) -> None:
        session = requests.Session()
        mine: list[float] = []
        failed = 0
        n = client.get("next", 0)  # each phase goes on where the last left off: lines new to the server
        start.wait()
        while time.time() < stop_at:
            number = client["numbers"][n % len(client["numbers"])]
            n += 1
            client["next"] = n
            began = time.perf_counter()
            response = _post_sale(session, port, client, number)
            elapsed = time.perf_counter() - began
            if response.status_code == 201:
                mine.append(elapsed)
            else:
                failed += 1
        with guard:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=till, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], len(latencies)


def drain_float(*, port: int, clients: list[dict], limit: float = 60) -> tuple[Counter[int], int]:
    """The corner shop's tills sell until each has been refused twice; the statuses answered and what
    one sale takes from the float."""
    statuses: Counter[int] = Counter()
    per_sale = [0]
    guard = threading.Lock()
    stop_at = time.time() + limit

    def till(client: dict) -> None:
        session, refused, n = requests.Session(), 0, 0
        while refused < 2 and time.time() < stop_at:
            response = _post_sale(session, port, client, client["numbers"][n % len(client["numbers"])])
            n += 1
            refused += response.status_code == 409
            with guard:
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    per_sale[0] = response.json()["float_amount"]

    threads = [threading.Thread(target=till, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, per_sale[0]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
