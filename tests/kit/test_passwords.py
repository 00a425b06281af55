"""Passwords are hashed with Argon2id at OWASP's minimum, and older hashes are upgraded at login."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password

PRODUCTION_HASHERS = ["simrenew.kit.passwords.Argon2idHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def production_hashers(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS  # the test settings use MD5 for speed


def test_a_new_password_is_argon2id_with_19_mib_2_passes_1_lane(production_hashers):
    encoded = make_password("Renew-Demo-2026")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("Renew-Demo-2026", encoded)
    assert not check_password("Renew-Demo-2025", encoded)


def test_a_hash_with_djangos_defaults_verifies_and_is_rehashed_at_login(production_hashers):
    old = Argon2PasswordHasher().encode("Renew-Demo-2026", Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    assert identify_hasher(old).must_update(old)
    saved: list[str] = []
    assert check_password("Renew-Demo-2026", old, setter=lambda raw: saved.append(make_password(raw)))
    assert len(saved) == 1 and "m=19456,t=2,p=1" in saved[0]
    assert not identify_hasher(saved[0]).must_update(saved[0])


def test_the_settings_name_the_hasher():
    from simrenew import settings

    assert settings.PASSWORD_HASHERS == PRODUCTION_HASHERS
