"""Staff roles: what each kind of staff member may open and do, in one place.

A role is a Django group of the same name holding exactly the permissions listed here;
`simrenew sync_roles` (also run by the staff app's migration and after every `migrate`) makes the
groups match this file. Pages never ask for a role, only for a permission (see staff.access), so a
role can gain or lose a page here without touching a view.

Roles used at shared counters (shop assistant, retail cashier) work without a second factor;
every other role must verify a one-time code after the password (staff.queries.second_factor_required).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from simrenew.staff import permissions as p


@dataclass(frozen=True)
class Role:
    code: str
    group: str  # the Django group's name (stored, so not translated)
    label: Promise
    permissions: frozenset[str]
    # False only for roles at shared counters, where a personal authenticator is impractical and
    # what the role can do is bounded to the counter.
    second_factor: bool
    # Django's is_staff: may log into the staff areas (shop staff need it for the desk). The back office
    # and the admin let in only a role with something to open there (staff.access.BACK_OFFICE,
    # staff.admin_site).
    is_staff: bool = True
    # Every permission that exists, now and after each sync (new models included).
    all_permissions: bool = False


SHOP_DESK = frozenset({p.USE_SHOP_DESK, p.SELL_AT_COUNTER})

CUSTOMER_SERVICE = Role(
    code="customer-service",
    group="Customer service",
    label=_("Customer service"),
    second_factor=True,
    permissions=frozenset(
        {
            "brands.view_brand",
            "catalog.view_product",
            "lines.view_line",
            "lines.view_bundleperiod",
            "lines.view_bonusgrant",
            "customers.view_user",
            "customers.view_linelink",
            "orders.view_order",
            "orders.view_receipt",
            "payments.view_payment",
            "notifications.view_notification",
            "renewals.view_autorenewsetting",
            "renewals.view_renewalattempt",
            "vouchers.view_voucher",
            "vouchers.view_redemptionattempt",
            p.VIEW_SUPPORT_CASE,
            "support.view_message",
            p.ANSWER_SUPPORT_CASE,
            "orders.view_refund",
            p.REFUND_ORDER,
            p.VIEW_LEFTOVER_REQUEST,
            p.REQUEST_LEFTOVER_PAYOUT,
        }
    ),
)
SHOP_ASSISTANT = Role(
    code="shop-assistant",
    group="Shop assistant",
    label=_("Shop assistant"),
    second_factor=False,
    permissions=SHOP_DESK,
)
SHOP_MANAGER = Role(
    code="shop-manager",
    group="Shop manager",
    label=_("Shop manager"),
    second_factor=True,
    permissions=SHOP_DESK | {p.VIEW_ALL_TILLS, p.VIEW_SHOP_AUDIT_LOG},
)
RETAIL_CASHIER = Role(
    code="retail-cashier",
    group="Retail cashier",
    label=_("Retail cashier"),
    second_factor=False,
    is_staff=False,
    permissions=frozenset({p.SELL_AT_TILL}),
)
MARKETING = Role(
    code="marketing",
    group="Marketing",
    label=_("Marketing"),
    second_factor=True,
    permissions=frozenset(
        {
            "brands.view_brand",
            "catalog.view_product",
            p.VIEW_PROMOTION,
            "promotions.add_promotion",
            "promotions.change_promotion",
            "promotions.view_redemption",
            p.MANAGE_PROMOTION,
        }
    ),
)
FINANCE = Role(
    code="finance",
    group="Finance",
    label=_("Finance"),
    second_factor=True,
    permissions=frozenset(
        {
            "brands.view_brand",
            "brands.view_paymentmethodfee",
            "ledger.view_account",
            "ledger.view_journal",
            "ledger.view_posting",
            "orders.view_order",
            "orders.view_receipt",
            "payments.view_payment",
            "payments.view_paymentevent",
            "payments.view_webhookinbox",
            "retail.view_retailer",
            "retail.view_outlet",
            "retail.view_commissionrate",
            "retail.view_floatdeposit",
            "retail.add_floatdeposit",
            "retail.view_sale",
            p.VIEW_SETTLEMENT_REPORT,
            "shops.view_shop",
            "shops.view_shopsale",
            "kiosks.view_kiosksale",
            p.VIEW_CASH_BOXES,
            p.EMPTY_CASH_BOX,
            "vouchers.view_voucherbatch",
            p.VIEW_PROMOTION,
            "promotions.view_redemption",
            "renewals.view_renewalcharge",
            p.VIEW_AUDIT_LOG,
            "orders.view_refund",
            p.REFUND_ORDER,
            # Out-of-bundle rates: finance prices them (a change is a new version from a moment on).
            "charging.view_rate",
            "charging.add_rate",
            "charging.view_chargingsession",
            "charging.view_usage",
            p.VIEW_FINANCE_REPORTS,
            p.VIEW_LEFTOVER_REQUEST,
            "payouts.view_payoutbatch",
            p.DECIDE_LEFTOVER_PAYOUT,
            # The daily reconciliation with the payment provider, floats, vouchers and cash boxes.
            p.VIEW_RECONCILIATION,
            "finance.view_difference",
            p.RUN_RECONCILIATION,
            p.RESOLVE_DIFFERENCE,
        }
    ),
)
ADMINISTRATOR = Role(
    code="administrator",
    group="Administrator",
    label=_("Administrator"),
    second_factor=True,
    permissions=frozenset(),
    all_permissions=True,
)

ROLES = (CUSTOMER_SERVICE, SHOP_ASSISTANT, SHOP_MANAGER, RETAIL_CASHIER, MARKETING, FINANCE, ADMINISTRATOR)
BY_CODE = {role.code: role for role in ROLES}
BY_GROUP = {role.group: role for role in ROLES}


def role(code: str) -> Role:
    """The role with this code (KeyError names the codes there are)."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"no staff role {code!r}; roles are {', '.join(BY_CODE)}") from None


def roles_named(groups: Iterable[str]) -> list[Role]:
    """The roles among these group names (other groups are not roles and are ignored)."""
    return [BY_GROUP[name] for name in groups if name in BY_GROUP]


def counter_permissions(roles: Iterable[Role]) -> frozenset[str]:
    """What the counter roles among `roles` grant: the only permissions a login without a second
    factor may hold."""
    granted: set[str] = set()
    for each in roles:
        if not each.second_factor:
            granted |= each.permissions
    return frozenset(granted)
