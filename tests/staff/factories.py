"""Staff logins with roles, authenticator apps, and sessions past the second factor, for tests."""

import base64
import itertools
from typing import Any

import pyotp
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from simrenew.customers.models import User
from simrenew.staff import service
from simrenew.staff.queries import second_factor_required
from simrenew.staff.roles import Role
from tests.factories import DEFAULT_PASSWORD

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_sequence = itertools.count(1)


def create_staff_user(*roles: Role, email: str | None = None, password: str = DEFAULT_PASSWORD) -> User:
    user = User.objects.create_user(email or f"staff{next(_sequence)}@simrenew.example", password)
    service.set_roles(user=user, roles=roles)
    return user


def add_authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app for the login (random secret)."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def secret_of(device: TOTPDevice) -> str:
    """The key as the enrolment page shows it (base32), which a person types into their app."""
    return base64.b32encode(device.bin_key).decode()


def current_code(secret: str) -> str:
    """What an authenticator app with this key shows now (pyotp, as a phone would compute it)."""
    return pyotp.TOTP(secret.replace(" ", "")).now()


def pass_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as verified with an authenticator (as after the code step)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def staff_session(user: User, **client_kwargs: Any) -> Client:
    """A client logged in as `user`, past the second factor where the login needs one."""
    client = Client(**client_kwargs)
    client.force_login(user, backend=MODEL_BACKEND)
    if second_factor_required(user):
        pass_second_factor(client, user)
    return client
