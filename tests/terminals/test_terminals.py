"""Terminal credentials: sealed secrets with key rotation, signing, idempotent calls."""

import pytest
from cryptography.fernet import Fernet

from simrenew.terminals import sealing, service, signing
from simrenew.terminals.models import Terminal, TerminalKind

pytestmark = pytest.mark.django_db


def test_the_secret_is_stored_sealed_and_read_back():
    terminal, secret = service.register_terminal(kind=TerminalKind.POS, name="till")
    stored = Terminal.objects.get(pk=terminal.pk).secret_sealed
    assert secret not in stored
    assert service.secret_of(terminal) == secret


def test_secrets_survive_a_key_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TERMINAL_SECRET_KEYS = [old]
    terminal, secret = service.register_terminal(kind=TerminalKind.POS, name="till")
    settings.TERMINAL_SECRET_KEYS = [new, old]
    assert service.reseal_all() == 1
    settings.TERMINAL_SECRET_KEYS = [new]
    assert service.secret_of(Terminal.objects.get(pk=terminal.pk)) == secret
    settings.TERMINAL_SECRET_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError):
        sealing.unseal(Terminal.objects.get(pk=terminal.pk).secret_sealed)


def test_rotating_a_secret_invalidates_the_old_one():
    terminal, secret = service.register_terminal(kind=TerminalKind.POS, name="till")
    fresh = service.rotate_secret(terminal=terminal)
    assert fresh != secret
    assert service.secret_of(Terminal.objects.get(pk=terminal.pk)) == fresh


def test_the_signature_covers_method_path_query_time_nonce_and_body():
    base = {
        "secret": "s",
        "method": "POST",
        "path": "/p",
        "query": "a=1",
        "timestamp": "1",
        "nonce": "n" * 16,
        "body": b"{}",
    }
    reference = signing.signature(**base)
    for field, value in [
        ("method", "GET"),
        ("path", "/q"),
        ("query", "a=2"),
        ("timestamp", "2"),
        ("nonce", "m" * 16),
        ("body", b"[]"),
    ]:
        assert signing.signature(**{**base, field: value}) != reference


def test_signed_headers_decode_the_path():
    headers = signing.signed_headers(
        key_id="T", secret="s", method="GET", url="/a%20b?x=1", timestamp=5, nonce="n" * 16
    )
    expected = signing.signature(
        secret="s", method="GET", path="/a b", query="x=1", timestamp="5", nonce="n" * 16, body=b""
    )
    assert headers["X-Signature"] == expected
