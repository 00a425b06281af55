"""A minimal SMPP 3.4 server (SMSC) for tests: binds transmitters, answers submit_sm with submit_sm_resp
and records every message, answers enquire_link and unbind. Built on smpplib's own PDU classes."""

import socketserver
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from smpplib import consts, smpp


class _Sequence:
    """What smpplib's PDUs expect of a client: a sequence counter."""

    def __init__(self) -> None:
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence


@dataclass
class Submitted:
    system_id: str
    source_addr: str
    source_addr_ton: int
    destination_addr: str
    data_coding: int
    esm_class: int
    short_message: bytes
    message_id: str


@dataclass
class SmppServer:
    """Start with `with SmppServer() as server:`; `server.port`, `server.messages`, `server.texts()`."""

    system_id: str = "simrenew"
    password: str = "secret"
    refuse_submit: bool = False
    messages: list[Submitted] = field(default_factory=list)
    binds: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sequence = _Sequence()
                bound_as = ""
                while True:
                    header = self._read(4)
                    if not header:
                        return
                    (length,) = struct.unpack(">L", header)
                    data = header + self._read(length - 4)
                    pdu = smpp.parse_pdu(data, client=sequence, allow_unknown_opt_params=True)
                    answer, bound_as, done = server._answer(pdu, sequence, bound_as)
                    if answer is not None:
                        self.request.sendall(answer.generate())
                    if done:
                        return

            def _read(self, size: int) -> bytes:
                chunks = b""
                while len(chunks) < size:
                    chunk = self.request.recv(size - len(chunks))
                    if not chunk:
                        return b""
                    chunks += chunk
                return chunks

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._lock = threading.Lock()

    def _answer(self, pdu: Any, sequence: _Sequence, bound_as: str) -> tuple[Any, str, bool]:
        command = pdu.command
        if command in ("bind_transmitter", "bind_transceiver"):
            system_id, password = _text(pdu.system_id), _text(pdu.password)
            self.binds.append((system_id, password))
            ok = (system_id, password) == (self.system_id, self.password)
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD
            resp = _reply(f"{command}_resp", pdu, sequence, status=status, system_id="testsmsc")
            return resp, system_id if ok else "", not ok
        if command == "submit_sm":
            if not bound_as:
                return _reply("generic_nack", pdu, sequence, status=consts.SMPP_ESME_RINVBNDSTS), bound_as, True
            if self.refuse_submit:
                resp = _reply("submit_sm_resp", pdu, sequence, status=consts.SMPP_ESME_RSUBMITFAIL, message_id="")
                return resp, bound_as, False
            with self._lock:
                message_id = f"msg-{len(self.messages) + 1}"
                self.messages.append(
                    Submitted(
                        system_id=bound_as,
                        source_addr=_text(pdu.source_addr),
                        source_addr_ton=pdu.source_addr_ton,
                        destination_addr=_text(pdu.destination_addr),
                        data_coding=pdu.data_coding,
                        esm_class=pdu.esm_class,
                        short_message=pdu.short_message,
                        message_id=message_id,
                    )
                )
            resp = _reply("submit_sm_resp", pdu, sequence, message_id=message_id)
            return resp, bound_as, False
        if command == "enquire_link":
            return _reply("enquire_link_resp", pdu, sequence), bound_as, False
        if command == "unbind":
            return _reply("unbind_resp", pdu, sequence), "", True
        return _reply("generic_nack", pdu, sequence, status=consts.SMPP_ESME_RINVCMDID), bound_as, False

    def texts(self) -> list[str]:
        """Each destination's whole text, concatenated parts joined back (UDH stripped)."""
        joined: dict[str, str] = {}
        for message in self.messages:
            body = message.short_message
            if message.esm_class & consts.SMPP_GSMFEAT_UDHI:
                body = body[body[0] + 1 :]
            if message.data_coding == consts.SMPP_ENCODING_ISO10646:
                text = body.decode("utf-16-be")
            else:
                text = _gsm_decode(body)
            joined[message.destination_addr] = joined.get(message.destination_addr, "") + text
        return list(joined.values())

    def __enter__(self) -> "SmppServer":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _reply(name: str, request: Any, sequence: _Sequence, **params: Any) -> Any:
    """A response PDU carrying the request's sequence number (smpplib's constructor ignores it)."""
    response = smpp.make_pdu(name, client=sequence, **params)
    response.sequence = request.sequence
    return response


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _gsm_decode(data: bytes) -> str:
    from smpplib.gsm import GSM_CHARACTER_TABLE

    text, escape = [], False
    for byte in data:
        if byte == 0x1B:
            escape = True
            continue
        text.append(GSM_CHARACTER_TABLE[byte + 0x80 if escape else byte])
        escape = False
    return "".join(text)
