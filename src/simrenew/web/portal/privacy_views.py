"""Portal pages of a customer's privacy rights: see and download what we hold about them, and delete
their account (confirmed with their password)."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from simrenew.customers.address import country_name
from simrenew.customers.models import User
from simrenew.kit import clock
from simrenew.kit.errors import DomainError
from simrenew.web.portal import personal_data
from simrenew.web.portal.forms import DeleteAccountForm


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache
@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """The rights' page; it shows the name and address held, with the link to change them."""
    customer = _customer(request)
    country = country_name(customer.address_country, get_language() or "en") if customer.address_country else ""
    return render(request, "portal/privacy.html", {"customer": customer, "country": country})


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """What we hold about the customer, readable."""
    return render(request, "portal/my_data.html", {"data": personal_data.gather(_customer(request))})


@never_cache
@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    """The same, as a JSON file (portability: a format another service can read)."""
    data = {"exported_at": clock.now(), **personal_data.gather(_customer(request))}
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="simrenew-my-data.json"'
    return response


@never_cache
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                personal_data.delete_account(customer=_customer(request), password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error("password" if error.field == "password" else None, str(error))
        else:
            logout(request)  # this session; the others end with the password (customers.privacy)
            messages.success(request, _("Your account is deleted. We kept only what the law makes us keep."))
            return redirect("portal:home")
    return render(request, "portal/delete_account.html", {"form": form})
