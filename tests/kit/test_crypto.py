"""Field-level encryption: round trip, rotation to a new key, lookup hashes and masking."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from simrenew.kit import crypto

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    def use(*keys: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(keys)

    use(OLD)
    return use


def test_round_trip_and_no_clear_text(keys):
    token = crypto.encrypt("EL1234567")
    assert "EL1234567" not in token
    assert crypto.decrypt(token) == "EL1234567"
    assert crypto.encrypt("EL1234567") != token  # a fresh IV each time: equal values do not show


def test_unicode_round_trip(keys):
    assert crypto.decrypt(crypto.encrypt("护照 Ä-123")) == "护照 Ä-123"


def test_rotation_decrypts_with_any_key_and_reencrypts_with_the_first(keys):
    token = crypto.encrypt("591123456753")
    keys(NEW, OLD)
    assert crypto.decrypt(token) == "591123456753"
    assert not crypto.is_current(token)
    rotated = crypto.rotate(token)
    assert crypto.is_current(rotated)
    keys(NEW)  # the old key is gone: only the rotated value still opens
    assert crypto.decrypt(rotated) == "591123456753"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


def test_a_value_no_key_opens_fails_clearly(keys):
    keys(NEW)
    token = crypto.encrypt("X")
    keys(OLD)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt("not-a-token")


def test_bad_or_missing_keys_are_a_configuration_error(keys):
    keys("not a fernet key")
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("X")
    keys()
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("X")


def test_derived_key_is_a_valid_fernet_key(keys):
    keys(crypto.derive_key("a passphrase"))
    assert crypto.decrypt(crypto.encrypt("X")) == "X"


def test_lookup_hash_is_stable_keyed_and_per_purpose(settings):
    settings.FIELD_HASH_KEY = "one"
    first = crypto.lookup_hash("EL1234567", purpose="doc")
    assert first == crypto.lookup_hash("EL1234567", purpose="doc")
    assert first != crypto.lookup_hash("EL1234567", purpose="other")
    assert "EL1234567" not in first
    settings.FIELD_HASH_KEY = "two"
    assert first != crypto.lookup_hash("EL1234567", purpose="doc")


@pytest.mark.parametrize(
    ("value", "masked"), [("591123456753", "•••••••••753"), ("AB12", "•B12"), ("AB", "••"), ("", "")]
)
def test_mask_shows_only_the_last_characters(value, masked):
    assert crypto.mask(value) == masked
