"""Every staff page for every role, walked from the URLconf: a page declares the permission it needs,
each role opens exactly the pages its permissions allow, and a refused POST changes nothing.

The staff pages are found, not listed: every URL pattern of the back office, the shop desk and
the POS (their logins and logouts aside), and simrenew's own views inside the Django admin. A new
view is walked as soon as it is routed; if it takes a URL argument the world below has no sample
for, the walk says so.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from simrenew.finance.models import Cause, Difference, ReconciliationRun
from simrenew.kiosks import cashbox
from simrenew.kit import clock
from simrenew.orders import refunds
from simrenew.orders.models import Order, Refund
from simrenew.payments.models import CardTerminal, TerminalPayment
from simrenew.payouts import service as payouts
from simrenew.payouts.models import LeftoverCreditRequest
from simrenew.promotions.models import Promotion, PromotionStatus
from simrenew.retail.models import Sale, SaleKind
from simrenew.shops import service as shops
from simrenew.shops.models import ShopSale
from simrenew.staff.access import BACK_OFFICE, STAFF_MEMBER, declared_permission
from simrenew.staff.permissions import DESK_PERMISSIONS
from simrenew.staff.roles import FINANCE, RETAIL_CASHIER, ROLES, SHOP_ASSISTANT, SHOP_MANAGER, Role
from simrenew.support import service as support
from simrenew.support.models import Case, Message
from simrenew.web.staff.access import OPEN_URL_NAMES
from tests.factories import (
    DEFAULT_PASSWORD,
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    fulfil_paid,
)
from tests.kiosks.factories import create_kiosk
from tests.lifecycle import create_promotion
from tests.payouts.factories import ended_line, payout_brand
from tests.refunds.factories import paid_online_order
from tests.retail.factories import create_cashier, create_outlet, create_retailer
from tests.shops.factories import create_shop
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db

WALKED_AREAS = ("backoffice", "shop", "pos")
LOGIN = {"backoffice": "admin:login", "admin": "admin:login", "shop": "shop:login", "pos": "pos:login"}


@dataclass(frozen=True)
class StaffUrl:
    area: str
    name: str  # namespaced, for reverse()
    arguments: tuple[str, ...]
    view: Callable[..., Any]

    def __str__(self) -> str:
        return self.name


def _patterns(
    entries: list[Any], namespaces: tuple[str, ...] = (), arguments: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], URLPattern, tuple[str, ...]]]:
    for entry in entries:
        found = (*arguments, *getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _patterns(entry.url_patterns, inner, found)
        else:
            yield namespaces, entry, found


def staff_urls() -> list[StaffUrl]:
    """The back office, shop desk and POS pages, and simrenew's own views in the admin (the admin's
    model pages check Django's model permissions themselves)."""
    urls = []
    for namespaces, pattern, arguments in _patterns(get_resolver().url_patterns):
        area = namespaces[0] if namespaces else ""
        ours_in_admin = area == "admin" and pattern.callback.__module__.startswith("simrenew.")
        if (area in WALKED_AREAS and pattern.name not in OPEN_URL_NAMES) or ours_in_admin:
            assert pattern.name, f"a staff URL without a name: {pattern.pattern} in {area}"
            urls.append(StaffUrl(area, ":".join((*namespaces, pattern.name)), arguments, pattern.callback))
    return urls


STAFF_URLS = staff_urls()


def test_the_walk_finds_every_staff_area():
    areas = {url.area for url in STAFF_URLS}
    assert areas == {"backoffice", "shop", "pos", "admin"}
    assert {"backoffice:promotions", "backoffice:promotion_status", "shop:audit", "pos:settlement"} <= {
        url.name for url in STAFF_URLS
    }
    assert "admin:retail_retailer_settlement" in {url.name for url in STAFF_URLS}


@pytest.mark.parametrize("url", STAFF_URLS, ids=str)
def test_every_staff_view_declares_its_permission(url):
    assert declared_permission(url.view), f"{url.name} declares no permission (see simrenew.staff.access)"


# --- The world the walk runs in ------------------------------------------------------------------

NO_ROLE = "customer"  # a logged-in customer: no role at all


@dataclass
class World:
    users: dict[str, Any]
    samples: dict[tuple[str, str], Any]  # (area or "", argument) -> value

    def url(self, url: StaffUrl) -> str:
        kwargs = {}
        for argument in url.arguments:
            value = self.samples.get((url.area, argument), self.samples.get(("", argument)))
            if value is None:
                pytest.fail(f"{url.name} takes <{argument}>: give the walk a sample value for it")
            kwargs[argument] = value
        return reverse(url.name, kwargs=kwargs)


