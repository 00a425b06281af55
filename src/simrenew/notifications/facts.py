"""The facts of an event, kept with its notices as JSON and read back when a notice is rendered (by
its delivery, in the recipient's language): records by reference, moments as ISO text, the rest as is.

Rendering at delivery keeps the scheduler's work to recording what happened; the workers that send
render too, each message once (the text is stored before the first send, so a resend is the same).
"""

from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Model

MODEL, MOMENT = "$model", "$datetime"


def dump(facts: dict[str, Any]) -> dict[str, Any]:
    return {name: _dump(value) for name, value in facts.items()}


def _dump(value: Any) -> Any:
    if isinstance(value, Model):
        return {MODEL: value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {MOMENT: value.isoformat()}
    return value


def load(stored: dict[str, Any]) -> dict[str, Any]:
    return {name: _load(value) for name, value in stored.items()}


def _load(value: Any) -> Any:
    if isinstance(value, dict) and MODEL in value:
        return apps.get_model(value[MODEL]).objects.filter(pk=value["pk"]).first()
    if isinstance(value, dict) and MOMENT in value:
        return datetime.fromisoformat(value[MOMENT])
    return value
