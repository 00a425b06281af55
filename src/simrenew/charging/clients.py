"""Network clients (the network functions that ask for charging): registering them, their secrets,
and the nonces of their signed requests."""

from datetime import timedelta

from django.conf import settings

from simrenew.charging.models import ClientNonce, NetworkClient
from simrenew.kit import clock, rows
from simrenew.kit.codes import readable_code
from simrenew.terminals import sealing
from simrenew.terminals.service import new_secret

# The network client the demo's network simulator signs as (and the demo data's past usage reports as).
SIMULATOR_KEY = "NF-SIMULATOR"


def register_client(*, name: str, key_id: str | None = None, secret: str | None = None) -> tuple[NetworkClient, str]:
    """A new network client and its secret, shown once and kept only sealed."""
    plain = secret or new_secret()
    while key_id is None:
        candidate = f"NF-{readable_code(8)}"
        if not NetworkClient.objects.filter(key_id=candidate).exists():
            key_id = candidate
    client = NetworkClient.objects.create(key_id=key_id, name=name, secret_sealed=sealing.seal(plain))
    return client, plain


def simulator() -> tuple[NetworkClient, bool]:
    """The demo network simulator's client (SIMULATOR_KEY), registered if missing; and whether it was."""
    client = NetworkClient.objects.filter(key_id=SIMULATOR_KEY).first()
    if client is not None:
        return client, False
    client, _ = register_client(name="Network simulator (demo)", key_id=SIMULATOR_KEY)
    return client, True


def rotate_secret(*, client: NetworkClient) -> str:
    """A new secret; the old one stops working at once."""
    plain = new_secret()
    client.secret_sealed = sealing.seal(plain)
    client.save(update_fields=["secret_sealed"])  # a save: processes reload the client (reference.watch)
    return plain


# Secrets opened in this process, by their sealed text: opening one is a decryption per request
# otherwise. A rotated secret is sealed anew, so the old entry is never found again.
_opened: dict[str, str] = {}


def secret_of(client: NetworkClient) -> str:
    sealed = client.secret_sealed
    plain = _opened.get(sealed)
    if plain is None:
        plain = sealing.unseal(sealed)
        if len(_opened) >= 256:
            _opened.clear()
        _opened[sealed] = plain
    return plain


def use_nonce(*, client_id: int, nonce: str) -> bool:
    """Record a request's nonce (in the current transaction, or autocommit); False when the client used
    it before (nothing is written)."""
    values = {"client": client_id, "nonce": nonce, "created_at": clock.now()}
    return rows.insert_new(ClientNonce, values, unique=("client", "nonce")) is not None


def prune_nonces() -> int:
    """Forget nonces too old to be replayed (a request that old is refused as stale anyway)."""
    before = clock.now() - timedelta(seconds=2 * settings.TERMINAL_MAX_SKEW_SECONDS)
    deleted, _ = ClientNonce.objects.filter(created_at__lt=before).delete()
    return deleted
