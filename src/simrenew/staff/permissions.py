"""The permissions staff pages and actions ask for, named once.

Most are Django's model permissions (`<app>.view_<model>`, ...) or declared in a model's
`Meta.permissions` (shops, jobs). The few below marked *custom* belong to no model's Meta: this app
creates them on the owning model's content type (`sync_roles`), so the permission string still
reads as the domain's own (`promotions.manage_promotion`) without a migration in that domain.
"""

from dataclasses import dataclass

# Shop desk (shops.Shop Meta: use_shop_desk, view_all_tills, view_shop_audit_log).
USE_SHOP_DESK = "shops.use_shop_desk"
SELL_AT_COUNTER = "shops.sell_at_counter"  # custom
VIEW_ALL_TILLS = "shops.view_all_tills"
VIEW_SHOP_AUDIT_LOG = "shops.view_shop_audit_log"
# Retail: the cashier's POS page (its own outlet's sales and settlement), and every retailer's
# settlement for finance.
SELL_AT_TILL = "retail.sell_at_till"  # custom
VIEW_SETTLEMENT_REPORT = "retail.view_settlement_report"  # custom
# Promotions in the back office: reading them (with the customers who redeemed) and switching them.
VIEW_PROMOTION = "promotions.view_promotion"
MANAGE_PROMOTION = "promotions.manage_promotion"  # custom
# Support inbox (support.Case Meta: answer_case): read the cases, and answer or close them.
VIEW_SUPPORT_CASE = "support.view_case"
ANSWER_SUPPORT_CASE = "support.answer_case"
# Refunds of paid online orders: read an order's refunds, and refund or send a failed refund again.
VIEW_ORDER = "orders.view_order"
REFUND_ORDER = "orders.refund_order"  # custom
# Kiosk cash boxes (kiosks.CashBoxEmptying Meta: empty_cash_box): read their audit and emptyings,
# and record an emptying with its count.
VIEW_CASH_BOXES = "kiosks.view_cashboxemptying"
EMPTY_CASH_BOX = "kiosks.empty_cash_box"
# Finance reports (revenue, sales, promotions' cost, breakage, liabilities, refunds) and their exports.
VIEW_FINANCE_REPORTS = "ledger.view_finance_reports"  # custom
# Leftover credit of ended lines (payouts.LeftoverCreditRequest Meta): read the requests, ask on a
# customer's behalf (customer service), and approve, reject and pay them in SEPA files (finance).
VIEW_LEFTOVER_REQUEST = "payouts.view_leftovercreditrequest"
REQUEST_LEFTOVER_PAYOUT = "payouts.request_leftover_payout"
DECIDE_LEFTOVER_PAYOUT = "payouts.decide_leftover_payout"
# The daily reconciliation (finance.ReconciliationRun, finance.Difference Meta): read the runs and
# their differences, run a day again, and resolve a difference with a recorded decision.
VIEW_RECONCILIATION = "finance.view_reconciliationrun"
RUN_RECONCILIATION = "finance.run_reconciliation"
RESOLVE_DIFFERENCE = "finance.resolve_difference"
# Operations.
RETRY_JOB = "jobs.retry_job"
VIEW_AUDIT_LOG = "audit.view_auditentry"

# What a counter's own desk asks for (the shop desk, the POS) and nothing else does: a login holding only
# these has nothing to open in the back office or the admin, and is sent to its desk instead.
DESK_PERMISSIONS = frozenset({USE_SHOP_DESK, SELL_AT_COUNTER, VIEW_ALL_TILLS, VIEW_SHOP_AUDIT_LOG, SELL_AT_TILL})


@dataclass(frozen=True)
class CustomPermission:
    name: str  # "app_label.codename"
    model: str  # the model (lower-case name) of that app the permission hangs on
    description: str  # Permission.name, shown in the admin's permission lists

    @property
    def app_label(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.name.split(".", 1)[1]


CUSTOM_PERMISSIONS = [
    CustomPermission(SELL_AT_COUNTER, "shop", "Can sell renewals and top-ups at the shop counter"),
    CustomPermission(SELL_AT_TILL, "cashier", "Can sell at a retail till (the POS page) and read its settlement"),
    CustomPermission(VIEW_SETTLEMENT_REPORT, "retailer", "Can read every retailer's daily settlement and its CSV"),
    CustomPermission(MANAGE_PROMOTION, "promotion", "Can activate, pause and end promotions"),
    CustomPermission(REFUND_ORDER, "order", "Can refund paid orders and send a failed refund again"),
    CustomPermission(VIEW_FINANCE_REPORTS, "account", "Can read the finance reports and export them"),
]
