"""The production SMS gateway: SMPP 3.4 to the operator's SMSC (smpplib), one session per message.

Configured with `SMS_GATEWAY=smpp://system_id:password@host:2775?source=simrenew` (`smpps://` for
TLS). Long texts are split into concatenated parts (UDH); texts GSM 03.38 cannot carry (Chinese)
go as UCS-2. Each part must be accepted (submit_sm_resp with status 0) or the send fails.
"""

import ssl
from urllib.parse import parse_qs, unquote, urlsplit

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
from django.conf import settings


class SmsNotAccepted(Exception):
    """The SMSC refused the message, or could not be reached."""


class SmppSmsGateway:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smpp", "smpps"} or not parts.hostname:
            raise RuntimeError("SMS_GATEWAY: expected smpp://system_id:password@host:port")
        params = parse_qs(parts.query)
        self.host = parts.hostname
        self.port = parts.port or 2775
        self.system_id = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.system_type = params.get("system_type", [""])[0]
        self.source = params.get("source", [getattr(settings, "SMS_SENDER", "simrenew")])[0]
        self.tls = parts.scheme == "smpps"
        self.timeout = float(params.get("timeout", ["10"])[0])

    def _source_address(self) -> dict[str, object]:
        if self.source.lstrip("+").isdigit():
            return {
                "source_addr_ton": smpplib.consts.SMPP_TON_INTL,
                "source_addr_npi": smpplib.consts.SMPP_NPI_ISDN,
                "source_addr": self.source.lstrip("+"),
            }
        return {
            "source_addr_ton": smpplib.consts.SMPP_TON_ALNUM,
            "source_addr_npi": smpplib.consts.SMPP_NPI_UNK,
            "source_addr": self.source[:11],
        }

    def send(self, *, to: str, text: str) -> str:
        """Submit the text to an E.164 number; returns the SMSC's message ids (comma-separated)."""
        ssl_context = ssl.create_default_context() if self.tls else None
        client = smpplib.client.Client(
            self.host, self.port, timeout=self.timeout, ssl_context=ssl_context, allow_unknown_opt_params=True
        )
        try:
            client.connect()
            client.bind_transmitter(system_id=self.system_id, password=self.password, system_type=self.system_type)
            pieces, encoding, esm_class = smpplib.gsm.make_parts(text)
            message_ids = []
            for piece in pieces:
                submitted = client.send_message(
                    **self._source_address(),
                    dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=to.lstrip("+"),
                    short_message=piece,
                    data_coding=encoding,
                    esm_class=esm_class,
                    registered_delivery=False,
                )
                answer = client.read_pdu()
                if answer.command != "submit_sm_resp" or answer.sequence != submitted.sequence or answer.is_error():
                    raise SmsNotAccepted(f"the SMSC answered {answer.command} with status {answer.status}")
                message_id = answer.message_id
                message_ids.append(message_id.decode() if isinstance(message_id, bytes) else str(message_id))
            client.unbind()
            return ",".join(message_ids)
        except (
            OSError,
            smpplib.exceptions.ConnectionError,
            smpplib.exceptions.PDUError,
            smpplib.exceptions.MessageTooLong,
        ) as exc:
            raise SmsNotAccepted(f"SMPP: {exc}") from exc
        finally:
            client.disconnect()
