"""The single source of 'now', so tests and the demo clock can move time."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