def _user_for(role: Role, shop: Any, outlet: Any) -> Any:
    if role in (SHOP_ASSISTANT, SHOP_MANAGER):
        kind = shops.MANAGER if role is SHOP_MANAGER else shops.ASSISTANT
        return shops.add_staff(shop=shop, email=f"{role.code}@staff.example", password=DEFAULT_PASSWORD, role=kind)
    if role is RETAIL_CASHIER:
        return create_cashier(outlet, email=f"{role.code}@staff.example")
    return create_staff_user(role, email=f"{role.code}@staff.example")


@pytest.fixture
def world() -> World:
    brand = create_brand(code="acme", name="Acme Mobile")
    bundle = create_bundle(brand, price_amount=1500)
    create_topup_product(brand)
    line = create_line(brand, credit=500)
    promotion = create_promotion(code="spring", starts_at=clock.now() - timedelta(days=1), names={"en": "Spring"})
    shop = create_shop("brussels")
    retailer = create_retailer(float_amount=10_000)
    outlet = create_outlet(retailer)
    users = {role.code: _user_for(role, shop, outlet) for role in ROLES}
    users[NO_ROLE] = create_customer(email="customer@example.be")
    shop_sale = ShopSale.objects.create(
        shop=shop,
        staff=users[SHOP_ASSISTANT.code],
        order=fulfil_paid(create_order(line=line, product=bundle)),
        method="cash",
        amount=1500,
        created_at=clock.now(),
    )
    pos_sale = Sale.objects.create(
        number="PS-WALK0001",
        retailer=retailer,
        outlet=outlet,
        cashier=users[RETAIL_CASHIER.code],
        kind=SaleKind.BUNDLE,
        brand=brand,
        order=fulfil_paid(create_order(line=line, product=bundle)),
        msisdn=line.msisdn,
        amount=1500,
        commission_amount=0,
        created_at=clock.now(),
    )
    case = support.open_case(
        name="An", email="an@example.be", topic="fees", body="A question", language="nl", actor="walk"
    )
    answer = support.answer(case=case, staff=users["customer-service"], body="An answer")
    refunded = paid_online_order(line=line, topup_amount=1000)
    with transaction.atomic():
        refund = refunds.request_refund(order_id=refunded.pk, amount=100, reason="Walk", actor=None)
    kiosk = create_kiosk("walk")
    with transaction.atomic():
        emptying = cashbox.empty_cash_box(kiosk=kiosk, counted={}, by=users[FINANCE.code])
    reconciliation = ReconciliationRun.objects.create(
        day=clock.now().date(), provider="mollie", first_run_at=clock.now(), last_run_at=clock.now()
    )
    difference = Difference.objects.create(
        run=reconciliation, cause=Cause.FEE_MISMATCH, reference="tr_walk", reason="fee", found_at=clock.now()
    )
    payout_brand_ = payout_brand()
    with transaction.atomic():
        paid = payouts.request_payout(
            line_id=ended_line(payout_brand_, credit=900).pk,
            iban="BE68539007547034",
            holder_name="Walk",
            email="walk@example.be",
            language="nl",
            customer=None,
            actor=None,
        )
        payouts.approve(request_id=paid.pk, actor=users[FINANCE.code])
        batch = payouts.create_batch(brand_id=payout_brand_.pk, actor=users[FINANCE.code])
        leftover = payouts.request_payout(
            line_id=ended_line(payout_brand_, credit=700).pk,
            iban="BE68539007547034",
            holder_name="Walk",
            email="walk@example.be",
            language="nl",
            customer=None,
            actor=None,
        )
    # A card payment waiting at the shop's counter (not sent to the provider yet: nothing to ask it).
    terminal = CardTerminal.objects.create(provider_terminal_id="term_walk0001", status="active", synced_at=clock.now())
    card_wait = TerminalPayment.objects.create(
        reference=f"shop:{shop.pk}:walk",
        terminal=terminal,
        channel="shop",
        seller_id=shop.pk,
        line=line,
        product=bundle,
        amount=1500,
        created_at=clock.now(),
        deadline_at=clock.now() + timedelta(minutes=10),
    )
    samples = {
        ("", "request_id"): leftover.pk,
        ("", "batch_id"): batch.pk,
        ("", "run_id"): reconciliation.pk,
        ("", "difference_id"): difference.pk,
        ("backoffice", "code"): kiosk.code,
        ("", "emptying_id"): emptying.pk,
        ("", "case_id"): case.pk,
        ("", "refund_id"): refund.pk,
        ("backoffice", "number"): refunded.number,
        ("", "message_id"): answer.pk,
        ("", "promotion_id"): promotion.pk,
        ("", "line_id"): line.pk,
        ("", "retailer_id"): retailer.pk,
        ("shop", "number"): shop_sale.order.number,
        ("shop", "reference"): card_wait.reference,
        ("pos", "number"): pos_sale.number,
    }
    return World(users, samples)


