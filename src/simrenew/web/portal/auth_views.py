"""Registration, e-mail verification, login/logout and password reset for customers."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from simrenew.customers import service as customers
from simrenew.customers.models import User
from simrenew.kit.errors import DomainError
from simrenew.web.portal.auth_forms import NameAndAddressForm, ProfileForm, RegisterForm
from simrenew.web.portal.forms import LoginForm


def register(request: HttpRequest) -> HttpResponse:
    """Sign up. A new address and one that already has an account get the same answer (the same
    redirect, after the same work); only the e-mail that follows differs: a verification link for
    a new account, "you already have an account" for its owner. So the page tells nobody whether an
    address has an account, and the new customer logs in once they have their e-mail."""
    if request.user.is_authenticated:
        return redirect("portal:account")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                customers.register(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    language=get_language() or "en",
                    full_name=form.cleaned_data["full_name"],
                    address=form.address,
                )
        except ValidationError as error:  # the password, checked against the address too
            form.add_error("password", error)
        else:
            return redirect("portal:register_sent")
    return render(request, "portal/register.html", {"form": form})


def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/register_sent.html")


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        with transaction.atomic():
            customers.verify_email(uidb64=uidb64, token=token)
    except DomainError as error:
        return render(request, "portal/error.html", {"error": error}, status=error.status)
    messages.success(request, _("Your e-mail address is verified."))
    return redirect("portal:account" if request.user.is_authenticated else "portal:login")


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    """Send the verification link again; back to the page it was asked from (`next`, on this site
    only), else My account."""
    user = request.user
    if not user.email_verified:  # type: ignore[union-attr]
        with transaction.atomic():
            customers.send_verification_email(user=user)  # type: ignore[arg-type]
        messages.info(request, _("We sent the verification e-mail again."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("portal:account")


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The customer's name and postal address, to change (shown in My data)."""
    customer = request.user
    assert isinstance(customer, User)
    form = ProfileForm(request.POST or None, initial=NameAndAddressForm.initial_of(customer))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            customers.update_profile(
                customer=User.objects.select_for_update().get(pk=customer.pk),
                full_name=form.cleaned_data["full_name"],
                address=form.address,
            )
        messages.success(request, _("Your name and address are saved."))
        return redirect("portal:my_data")
    return render(request, "portal/profile.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "notifications/email/password_reset.txt"
    html_email_template_name = "notifications/email/password_reset.html"
    subject_template_name = "notifications/email/password_reset.subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
