from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "simrenew.ledger"
    label = "ledger"
