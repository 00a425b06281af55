"""A USSD gateway as the tests drive it: form-encoded steps of a session, each signed like the
gateway's terminal signs them (terminals.signing)."""

from dataclasses import dataclass, field
from itertools import count
from urllib.parse import urlencode

from django.test import Client

from simrenew.terminals.signing import signed_headers

URL = "/api/ussd/session"
_sessions = count(1)


@dataclass(frozen=True)
class Screen:
    status: int
    body: str

    @property
    def more(self) -> bool:
        return self.body.startswith("CON ")

    @property
    def ended(self) -> bool:
        return self.body.startswith("END ")

    @property
    def text(self) -> str:
        return self.body[4:]


@dataclass
class UssdGateway:
    client: Client
    key_id: str
    secret: str
    accept_language: str = ""

    def step(self, *, session: str, code: str, number: str, text: str = "", **extra: str) -> Screen:
        fields = {"sessionId": session, "serviceCode": code, "phoneNumber": number, "text": text, **extra}
        body = urlencode(fields).encode()
        headers = signed_headers(key_id=self.key_id, secret=self.secret, method="POST", url=URL, body=body)
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        response = self.client.generic(
            "POST", URL, body, content_type="application/x-www-form-urlencoded", headers=headers
        )
        return Screen(response.status_code, response.content.decode())

    def session(self, code: str, number: str) -> "Session":
        return Session(self, f"ATUid_{next(_sessions)}", code, number)


@dataclass
class Session:
    """One USSD session: each `type` sends everything typed so far, as the gateway does."""

    gateway: UssdGateway
    id: str
    code: str
    number: str
    typed: list[str] = field(default_factory=list)

    def open(self) -> Screen:
        return self.gateway.step(session=self.id, code=self.code, number=self.number, text="")

    def type(self, entry: str) -> Screen:
        self.typed.append(entry)
        return self.repeat()

    def repeat(self) -> Screen:
        """The last step again (the gateway's retry)."""
        return self.gateway.step(session=self.id, code=self.code, number=self.number, text="*".join(self.typed))
