"""The help centre: articles by topic, search in the visitor's language, and the contact form that
opens a case for customer service (simrenew.support)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from simrenew.audit import service as audit
from simrenew.customers.models import User
from simrenew.kit.errors import DomainError
from simrenew.support import articles
from simrenew.support import service as support
from simrenew.support.models import Topic
from simrenew.terminals.idempotency import Done, new_form_key, submit_once
from simrenew.throttles import service as throttles
from simrenew.web.support.forms import ContactForm, SearchForm

SENT_CASE = "support_case_sent"  # the session remembers the case just opened, for the confirmation page


def _language() -> str:
    return (get_language() or "en").lower()


@require_safe
def help_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/help/index.html",
        {"sections": articles.by_topic(_language()), "search_form": SearchForm()},
    )


@require_safe
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = articles.article(_language(), slug)
    if article is None:
        raise Http404()
    related = [each for each in articles.articles(_language()) if each.topic == article.topic and each != article]
    context = {
        "article": article,
        "related": related,
        "fees": articles.fee_table() if article.shows_fees else [],
        "search_form": SearchForm(),
    }
    return render(request, "portal/help/article.html", context)


@require_safe
def help_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = articles.search(_language(), query) if query else []
    return render(request, "portal/help/search.html", {"search_form": form, "query": query, "hits": hits})


def help_contact(request: HttpRequest) -> HttpResponse:
    customer = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                return submit_once(request, scope=_actor(request, customer), run=lambda: _open_case(request, form))
            except DomainError as error:
                form.add_error("message" if error.field == "message" else None, str(error))
                return render(request, "portal/help/contact.html", _contact_context(form), status=error.status)
    else:
        form = ContactForm(initial=_initial(request, customer))
    return render(request, "portal/help/contact.html", _contact_context(form))


@require_safe
def help_contact_sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SENT_CASE)
    if not reference:
        return redirect("portal:help_contact")
    return render(request, "portal/help/contact_sent.html", {"reference": reference})


def _open_case(request: HttpRequest, form: ContactForm) -> Done:
    customer = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    data = form.cleaned_data
    case = support.open_case(
        name=data["name"],
        email=data["email"],
        topic=data["topic"],
        body=data["message"],
        language=_language(),
        actor=_actor(request, customer),
        msisdn=data["number"],
        customer=customer,
        reference=data["reference"],
    )
    request.session[SENT_CASE] = case.reference
    return Done(url=reverse("portal:help_contact_sent"))


def _actor(request: HttpRequest, customer: User | None) -> str:
    """Who is limited: the account when logged in, else the network address (throttles.network_of)."""
    if customer is not None:
        return f"user:{customer.pk}"
    return throttles.network_of(audit.client_ip(request)) or "ip:unknown"


def _initial(request: HttpRequest, customer: User | None) -> dict[str, str]:
    topic = request.GET.get("topic", "")
    initial = {
        "topic": topic if topic in Topic.values else "",
        "reference": request.GET.get("reference", "")[:16],
    }
    if customer is not None:
        initial.update(name=customer.full_name, email=customer.email)
    return initial


def _contact_context(form: ContactForm) -> dict[str, object]:
    return {"form": form, "form_key": new_form_key()}
