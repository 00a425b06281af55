"""The back office speaks the staff member's language: every model and every field its admins show has a
translatable name, rates say what their numbers count, and a rate in force offers nothing to save."""

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.functional import Promise

from simrenew.charging.admin import rate_price
from simrenew.charging.models import MB_BYTES, Rate, RatingGroup
from simrenew.jobs.models import Job
from simrenew.kit import clock
from tests.charging.helpers import create_rates
from tests.factories import (
    create_brand,
    start_in_english,  # noqa: F401 - an autouse fixture: each test starts in English
)

# The payment provider's sandbox is a stand-in for Mollie in development, kept in English on purpose
# (makemessages ignores it, see tests/test_i18n_complete.py).
UNTRANSLATED_APPS = {"sandbox"}


def our_models():
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("simrenew.") and config.label not in UNTRANSLATED_APPS
        for model in config.get_models()
    ]


def shown_fields(model_admin):
    """(model, field name) of the model fields an admin (and its inlines) lists, filters or edits."""
    found = set()
    for each in [model_admin, *(inline(model_admin.model, admin.site) for inline in model_admin.inlines)]:
        names = [
            *getattr(each, "list_display", ()),
            *getattr(each, "list_filter", ()),
            *(each.fields or []),
            *each.readonly_fields,
        ]
        for _title, options in each.fieldsets or []:
            names.extend(options.get("fields", ()))
        form_meta = getattr(each.form, "Meta", None)
        names.extend(getattr(form_meta, "fields", None) or [])
        concrete = {field.name for field in each.model._meta.concrete_fields}
        for name in names:
            if isinstance(name, tuple | list):
                name = name[0]
            if isinstance(name, str) and name.split("__")[0] in concrete:
                found.add((each.model, name.split("__")[0]))
    return found


def test_every_model_of_ours_has_translatable_names():
    models = our_models()
    assert len(models) >= 80
    untranslated = [
        model._meta.label
        for model in models
        if not isinstance(model._meta.original_attrs.get("verbose_name"), Promise)
        or not isinstance(model._meta.original_attrs.get("verbose_name_plural"), Promise)
    ]
    assert untranslated == []


def test_every_app_the_back_office_lists_has_a_translated_name():
    """Django's own apps come translated; ours, django-otp's and django-axes's carry names of ours."""
    listed = {model._meta.app_config for model in admin.site._registry}
    with translation.override("nl"):
        names = {config.label: str(config.verbose_name) for config in listed if config.label not in UNTRANSLATED_APPS}
    assert names["otp_totp"] == "Tweestapsverificatie: authenticator-apps"
    assert names["otp_static"] == "Tweestapsverificatie: herstelcodes"
    assert names["axes"] == "Aanmeldpogingen"
    # Our own staff app keeps its config (and with it the role groups' post-migrate sync).
    assert type(apps.get_app_config("staff")).__name__ == "StaffConfig"
    with translation.override("zh-hans"):
        chinese = {config.label: str(config.verbose_name) for config in listed if config.label not in UNTRANSLATED_APPS}
    # A name left to Django's default (the label, title-cased) is not translated: "Otp_Totp", "Axes".
    defaults = sorted(label for label, name in chinese.items() if name.isascii())
    assert defaults == [], defaults


def test_plurals_are_words_not_an_s_stuck_on():
    plurals = {model._meta.label: str(model._meta.verbose_name_plural) for model in our_models()}
    assert plurals["payouts.PayoutBatch"] == "payout batches"
    assert plurals["payments.WebhookInbox"] == "webhook calls received"
    assert plurals["audit.AuditEntry"] == "audit entries"
    assert [label for label, plural in plurals.items() if plural.endswith(("chs", "xs", "ys"))] == []


def test_every_field_our_admins_show_has_a_translatable_name():
    shown = {
        pair
        for model_admin in admin.site._registry.values()
        if type(model_admin).__module__.startswith("simrenew.")
        and model_admin.model._meta.app_label not in UNTRANSLATED_APPS
        for pair in shown_fields(model_admin)
    }
    assert len(shown) > 400
    untranslated = sorted(
        f"{model._meta.label}.{name}"
        for model, name in shown
        if not model._meta.get_field(name).auto_created
        and not isinstance(model._meta.get_field(name).verbose_name, Promise)
    )
    assert untranslated == []


def test_rate_fields_say_their_units():
    help_texts = {field.name: str(field.help_text) for field in Rate._meta.concrete_fields}
    assert "seconds" in help_texts["rating_group"] and "bytes" in help_texts["rating_group"]
    assert "cents" in help_texts["price_amount"]
    assert "1048576 is 1 MB" in help_texts["per_units"]
    assert "rounded up" in help_texts["rounding_units"]
    assert "EU roaming" in help_texts["fair_use_units"]


