"""`simrenew cashbox run --kiosk X --port /dev/ttyUSB0`: the kiosk's cash device service, driving its
note validator over eSSP until stopped (Ctrl-C, SIGTERM).

`simrenew cashbox simulate --kiosk X`: the same service against a simulated note validator on a
pseudo-terminal; type `20` to insert a €20 note, `fake` for a note it rejects, `reset` to reset
the device with a note in escrow, `quit` to stop. With CASH_ACCEPTOR=essp the kiosk's page then
takes cash from it.

`simrenew cashbox status [--kiosk X]`: per kiosk, what its cash box should hold and its last emptying.
"""

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.kiosks import cashbox
from simrenew.kiosks.cash_device import CashDeviceService
from simrenew.kiosks.models import CashBoxEmptying, Kiosk
from simrenew.payments.cashdevice.simulator import NoteValidatorSimulator
from simrenew.payments.cashdevice.transport import SerialTransport
from simrenew.payments.cashdevice.validator import EsspHost, NoteValidator


class Command(BaseCommand):
    help = (
        "A kiosk's cash acceptor: run its device service (run), try it with a simulated device (simulate), or status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run", "simulate", "status"])
        parser.add_argument("--kiosk", help="the kiosk's code, as in its URL (e.g. bru-airport)")
        parser.add_argument("--port", help="the validator's serial port (run), e.g. /dev/ttyUSB0")
        parser.add_argument("--slave-id", type=int, default=0, help="the validator's eSSP address (default 0)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self._status(options["kiosk"])
            return
        kiosk = self._kiosk(options["kiosk"])
        if options["action"] == "run":
            if not options["port"]:
                raise CommandError("run needs the validator's serial port: --port /dev/ttyUSB0")
            self._serve(kiosk, options["port"], options["slave_id"], simulator=None)
            return
        simulator = NoteValidatorSimulator.on_pty().start()
        try:
            self._serve(kiosk, simulator.port, 0, simulator=simulator)
        finally:
            simulator.stop()

    def _kiosk(self, code: str | None) -> Kiosk:
        kiosk = Kiosk.objects.filter(code=code).first() if code else None
        if kiosk is None:
            known = ", ".join(Kiosk.objects.values_list("code", flat=True))
            raise CommandError(f"--kiosk must name a kiosk; kiosks: {known}")
        return kiosk

    def _serve(self, kiosk: Kiosk, port: str, slave_id: int, *, simulator: NoteValidatorSimulator | None) -> None:
        transport = SerialTransport(port)
        service = CashDeviceService(
            kiosk=kiosk,
            validator=NoteValidator(EsspHost(transport, slave_id=slave_id)),
            port=port,
            monotonic=time.monotonic,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(f"cash device service for {kiosk.code} on {port}")
        worker = threading.Thread(target=service.run, kwargs={"stop": stop}, daemon=True)
        worker.start()
        try:
            if simulator is None:
                while worker.is_alive():
                    worker.join(timeout=1)
            else:
                self._drive(simulator, stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            worker.join(timeout=5)
            transport.close()

    def _drive(self, simulator: NoteValidatorSimulator, stop: threading.Event) -> None:
        self.stdout.write("type a note in euros (5, 10, 20, 50), fake, reset, or quit")
        while not stop.is_set():
            try:
                typed = input("> ").strip().lower()
            except EOFError:
                return
            if typed == "quit":
                return
            if typed == "fake":
                simulator.insert(500, genuine=False)
            elif typed == "reset":
                simulator.power_cycle(silent_commands=2)
            elif typed.isascii() and typed.isdigit():
                simulator.insert(int(typed) * 100)
            else:
                self.stdout.write("type 5, 10, 20, 50, fake, reset or quit")
                continue

    def _status(self, code: str | None) -> None:
        kiosks = [self._kiosk(code)] if code else list(Kiosk.objects.order_by("code"))
        for kiosk in kiosks:
            expected = cashbox.expected_in_box(kiosk)
            last = CashBoxEmptying.objects.filter(kiosk=kiosk).first()
            emptied = f"last emptied {last.emptied_at:%Y-%m-%d %H:%M}" if last else "never emptied"
            self.stdout.write(
                f"{kiosk.code:<20} expected {expected.amount / 100:>9.2f}  ledger {expected.ledger_amount / 100:>9.2f}"
                f"  online {'yes' if cashbox.device_takes_cash(kiosk) else 'no'}  {emptied}"
            )