# --- What each role should get -------------------------------------------------------------------


def holds(role: Role, permission: str) -> bool:
    if permission == STAFF_MEMBER:
        return role.is_staff
    if permission == BACK_OFFICE:
        return role.is_staff and (role.all_permissions or bool(role.permissions - DESK_PERMISSIONS))
    return role.all_permissions or permission in role.permissions


def may_open(role: Role | None, url: StaffUrl) -> bool:
    """From staff.roles alone (not from the database): the role holds the permission, and is where
    the area needs it to be (the desk: staff of a shop; the POS: a cashier at an outlet; the admin:
    a staff login)."""
    if role is None:
        return False
    permitted = holds(role, declared_permission(url.view) or "")
    if url.area == "shop":
        return permitted and role in (SHOP_ASSISTANT, SHOP_MANAGER)
    if url.area == "pos":
        return permitted and role is RETAIL_CASHIER
    if url.area == "admin":
        return permitted and role.is_staff
    return permitted


def to_login(response: Any, area: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(LOGIN[area]))


def to_own_desk(response: Any, area: str) -> bool:
    """A back-office page sending a counter's login back to its desk (the shop desk, the POS)."""
    desks = (reverse("shop:desk"), reverse("pos:home"))
    return area == "backoffice" and response.status_code == 302 and response["Location"] in desks


def opened(response: Any, area: str) -> bool:
    """Past the permission check: the page (200), a redirect onwards, or GET on a POST-only action."""
    if response.status_code == 302:
        return not (to_login(response, area) or to_own_desk(response, area)) and "/staff/" not in response["Location"]
    return response.status_code in (200, 405)


def refused(response: Any, area: str) -> bool:
    return response.status_code == 403 or to_login(response, area) or to_own_desk(response, area)


def state() -> tuple:
    return (
        tuple(Promotion.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Sale.objects.order_by("pk").values_list("status", flat=True)),
        Order.objects.count(),
        ShopSale.objects.count(),
        Sale.objects.count(),
        tuple(Case.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Message.objects.order_by("pk").values_list("sent_at", flat=True)),
        tuple(Refund.objects.order_by("pk").values_list("status", "attempt", "amount")),
        tuple(Difference.objects.order_by("pk").values_list("resolution", "note")),
        tuple(ReconciliationRun.objects.order_by("pk").values_list("runs", "status")),
        tuple(LeftoverCreditRequest.objects.order_by("pk").values_list("status", "batch_id")),
    )


def client_for(world: World, who: str) -> Client:
    return Client() if who == "anonymous" else staff_session(world.users[who])


WHO = ["anonymous", NO_ROLE, *(role.code for role in ROLES)]


@pytest.mark.parametrize("who", WHO)
def test_each_role_opens_exactly_the_staff_pages_its_permissions_allow(world, who):
    role = next((each for each in ROLES if each.code == who), None)
    client = client_for(world, who)
    wrong = []
    for url in STAFF_URLS:
        response = client.get(world.url(url))
        expected_open = may_open(role, url)
        ok = opened(response, url.area) if expected_open else refused(response, url.area)
        if who == "anonymous":
            ok = to_login(response, url.area)
        if not ok:
            where = response.get("Location", "")
            wrong.append(
                f"{url.name}: {response.status_code} {where} (expected {'open' if expected_open else 'refused'})"
            )
    assert not wrong, f"{who}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("who", WHO)
def test_a_refused_post_changes_nothing(world, who):
    role = next((each for each in ROLES if each.code == who), None)
    client = client_for(world, who)
    before = state()
    for url in STAFF_URLS:
        if may_open(role, url):
            continue
        response = client.post(world.url(url), {"status": PromotionStatus.PAUSED, "confirm": "1"})
        assert refused(response, url.area), f"{who} POST {url.name}: {response.status_code}"
    assert state() == before