@pytest.mark.parametrize(
    ("group", "price", "per", "shown"),
    [
        (RatingGroup.DATA, 8, MB_BYTES, "€0.08 per MB"),
        (RatingGroup.DATA, 15, 10 * MB_BYTES, "€0.15 per 10 MB"),
        (RatingGroup.ROAMING_EU, 5, 1024, "€0.05 per KB"),
        (RatingGroup.DATA, 1, 1000, "€0.01 per 1000 bytes"),
        (RatingGroup.VOICE, 20, 60, "€0.20 per min"),
        (RatingGroup.VOICE, 1, 1, "€0.01 per s"),
        (RatingGroup.SMS, 15, 1, "€0.15 per SMS"),
        (RatingGroup.SMS, 100, 10, "€1.00 per 10 SMS"),
    ],
)
def test_a_rate_price_reads_in_money_and_units(group, price, per, shown):
    assert rate_price(Rate(rating_group=group, price_amount=price, per_units=per, currency="EUR")) == shown


@pytest.mark.django_db
def test_a_rate_names_its_brand_and_starts_in_local_time(django_assert_num_queries):
    brand = create_brand()
    rate = create_rates(brand, valid_from=datetime(2026, 1, 1, 8, 30, tzinfo=UTC))[RatingGroup.DATA]

    with_brand = Rate.objects.select_related("brand").get(pk=rate.pk)
    without_brand = Rate.objects.get(pk=rate.pk)
    with django_assert_num_queries(0):
        assert str(with_brand) == f"{brand.code} Data from 2026-01-01 09:30"  # Brussels, UTC+1 in winter
        assert str(without_brand) == f"#{brand.pk} Data from 2026-01-01 09:30"  # no query for the brand


@pytest.mark.django_db
def test_the_rates_list_shows_the_price_and_loads_brands_with_rates(admin_client):
    create_rates(create_brand())
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get("/en/admin/charging/rate/")
    assert page.status_code == 200
    assert "€0.12 per min" in page.content.decode()  # VOICE_PRICE cents a minute

    for days in (2, 3):
        create_rates(create_brand(), valid_from=clock.now() - timedelta(days=days))
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/en/admin/charging/rate/")
    assert len(many.captured_queries) == len(few.captured_queries)  # 12 rows cost what 4 did


@pytest.mark.django_db
def test_a_rate_in_force_shows_no_save_buttons(admin_client):
    rates = create_rates(create_brand())
    page = admin_client.get(f"/en/admin/charging/rate/{rates[RatingGroup.DATA].pk}/change/").content.decode()
    for button in ('name="_save"', 'name="_continue"', 'name="_addanother"'):
        assert button not in page
    assert 'name="price_amount"' not in page


@pytest.mark.django_db
def test_a_rate_not_yet_in_force_can_still_be_saved(admin_client):
    rates = create_rates(create_brand(), valid_from=clock.now() + timedelta(days=2))
    page = admin_client.get(f"/en/admin/charging/rate/{rates[RatingGroup.DATA].pk}/change/").content.decode()
    assert 'name="_save"' in page
    assert 'name="price_amount"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["Filteren op", ">Uitvoeren<", "Paginering"]),
        ("de", ["filtern", ">Ausführen<", "Seitennavigation"]),
        ("zh-hans", ["筛选", ">运行<", "分页"]),
    ],
)
def test_django_admin_words_come_in_the_staff_language(admin_client, language, words):
    """Strings Django's own catalogues leave in English for these languages come from ours
    (simrenew.web.django_strings): the date filter, the actions' button, the pagination's heading."""
    now = clock.now()
    Job.objects.create(task_path="simrenew.notifications.tasks.deliver", run_after=now, enqueued_at=now)
    page = admin_client.get(f"/{language}/admin/jobs/job/").content.decode()
    missing = [word for word in words if word not in page]
    assert missing == []
    for english in ("Filter by ", ">Run<", "Pagination ", "Django"):
        assert english not in page
    with translation.override(language):
        assert translation.gettext("simrenew back office") in page  # the header is ours, not Django's


def test_the_second_factor_models_are_named_in_the_staff_members_language():
    """django-otp names its models in English only ("TOTP device"); the back office shows names of ours."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with translation.override("nl"):
        names = [
            (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
            for model in (TOTPDevice, StaticDevice, StaticToken)
        ]
    assert names == [
        ("authenticator-app", "authenticator-apps"),
        ("set herstelcodes", "sets herstelcodes"),
        ("herstelcode", "herstelcodes"),
    ]
    # The library's migrations are untouched: they read the names it declared.
    assert TOTPDevice._meta.original_attrs["verbose_name"] == "TOTP device"
