"""A job worker with one fault planted, for the fault tests: `python -m tests.faults.faulty_worker FAULT`.

Faults (each strikes once, at the worst moment):
- die-in-fulfilment: SIGKILL after the order's fulfilment is written, before it commits;
- die-in-confirmation: SIGKILL after the confirmation e-mail went out, before it is marked sent;
- die-in-webhook-delivery: SIGKILL after the sandbox posted its webhook, before it recorded the call;
- status-fails-twice: the provider's status call fails twice as if Mollie were unreachable;
- drop-connection: the database connection is terminated in the middle of the webhook job;
- none: a healthy worker.
"""

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import django


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _after(module: Any, name: str, then: Callable[[], None]) -> None:
    original = getattr(module, name)

    def planted(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        then()
        return result

    setattr(module, name, planted)


def plant(fault: str) -> None:
    if fault == "die-in-fulfilment":
        from simrenew.orders import service

        _after(service, "_fulfil_locked", _die)
    elif fault == "die-in-confirmation":
        from simrenew.notifications import service

        _after(service, "send_email_now", _die)
    elif fault == "die-in-webhook-delivery":
        import requests

        _after(requests, "post", _die)
    elif fault == "status-fails-twice":
        from simrenew.payments import mollie
        from simrenew.payments.provider import ProviderError

        original = mollie.MollieProvider.get_payment
        left = [2]

        def unreachable(self: Any, payment_id: str) -> Any:
            if left[0] > 0:
                left[0] -= 1
                raise ProviderError(f"Mollie could not return payment {payment_id}: connection refused")
            return original(self, payment_id)

        mollie.MollieProvider.get_payment = unreachable  # type: ignore[method-assign]
    elif fault == "drop-connection":
        from django.db import connection

        from simrenew.orders import service

        original = service._fulfil_locked
        dropped = [False]

        def terminated(*args: Any, **kwargs: Any) -> Any:
            if not dropped[0]:
                dropped[0] = True
                with connection.cursor() as cursor:  # what a database restart does to a session
                    cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            return original(*args, **kwargs)

        service._fulfil_locked = terminated
    elif fault != "none":
        raise SystemExit(f"unknown fault {fault!r}")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    django.setup()
    plant(sys.argv[1])
    from simrenew.jobs.worker import Worker

    worker = Worker(interval=0.1)
    worker.install_signal_handlers()
    worker.run()


if __name__ == "__main__":
    main()
