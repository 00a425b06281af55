"""Customer accounts: registration, e-mail verification and linking lines by an SMS code.

A line has one holder: linking it from another account moves it there (`take_line`), the previous
account is told by e-mail and loses it at once, and its auto-renew on the line stops.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext

from simrenew.customers.address import Address
from simrenew.customers.errors import (
    AlreadyLinked,
    CodeExpired,
    InvalidVerificationLink,
    TooManyCodeAttempts,
    WrongCode,
)
from simrenew.customers.models import HoldingEnd, LineHolding, LineLink, LinkChallenge, User
from simrenew.customers.tokens import email_verification_token
from simrenew.kit import clock
from simrenew.kit.codes import constant_time_equal, keyed_hash, one_time_code
from simrenew.kit.errors import DomainError
from simrenew.kit.parse import MAX_ID, is_ascii_digits, whole_number
from simrenew.lines import service as lines
from simrenew.lines.models import Line
from simrenew.lines.queries import line_by_number
from simrenew.notifications import service as notifications
from simrenew.throttles import service as throttles
from simrenew.throttles.errors import Throttled
from simrenew.throttles.service import Rule

MAX_CODE_ATTEMPTS = 5
NAME_MAX = 120
ADDRESS_FIELDS = ("address_street", "address_postcode", "address_city", "address_country")
CODE_LIFETIME = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=15)
MAX_CODES_PER_HOUR = 5
# "You already have an account" e-mails: one per account per quarter hour, whatever sign-up is tried.
# Its refusal is never shown: sign-up answers the same whether the e-mail went or not.
ACCOUNT_EXISTS_MAIL = Rule("signup:account-exists", 1, timedelta(minutes=15), "account-exists e-mail sent recently")


def register(
    *, email: str, password: str, language: str, full_name: str = "", address: Address | None = None
) -> User | None:
    """Sign up: a new, unverified customer, e-mailed a verification link (after commit).

    For an address that already has an account, nothing is created (None) and the account's owner
    is e-mailed instead, in their language: "you already have an account: log in or reset your
    password". Callers answer both cases alike, so sign-up never tells whether an address has an
    account; the password is checked and hashed in both, so both take about as long.
    """
    user = User(email=email.strip().lower(), full_name=full_name.strip(), language=language)
    _set_address(user, address or Address())
    validate_password(password, user)
    user.set_password(password)
    existing = User.objects.filter(email=user.email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same address signed up at the same moment
            existing = User.objects.get(email=user.email)
    if existing is not None:
        _tell_owner_account_exists(existing)
        return None
    send_verification_email(user=user)
    return user


def update_profile(*, customer: User, full_name: str, address: Address) -> User:
    """The customer's name and postal address, as they changed them in My data."""
    customer.full_name = " ".join(full_name.split())[:NAME_MAX]
    _set_address(customer, address)
    customer.save(update_fields=["full_name", *ADDRESS_FIELDS])
    return customer


def _set_address(user: User, address: Address) -> None:
    user.address_street, user.address_postcode = address.street, address.postcode
    user.address_city, user.address_country = address.city, address.country if address.given else ""


def _tell_owner_account_exists(owner: User) -> None:
    """E-mail the owner that someone (most likely they) tried to sign up again with their address;
    at most one such e-mail per account per ACCOUNT_EXISTS_MAIL window, so sign-up is no way to flood a mailbox."""
    if not owner.is_active:
        return
    try:
        throttles.take(ACCOUNT_EXISTS_MAIL.of(str(owner.pk)))
    except Throttled:
        return  # told a moment ago; the page says the same either way
    with translation.override(owner.language):
        login, reset = reverse("portal:login"), reverse("portal:password_reset")
    context = {
        "user_email": owner.email,
        "login_link": settings.PUBLIC_URL + login,
        "reset_link": settings.PUBLIC_URL + reset,
    }
    email, language, key = owner.email, owner.language, f"user:{owner.pk}:account-exists:{clock.now().isoformat()}"
    notifications.after_commit(
        lambda: notifications.send_email_now(
            to=email, template="account_exists", context=context, language=language, message_key=key
        )
    )


