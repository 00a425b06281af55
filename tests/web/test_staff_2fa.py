"""Staff second factor through Django's test client: enrolment with a QR code and a key shown until
confirmed, recovery codes shown once, verification with the app's code or a recovery code, wrong
codes refused and slowed down, and every step audited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from simrenew.audit.models import AuditEntry
from simrenew.shops import service as shops
from simrenew.staff import two_factor
from simrenew.staff.roles import ADMINISTRATOR, FINANCE
from tests.factories import DEFAULT_PASSWORD
from tests.shops.factories import STAFF_PASSWORD, create_shop
from tests.staff.factories import add_authenticator, create_staff_user, current_code, secret_of

pytestmark = pytest.mark.django_db

BACKOFFICE = "/en/backoffice/"


def admin_login(client: Client, user, next_url: str = BACKOFFICE):
    """The password step, on the admin's login page."""
    return client.post(
        reverse("admin:login") + f"?next={next_url}",
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": next_url},
    )


def shown_secret(page: str) -> str:
    found = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page)
    assert found, "the enrolment page shows the key"
    return found.group(1).replace(" ", "")


def audit_actions(user) -> list[str]:
    return list(AuditEntry.objects.filter(user=user).order_by("id").values_list("action", flat=True))


def test_a_shop_manager_enrols_at_first_login_and_keeps_recovery_codes_shown_once():
    shop = create_shop("brussels")
    manager = shops.add_staff(shop=shop, email="marc@staff.example", password=STAFF_PASSWORD, role=shops.MANAGER)
    client = Client()
    # Password first, on the shop desk's own login; the desk then asks for the second factor.
    login = client.post(reverse("shop:login"), {"username": manager.email, "password": STAFF_PASSWORD})
    desk = client.get(login["Location"])
    assert desk.status_code == 302 and desk["Location"] == reverse("staff:enrol") + "?next=%2Fen%2Fshop%2F"

    page = client.get(desk["Location"]).content.decode()
    assert "<svg" in page  # the QR code, inline
    secret = shown_secret(page)
    assert shown_secret(client.get(desk["Location"]).content.decode()) == secret  # a reload: same key
    assert TOTPDevice.objects.filter(user=manager, confirmed=False).count() == 1

    # A wrong code changes nothing and leaves the desk closed.
    wrong = client.post(desk["Location"], {"code": "000000", "next": "/en/shop/"})
    assert wrong.status_code == 200
    assert "That code is not right, or it was already used." in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=manager).exists()
    assert client.get("/en/shop/").status_code == 302

    # The code from the app (after the throttle's one-second wait for the wrong one) confirms it.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        done = client.post(desk["Location"], {"code": current_code(secret), "next": "/en/shop/"})
    assert done.status_code == 302 and done["Location"].startswith(reverse("staff:recovery_codes"))
    codes_page = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == 10 and set(codes) == set(
        StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)
    )
    again = client.get(done["Location"]).content.decode()
    assert not re.findall(r"<li><code>", again) and "You have 10 unused recovery codes." in again
    # The key is never shown again once confirmed, and the desk opens.
    assert client.get(reverse("staff:enrol")).status_code == 302
    assert client.get("/en/shop/").status_code == 200
    steps = [a for a in audit_actions(manager) if a.startswith("staff.")]
    assert steps == ["staff.second_factor_refused", "staff.second_factor_enrolled", "staff.recovery_codes_issued"]


def test_an_administrator_verifies_with_the_apps_code_before_the_admin_opens():
    admin = create_staff_user(ADMINISTRATOR)
    secret = secret_of(add_authenticator(admin))
    client = Client()
    assert admin_login(client, admin)["Location"] == BACKOFFICE
    to_verify = client.get(BACKOFFICE)
    assert to_verify["Location"] == reverse("staff:verify") + "?next=%2Fen%2Fbackoffice%2F"
    assert client.get("/en/admin/")["Location"].startswith(reverse("staff:verify"))
    session_before = client.session.session_key

    verified = client.post(to_verify["Location"], {"code": current_code(secret), "next": BACKOFFICE})
    assert verified.status_code == 302 and verified["Location"] == BACKOFFICE
    assert client.get(BACKOFFICE).status_code == 200
    assert client.get("/en/admin/").status_code == 200
    assert client.session.session_key != session_before  # a new session once the login is complete
    assert "staff.second_factor_verified" in audit_actions(admin)


