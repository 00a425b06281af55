from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "simrenew.payouts"
    label = "payouts"
    verbose_name = _("Leftover credit payouts")