def send_verification_email(*, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    with translation.override(user.language):
        path = reverse("portal:verify_email", kwargs={"uidb64": uid, "token": token})
    context = {"user_email": user.email, "link": f"{settings.PUBLIC_URL}{path}"}
    notifications.after_commit(
        lambda: notifications.send_email_now(
            to=user.email,
            template="verify_email",
            context=context,
            language=user.language,
            message_key=f"user:{user.pk}:verify:{token}",  # each link its own message
        )
    )


def verify_email(*, uidb64: str, token: str) -> User:
    try:
        user = User.objects.get(pk=whole_number(urlsafe_base64_decode(uidb64).decode(), minimum=1, maximum=MAX_ID))
    except (ValueError, TypeError, DomainError, User.DoesNotExist) as exc:
        raise InvalidVerificationLink() from exc
    if user.email_verified:
        return user
    if not email_verification_token.check_token(user, token):
        raise InvalidVerificationLink()
    user.email_verified_at = clock.now()
    user.save(update_fields=["email_verified_at"])
    return user


def lines_of(customer: User) -> list[Line]:
    return [
        link.line
        for link in LineLink.objects.filter(customer=customer)
        .select_related("line", "line__brand")
        .order_by("linked_at")
    ]


def owns_line(*, customer: User, line: Line) -> bool:
    return LineLink.objects.filter(customer=customer, line=line).exists()


def start_line_link(*, customer: User, raw_number: str) -> LinkChallenge:
    """Send a 6-digit code by SMS to the line; the customer proves possession by typing it."""
    line = line_by_number(raw_number)
    if LineLink.objects.filter(customer=customer, line=line).exists():
        raise AlreadyLinked()
    now = clock.now()
    if LinkChallenge.objects.filter(customer=customer, locked_at__gte=now - LOCKOUT).exists():
        raise TooManyCodeAttempts()
    if (
        LinkChallenge.objects.filter(customer=customer, created_at__gte=now - timedelta(hours=1)).count()
        >= MAX_CODES_PER_HOUR
    ):
        raise TooManyCodeAttempts()
    code = one_time_code()
    challenge = LinkChallenge.objects.create(
        customer=customer,
        line=line,
        code_hash=keyed_hash(code, purpose="line-link"),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    with translation.override(customer.language):
        text = gettext("simrenew: your code to link this number is %(code)s. It is valid for 10 minutes.") % {
            "code": code
        }
    msisdn = line.msisdn
    notifications.after_commit(lambda: notifications.send_sms_now(to=msisdn, text=text))
    return challenge


def confirm_line_link(*, customer: User, challenge_id: int, code: str) -> LineLink:
    """Check a code. A wrong code counts an attempt (which stays counted) and raises WrongCode.

    The caller must let the attempt counter commit even when this raises: the view runs it
    in its own transaction and shows the error afterwards.
    """
    challenge = LinkChallenge.objects.select_for_update().filter(pk=challenge_id, customer=customer).first()
    if challenge is None or challenge.used_at is not None:
        raise CodeExpired()
    if challenge.attempts >= MAX_CODE_ATTEMPTS:
        raise TooManyCodeAttempts()
    if challenge.expires_at <= clock.now():
        raise CodeExpired()
    cleaned = "".join((code or "").split())
    typed_right = is_ascii_digits(cleaned) and constant_time_equal(
        keyed_hash(cleaned, purpose="line-link"), challenge.code_hash
    )
    if not typed_right:
        challenge.attempts += 1
        if challenge.attempts >= MAX_CODE_ATTEMPTS:
            challenge.locked_at = clock.now()
        challenge.save(update_fields=["attempts", "locked_at"])
        if challenge.attempts >= MAX_CODE_ATTEMPTS:
            raise TooManyCodeAttempts()
        raise WrongCode()
    challenge.used_at = clock.now()
    challenge.save(update_fields=["used_at"])
    return take_line(customer=customer, line=challenge.line)


def take_line(*, customer: User, line: Line) -> LineLink:
    """Make `customer` the line's one holder (they proved they have it). Caller owns the transaction.

    Another account's link and holding end now: that account no longer sees the line, the line's
    auto-renew (which it switched on, with its saved payment means) is off, and it is told by e-mail
    after commit. Taking a line one already holds changes nothing.
    """
    line = lines.lock_line(line.pk)
    current = LineLink.objects.select_related("customer").filter(line=line).first()
    if current is not None and current.customer_id == customer.pk:
        return current
    now = clock.now()
    if current is not None:
        auto_renew_stopped = line.auto_renew
        lines.set_auto_renew(line=line, enabled=False)
        end_holding(link=current, at=now, reason=HoldingEnd.MOVED)
        _tell_previous_holder(holder=current.customer, line=line, at=now, auto_renew_stopped=auto_renew_stopped)
    LineHolding.objects.create(customer=customer, line=line, started_at=now)
    return LineLink.objects.create(customer=customer, line=line, linked_at=now)


def end_holding(*, link: LineLink, at: datetime, reason: str) -> None:
    """The link's account stops holding the line: its link goes, its holding ends at `at`."""
    LineHolding.objects.filter(line_id=link.line_id, customer_id=link.customer_id, ended_at__isnull=True).update(
        ended_at=at, end_reason=reason
    )
    link.delete()


def _tell_previous_holder(*, holder: User, line: Line, at: datetime, auto_renew_stopped: bool) -> None:
    """E-mail the account that lost the line, in its language (after commit; a rollback sends nothing)."""
    if not (holder.is_active and holder.email_verified):
        return
    with translation.override(holder.language):
        path = reverse("portal:link_line")
    context = {
        "number": line.masked,
        "moved_at": at,
        "auto_renew_stopped": auto_renew_stopped,
        "link": f"{settings.PUBLIC_URL}{path}",
    }
    email, language, key = holder.email, holder.language, f"line:{line.pk}:moved:{holder.pk}:{at.isoformat()}"
    notifications.after_commit(
        lambda: notifications.send_email_now(
            to=email, template="line_moved", context=context, language=language, message_key=key
        )
    )
