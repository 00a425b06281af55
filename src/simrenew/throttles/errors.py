"""The refusal of a rate limit: who is limited (the rule's own message) and until when."""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.functional import Promise

from simrenew.kit import clock
from simrenew.kit.errors import TooManyAttempts


class LocalMoment:
    """A moment shown when the message is rendered, in the reader's language: the time alone if it
    is today, with the date otherwise; rounded up to the minute, so that trying again at the time
    shown is never too early."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __str__(self) -> str:
        shown = self.moment
        if shown.second or shown.microsecond:
            shown = shown.replace(second=0, microsecond=0) + timedelta(minutes=1)
        local = timezone.localtime(shown)
        time = formats.time_format(local, "H:i")  # 24-hour, as in Belgium (and no "p.m." before the full stop)
        if local.date() == timezone.localtime(clock.now()).date():
            return time
        return f"{formats.date_format(local, 'DATE_FORMAT')} {time}"


class Throttled(TooManyAttempts):
    """A budget is used up. The message comes from the rule ("Too many wrong PINs from this kiosk
    screen; try again at %(until)s.") and is rendered in the active language."""

    def __init__(self, message: Promise | str, *, rule: str, until: datetime) -> None:
        super().__init__(message, until=LocalMoment(until))
        self.rule = rule
        self.until = until

    @property
    def retry_after(self) -> int:
        """Whole seconds until the budget frees up (for a Retry-After header), at least 1."""
        return max(1, int((self.until - clock.now()).total_seconds() + 0.999))