# Each role at the back office's start page and the admin's: a role whose desk is all it holds goes to
# that desk, and the admin does not let it in (it would show nothing, and offer a shared counter login
# a password change).
SHOP_DESK = "shop-desk"
POS = "pos"
ENTRANCES = {
    "anonymous": {"backoffice": "login", "admin": "login"},
    NO_ROLE: {"backoffice": 403, "admin": "login"},
    "customer-service": {"backoffice": 200, "admin": 200},
    "shop-assistant": {"backoffice": SHOP_DESK, "admin": "login"},
    "shop-manager": {"backoffice": SHOP_DESK, "admin": "login"},
    "retail-cashier": {"backoffice": POS, "admin": "login"},
    "marketing": {"backoffice": 200, "admin": 200},
    "finance": {"backoffice": 200, "admin": 200},
    "administrator": {"backoffice": 200, "admin": 200},
}


def _answer(response: Any) -> int | str:
    if response.status_code != 302:
        return response.status_code
    where = response["Location"]
    if where.startswith(reverse("admin:login")):
        return "login"
    return {reverse("shop:desk"): SHOP_DESK, reverse("pos:home"): POS}.get(where, where)


def test_every_role_is_named_at_the_entrances():
    assert set(ENTRANCES) == set(WHO)


@pytest.mark.parametrize("who", WHO)
def test_each_role_at_the_back_office_and_the_admin(world, who):
    client = client_for(world, who)
    home = client.get(reverse("backoffice:home"))
    admin = client.get(reverse("admin:index"))
    assert {"backoffice": _answer(home), "admin": _answer(admin)} == ENTRANCES[who]
    if home.status_code == 200:
        # The start page links the admin exactly when the admin lets the login in.
        assert (f'href="{reverse("admin:index")}"' in home.content.decode()) == (admin.status_code == 200)


@pytest.mark.parametrize("who", [SHOP_ASSISTANT.code, SHOP_MANAGER.code])
def test_shop_staff_get_none_of_the_admin(world, who):
    """Not its index, not its password change (the assistant's login is shared at the counter), not a
    model page."""
    client = client_for(world, who)
    for name in ("admin:index", "admin:password_change", "admin:shops_shop_changelist"):
        response = client.get(reverse(name))
        assert _answer(response) == "login", f"{who} {name}: {response.status_code}"


def test_the_start_page_links_the_admin_only_to_roles_it_lets_in(world):
    """A staff login whose permissions are all outside the admin's models (finance reports only) has
    the back office but no admin link."""
    user = create_staff_user(FINANCE, email="reports-only@staff.example")
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="view_finance_reports"))
    client = staff_session(user)
    page = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:reports") in page
    assert f'href="{reverse("admin:index")}"' not in page
    assert _answer(client.get(reverse("admin:index"))) == "login"


def _header(page: str) -> str:
    return page.split("<header", 1)[1].split("</header>", 1)[0]


@pytest.mark.parametrize("who", ["finance", "customer-service"])
def test_a_back_office_page_has_the_back_office_menu_not_the_customers(world, who):
    page = client_for(world, who).get(reverse("backoffice:refunds")).content.decode()
    header = _header(page)
    for customer_page in ("portal:account", "portal:topup", "portal:help"):
        assert f'href="{reverse(customer_page)}"' not in header, customer_page
    assert f'href="{reverse("backoffice:refunds")}"' in header
    assert f'href="{reverse("backoffice:leftover")}"' in header
    assert f'href="{reverse("admin:index")}"' in header
    assert f'action="{reverse("admin:logout")}"' in header
    # Only the pages this role may open.
    assert (f'href="{reverse("backoffice:reports")}"' in header) == (who == "finance")
    assert (f'href="{reverse("backoffice:support")}"' in header) == (who == "customer-service")


def test_a_refusal_in_the_back_office_keeps_its_menu(world):
    response = client_for(world, "marketing").get(reverse("backoffice:refunds"))
    assert response.status_code == 403
    header = _header(response.content.decode())
    assert f'href="{reverse("portal:account")}"' not in header
    assert f'href="{reverse("backoffice:promotions")}"' in header