def test_a_code_works_once_and_wrong_or_foreign_digits_are_refused():
    admin = create_staff_user(ADMINISTRATOR)
    secret = secret_of(add_authenticator(admin))
    code = current_code(secret)
    first = Client()
    admin_login(first, admin)
    assert first.post(reverse("staff:verify"), {"code": code, "next": BACKOFFICE}).status_code == 302

    second = Client()
    admin_login(second, admin)
    replay = second.post(reverse("staff:verify"), {"code": code, "next": BACKOFFICE})
    assert "That code is not right, or it was already used." in replay.content.decode()
    for hours, attempt in enumerate(
        ("\uff13\uff12\uff11\uff16\uff15\uff14", "12345", "\u200f123456", "x" * 32), start=1
    ):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):  # past the last throttle wait
            response = second.post(reverse("staff:verify"), {"code": attempt, "next": BACKOFFICE})
        assert "That code is not right" in response.content.decode(), attempt
    assert second.get(BACKOFFICE)["Location"].startswith(reverse("staff:verify"))


def test_wrong_codes_slow_the_next_try_down():
    admin = create_staff_user(FINANCE)
    secret = secret_of(add_authenticator(admin))
    client = Client()
    admin_login(client, admin)
    client.post(reverse("staff:verify"), {"code": "000000"})
    client.post(reverse("staff:verify"), {"code": "111111"})
    throttled = client.post(reverse("staff:verify"), {"code": current_code(secret)})
    assert "Too many wrong codes. Wait" in throttled.content.decode()
    assert client.get(BACKOFFICE).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        assert client.post(reverse("staff:verify"), {"code": current_code(secret)}).status_code == 302
    assert client.get(BACKOFFICE).status_code == 200


def test_a_recovery_code_works_once_instead_of_the_app():
    admin = create_staff_user(ADMINISTRATOR)
    add_authenticator(admin)
    client = Client()
    admin_login(client, admin)
    client.get(BACKOFFICE)
    codes = two_factor.renew_recovery_codes(user=admin, ip_address=None)
    used = client.post(reverse("staff:verify"), {"code": codes[0].upper(), "next": BACKOFFICE}, follow=True)
    assert "You used a recovery code; 9 are left." in used.content.decode()
    assert client.get(BACKOFFICE).status_code == 200

    again = Client()
    admin_login(again, admin)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert again.post(reverse("staff:verify"), {"code": codes[0]}).status_code == 200
    assert again.get(BACKOFFICE).status_code == 302
    assert "staff.recovery_code_used" in audit_actions(admin)


def test_new_recovery_codes_need_a_verified_session_and_replace_the_old_ones():
    admin = create_staff_user(ADMINISTRATOR)
    secret = secret_of(add_authenticator(admin))
    client = Client()
    admin_login(client, admin)
    refused = client.post(reverse("staff:recovery_codes"))
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("staff:verify"))
    assert not StaticToken.objects.filter(device__user=admin).exists()

    client.post(reverse("staff:verify"), {"code": current_code(secret)})
    made = client.post(reverse("staff:recovery_codes"), follow=True).content.decode()
    first = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", made))
    made_again = client.post(reverse("staff:recovery_codes"), follow=True).content.decode()
    second = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", made_again))
    assert len(first) == len(second) == 10 and not first & second
    assert set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True)) == second


def test_the_second_step_never_sends_anyone_to_another_site():
    admin = create_staff_user(ADMINISTRATOR)
    secret = secret_of(add_authenticator(admin))
    client = Client()
    admin_login(client, admin)
    response = client.post(reverse("staff:verify"), {"code": current_code(secret), "next": "https://evil.example/"})
    assert response["Location"] == BACKOFFICE


def test_customers_and_counter_staff_are_never_asked_for_a_second_factor(client):
    shop = create_shop("gent")
    assistant = shops.add_staff(shop=shop, email="anna@staff.example", password=STAFF_PASSWORD, role=shops.ASSISTANT)
    client.post(reverse("shop:login"), {"username": assistant.email, "password": STAFF_PASSWORD})
    assert client.get("/en/shop/").status_code == 200
    assert client.get(reverse("staff:enrol"))["Location"] == BACKOFFICE  # nothing to enrol
    assert not TOTPDevice.objects.filter(user=assistant).exists()


def test_a_counter_login_given_more_than_its_counter_role_must_use_a_second_factor():
    shop = create_shop("leuven")
    assistant = shops.add_staff(shop=shop, email="jo@staff.example", password=STAFF_PASSWORD, role=shops.ASSISTANT)
    assistant.user_permissions.add(Permission.objects.get(codename="view_promotion"))
    client = Client()
    client.post(reverse("shop:login"), {"username": assistant.email, "password": STAFF_PASSWORD})
    assert client.get("/en/shop/")["Location"].startswith(reverse("staff:enrol"))
