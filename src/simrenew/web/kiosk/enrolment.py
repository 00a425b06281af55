"""Kiosk pages open only on an enrolled screen.

Staff issue a one-time code in the back office (Kiosks → "Issue an enrolment code", or
`simrenew kiosks enrol <kiosk>`); typing it at /<lang>/kiosk/<kiosk>/enrol/ makes the browser one
of the kiosk's screens: it gets a signed, HttpOnly, SameSite=Strict cookie (Secure in production)
holding a random credential, which `kiosks.devices` knows only by its keyed hash. Every kiosk page
is wrapped in `@enrolled_screen`: a browser without a screen of that kiosk, or whose screen was
revoked, sees a neutral "not in service" page, with nothing of the kiosk on it.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from simrenew.audit import service as audit
from simrenew.kiosks import devices
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.models import KioskDevice
from simrenew.kit.errors import DomainError
from simrenew.web.kiosk.forms import EnrolForm

COOKIE = "simrenew_kiosk_screen"
COOKIE_SALT = "simrenew.kiosk-screen"
_SCREEN = "_kiosk_screen"


def _cookie_age() -> timedelta:
    return timedelta(days=settings.KIOSK_DEVICE_COOKIE_DAYS)


def screen_credential(request: HttpRequest) -> str | None:
    # The signature's own timestamp is checked too: a cookie older than its max age is refused.
    value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=_cookie_age())
    return value or None


def _set_cookie(response: HttpResponseBase, credential: str) -> None:
    response.set_signed_cookie(
        COOKIE,
        credential,
        salt=COOKIE_SALT,
        max_age=int(_cookie_age().total_seconds()),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,  # True in production
        samesite="Strict",
    )


def not_in_service(request: HttpRequest) -> HttpResponse:
    return render(request, "kiosk/not_in_service.html", status=403)


def screen(request: HttpRequest) -> KioskDevice:
    """The enrolled screen making this request (set by @enrolled_screen)."""
    device = getattr(request, _SCREEN, None)
    if not isinstance(device, KioskDevice):
        raise RuntimeError("screen() is for views wrapped in @enrolled_screen")
    return device


def enrolled_screen(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let the view run only for an enrolled screen of the kiosk in the URL; else the neutral page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, kiosk: str, **kwargs: Any) -> HttpResponseBase:
        credential = screen_credential(request)
        device = devices.screen_for(credential) if credential else None
        if device is None or device.kiosk.code != kiosk:
            return not_in_service(request)
        setattr(request, _SCREEN, device)
        response = view(request, *args, kiosk=kiosk, **kwargs)
        if credential and devices.seen(device=device):
            _set_cookie(response, credential)  # renewed while in use: only an idle screen lapses
        return response

    return wrapped


def enrol(request: HttpRequest, kiosk: str) -> HttpResponse:
    """Enrol this browser as a screen of `kiosk` with a code from the back office."""
    try:
        found = kiosks.kiosk_by_code(kiosk)
    except DomainError as exc:
        raise Http404() from exc
    form = EnrolForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        before = screen_credential(request)  # this browser was a screen already: that one is revoked
        try:
            with transaction.atomic():
                _device, credential = devices.enrol(
                    kiosk=found,
                    code=form.cleaned_data["code"],
                    label=request.headers.get("User-Agent", ""),
                    ip_address=audit.client_ip(request),
                    replaces=devices.screen_for(before) if before else None,
                )
        except DomainError as error:
            form.add_error("code", str(error))
            return render(request, "kiosk/enrol.html", {"form": form, "code": found.code}, status=error.status)
        response = redirect("kiosk:start", kiosk=found.code)
        _set_cookie(response, credential)
        return response
    return render(request, "kiosk/enrol.html", {"form": form, "code": found.code})
