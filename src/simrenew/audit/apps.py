from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "simrenew.audit"
    label = "audit"
