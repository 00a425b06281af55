"""Background jobs of vouchers: named `vouchers.<verb>`, idempotent."""

from django.tasks import task

from simrenew.vouchers import service


@task()
def expire_vouchers() -> int:
    """vouchers.expire_vouchers: PINs past their expiry date expire (sold ones go to breakage)."""
    return service.expire_due()
