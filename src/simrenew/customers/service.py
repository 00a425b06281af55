"""Customer accounts: registration, e-mail verification and linking lines by an SMS code."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext

from simrenew.customers.errors import (
    AlreadyLinked,
    CodeExpired,
    EmailTaken,
    InvalidVerificationLink,
    TooManyCodeAttempts,
    WrongCode,
)
from simrenew.customers.models import LineLink, LinkChallenge, User
from simrenew.customers.tokens import email_verification_token
from simrenew.kit import clock
from simrenew.kit.codes import constant_time_equal, keyed_hash, one_time_code
from simrenew.lines.models import Line
from simrenew.lines.queries import line_by_number
from simrenew.notifications import service as notifications

MAX_CODE_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=15)
MAX_CODES_PER_HOUR = 5


def register(*, email: str, password: str, language: str, full_name: str = "") -> User:
    """Create an unverified customer and e-mail them a verification link (after commit)."""
    user = User(email=email.strip().lower(), full_name=full_name.strip(), language=language)
    if User.objects.filter(email=user.email).exists():
        raise EmailTaken()
    validate_password(password, user)
    user.set_password(password)
    user.save()
    send_verification_email(user=user)
    return user


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
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, User.DoesNotExist) as exc:
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
    if not (cleaned.isdigit() and constant_time_equal(keyed_hash(cleaned, purpose="line-link"), challenge.code_hash)):
        challenge.attempts += 1
        if challenge.attempts >= MAX_CODE_ATTEMPTS:
            challenge.locked_at = clock.now()
        challenge.save(update_fields=["attempts", "locked_at"])
        if challenge.attempts >= MAX_CODE_ATTEMPTS:
            raise TooManyCodeAttempts()
        raise WrongCode()
    challenge.used_at = clock.now()
    challenge.save(update_fields=["used_at"])
    link, _ = LineLink.objects.get_or_create(
        customer=customer, line=challenge.line, defaults={"linked_at": clock.now()}
    )
    return link
