"""The second step of a staff login: verify a one-time code, or enrol an authenticator app first.

The password step is the area's own login (admin, shop desk, POS); SecondFactorMiddleware sends
logins that need a second factor here with `next`. Pages that show a secret or recovery codes are
never cached.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from simrenew.audit.service import client_ip
from simrenew.staff import two_factor
from simrenew.staff.errors import TooManyWrongCodes, WrongCode
from simrenew.staff.queries import second_factor_required
from simrenew.web.staff.access import verified
from simrenew.web.staff.forms import AuthenticatorCodeForm, VerifyForm

STAFF_LOGIN = "admin:login"
NEW_RECOVERY_CODES = "staff_new_recovery_codes"  # session key: codes to show once, then dropped


def _next(request: HttpRequest) -> str:
    """Where to go once verified: the page that asked (same site only), else the back office."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    # A new session key once the login is complete: a key seen before the second factor is worth nothing.
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@login_required(login_url=STAFF_LOGIN)
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    if verified(user) or not second_factor_required(user):
        return redirect(next_url)
    if not two_factor.has_authenticator(user):
        return redirect(_with_next("staff:enrol", next_url))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                device = two_factor.verify(user=user, code=form.cleaned_data["code"], ip_address=client_ip(request))
        except TooManyWrongCodes as error:
            form.add_error("code", str(error))
        else:
            if device is None:
                form.add_error("code", str(WrongCode()))
            else:
                _verified(request, device)
                if isinstance(device, StaticDevice):
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        _("You used a recovery code; %(left)s are left. Make new ones if you are running out.")
                        % {"left": left},
                    )
                return redirect(next_url)
    return render(request, "staff/verify.html", {"form": form, "next": next_url})


def _qr_svg(device: TOTPDevice) -> str:
    # Inline SVG (no image request, nothing for a content security policy to block); the secret
    # never leaves this response.
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))  # noqa: S308


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required(login_url=STAFF_LOGIN)
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    if not second_factor_required(user):
        return redirect(next_url)
    if two_factor.has_authenticator(user):
        return redirect(_with_next("staff:verify", next_url))
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                enrolment = two_factor.confirm_authenticator(
                    user=user, code=form.cleaned_data["code"], ip_address=client_ip(request)
                )
        except TooManyWrongCodes as error:
            form.add_error("code", str(error))
        else:
            if enrolment is None:
                form.add_error("code", str(WrongCode()))
            else:
                _verified(request, enrolment.authenticator)
                request.session[NEW_RECOVERY_CODES] = enrolment.recovery_codes
                return redirect(_with_next("staff:recovery_codes", next_url))
    with transaction.atomic():
        device = two_factor.pending_authenticator(user=user)
    secret = b32encode(device.bin_key).decode()
    context = {"form": form, "next": next_url, "qr": _qr_svg(device), "secret": _grouped(secret)}
    return render(request, "staff/enrol.html", context)


@never_cache
@login_required(login_url=STAFF_LOGIN)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; or, on POST, a fresh set that replaces the old one."""
    user = request.user
    next_url = _next(request)
    if not verified(user):
        step = "staff:verify" if two_factor.has_authenticator(user) else "staff:enrol"
        return redirect(_with_next(step, request.get_full_path()))
    if request.method == "POST":
        with transaction.atomic():
            request.session[NEW_RECOVERY_CODES] = two_factor.renew_recovery_codes(
                user=user, ip_address=client_ip(request)
            )
        return redirect(_with_next("staff:recovery_codes", next_url))
    codes = request.session.pop(NEW_RECOVERY_CODES, None)
    left = two_factor.recovery_codes_left(user)
    return render(request, "staff/recovery_codes.html", {"codes": codes, "left": left, "next": next_url})