def test_a_shop_assistant_cannot_open_the_promotions_or_pause_one(world):
    client = staff_session(world.users[SHOP_ASSISTANT.code])
    promotion = Promotion.objects.get(code="spring")
    assert client.get(reverse("backoffice:promotions")).status_code == 403
    response = client.post(
        reverse("backoffice:promotion_status", kwargs={"promotion_id": promotion.pk}), {"status": "paused"}
    )
    assert response.status_code == 403
    assert "Your staff role does not include this page or action." in response.content.decode()
    promotion.refresh_from_db()
    assert promotion.status == PromotionStatus.ACTIVE


def test_marketing_pauses_a_promotion_and_finance_may_only_read_it(world):
    promotion = Promotion.objects.get(code="spring")
    status_url = reverse("backoffice:promotion_status", kwargs={"promotion_id": promotion.pk})
    finance = staff_session(world.users["finance"])
    assert finance.get(reverse("backoffice:promotions")).status_code == 200
    assert finance.post(status_url, {"status": "paused"}).status_code == 403
    promotion.refresh_from_db()
    assert promotion.status == PromotionStatus.ACTIVE

    marketing = staff_session(world.users["marketing"])
    assert marketing.post(status_url, {"status": "paused"}).status_code == 302
    promotion.refresh_from_db()
    assert promotion.status == PromotionStatus.PAUSED


def test_a_role_with_a_second_factor_is_sent_to_it_on_every_staff_page(world):
    """Logged in with the password only: every staff page (and the admin) asks for the second factor
    first; counter roles are never asked."""
    urls = [*STAFF_URLS]
    for role in ROLES:
        client = Client()
        client.force_login(world.users[role.code])
        for url in urls:
            response = client.get(world.url(url))
            to_second_factor = response.status_code == 302 and response["Location"].startswith(
                reverse("staff:enrol") + "?next="
            )
            assert to_second_factor == role.second_factor, f"{role.code} {url.name}: {response.status_code}"
        admin = client.get(reverse("admin:index"))
        assert (admin.status_code == 302 and "/staff/enrol/" in admin["Location"]) == role.second_factor, role.code


# The policy for the pages that matter most, written out: the walk proves each declaration is
# enforced; this pins what the declarations and roles add up to.
POLICY = {
    "backoffice:promotions": {"marketing", "finance", "administrator"},
    "backoffice:promotion_status": {"marketing", "administrator"},
    "backoffice:home": {"customer-service", "marketing", "finance", "administrator"},
    "backoffice:support": {"customer-service", "administrator"},
    "backoffice:support_case": {"customer-service", "administrator"},
    "backoffice:support_answer": {"customer-service", "administrator"},
    "backoffice:support_status": {"customer-service", "administrator"},
    "backoffice:support_send": {"customer-service", "administrator"},
    "shop:renew": {"shop-assistant", "shop-manager"},
    "backoffice:refunds": {"customer-service", "finance", "administrator"},
    "backoffice:order": {"customer-service", "finance", "administrator"},
    "backoffice:refund_create": {"customer-service", "finance", "administrator"},
    "backoffice:refund_retry": {"customer-service", "finance", "administrator"},
    "backoffice:leftover": {"customer-service", "finance", "administrator"},
    "backoffice:leftover_on_behalf": {"customer-service", "administrator"},
    "backoffice:leftover_approve": {"finance", "administrator"},
    "backoffice:leftover_reject": {"finance", "administrator"},
    "backoffice:leftover_batch_create": {"finance", "administrator"},
    "backoffice:leftover_batch_file": {"finance", "administrator"},
    "shop:audit": {"shop-manager"},
    "pos:confirm": {"retail-cashier"},
    "pos:settlement": {"retail-cashier"},
    "admin:retail_retailer_settlement": {"finance", "administrator"},
    "backoffice:reconciliation": {"finance", "administrator"},
    "backoffice:reconciliation_run": {"finance", "administrator"},
    "backoffice:reconciliation_run_day": {"finance", "administrator"},
    "backoffice:reconciliation_resolve": {"finance", "administrator"},
    "backoffice:reports": {"finance", "administrator"},
    "backoffice:report_revenue": {"finance", "administrator"},
    "backoffice:report_liabilities": {"finance", "administrator"},
    "backoffice:commission_statement": {"finance", "administrator"},
}


@pytest.mark.parametrize(("name", "roles"), POLICY.items())
def test_who_may_open_the_pages_that_matter_most(name, roles):
    url = next(url for url in STAFF_URLS if url.name == name)
    assert {role.code for role in ROLES if may_open(role, url)} == roles
