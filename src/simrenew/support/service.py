"""Customer-service cases: a customer writes through the contact form (a new case, or a follow-up on
their own case), customer service answers by e-mail in the customer's language, and every message
stays on the case.

E-mails go out after commit (a rollback sends nothing). An answer that could not be sent is kept on
the case with the reason, and customer service sees it and can send it again.
"""

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from simrenew.kit import clock
from simrenew.kit.codes import readable_code
from simrenew.lines.models import Line
from simrenew.notifications import service as notifications
from simrenew.support.errors import EmptyMessage, MessageTooLong
from simrenew.support.models import Case, CaseStatus, Direction, Message
from simrenew.throttles import service as throttles
from simrenew.throttles.service import Rule

log = logging.getLogger(__name__)

REFERENCE_PREFIX = "SC-"
REFERENCE_LENGTH = 8
MESSAGE_MAX = 5000
# Per actor (an account, else a network address), never per e-mail address typed: a flood of forms
# is stopped without letting anyone lock a customer out by typing their address.
CONTACT_FORMS = Rule(
    "support:contact",
    5,
    timedelta(hours=1),
    _("You sent several messages in a short time. Please wait until %(until)s before sending another one."),
)


def open_case(
    *,
    name: str,
    email: str,
    topic: str,
    body: str,
    language: str,
    actor: str,
    msisdn: str = "",
    customer: Any = None,
    reference: str = "",
) -> Case:
    """A message from the contact form. With the reference of an earlier case written from the same
    e-mail address, it joins that case (reopened); otherwise it opens a new case. The customer gets
    an acknowledgement with the reference, in their language, after commit. Throttled per `actor`
    (Throttled). Caller owns the transaction."""
    text = _message_text(body)
    throttles.take(CONTACT_FORMS.of(actor))
    now = clock.now()
    email = email.strip().lower()
    case = _follow_up(reference=reference, email=email)
    if case is None:
        case = _new_case(
            name=name,
            email=email,
            topic=topic,
            language=language,
            msisdn=msisdn,
            customer=customer,
            at=now,
        )
        follow_up = False
    else:
        case.status = CaseStatus.OPEN
        case.updated_at = now
        case.save(update_fields=["status", "updated_at"])
        follow_up = True
    Message.objects.create(
        case=case, direction=Direction.IN, author=customer, author_name=name.strip(), body=text, created_at=now
    )
    _after_commit_acknowledge(case, follow_up=follow_up)
    return case


def answer(*, case: Case, staff: Any, body: str) -> Message:
    """Customer service's answer: kept on the case (now answered) and e-mailed to the customer in the
    case's language after commit, its subject carrying the reference. Caller owns the transaction."""
    text = _message_text(body)
    case = Case.objects.select_for_update().get(pk=case.pk)
    now = clock.now()
    message = Message.objects.create(
        case=case,
        direction=Direction.OUT,
        author=staff,
        author_name=_staff_name(staff),
        body=text,
        created_at=now,
    )
    case.status = CaseStatus.ANSWERED
    case.updated_at = now
    case.save(update_fields=["status", "updated_at"])
    notifications.after_commit(lambda: send_answer(message.pk))
    return message


def set_status(*, case: Case, status: str) -> Case:
    """Close a case, or reopen it. Caller owns the transaction."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.status = CaseStatus(status)
    case.save(update_fields=["status"])
    return case


def send_answer(message_id: int) -> bool:
    """E-mail an answer (again, if it failed before); records when it went or why it did not. Same
    message key each time: a resend is recognisably the same message. Sent answers are not resent."""
    message = Message.objects.select_related("case").get(pk=message_id, direction=Direction.OUT)
    if message.sent_at is not None:
        return True
    case = message.case
    context = {
        "reference": case.reference,
        "name": case.name,
        "body": message.body,
        "author": message.author_name,
        "contact_link": _contact_link(case),
    }
    try:
        notifications.send_email_now(
            to=case.email,
            template="support_answer",
            context=context,
            language=case.language,
            message_key=f"support:{case.reference}:{message.pk}",
        )
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("answer %s on case %s not sent: %s", message.pk, case.pk, exc)
        Message.objects.filter(pk=message.pk).update(send_error=str(exc)[:300])
        return False
    Message.objects.filter(pk=message.pk).update(sent_at=clock.now(), send_error="")
    return True


def forget_customer(*, customer_id: int, email: str) -> int:
    """An account was deleted: its cases lose what identifies the person (name, address, number,
    message texts); that a case existed, when and about what, stays. Returns how many cases."""
    cases = Case.objects.filter(customer_id=customer_id) | Case.objects.filter(email__iexact=email)
    ids = list(cases.values_list("pk", flat=True))
    Message.objects.filter(case_id__in=ids).update(body="", author_name="", author=None)
    Case.objects.filter(pk__in=ids).update(
        name="", email="", msisdn="", line=None, customer=None, status=CaseStatus.CLOSED
    )
    return len(ids)


def _message_text(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise EmptyMessage(field="message")
    if len(text) > MESSAGE_MAX:
        raise MessageTooLong(field="message", limit=MESSAGE_MAX)
    return text


def _follow_up(*, reference: str, email: str) -> Case | None:
    """The customer's own earlier case: the reference and the e-mail address must both match (a
    reference alone, read off someone's e-mail, joins nothing). Locked for the update."""
    reference = reference.strip().upper()
    if not reference:
        return None
    return Case.objects.select_for_update().filter(reference=reference, email=email).first()


def _new_case(*, name: str, email: str, topic: str, language: str, msisdn: str, customer: Any, at: Any) -> Case:
    line = Line.objects.filter(msisdn=msisdn).first() if msisdn else None
    for _attempt in range(5):  # 31^8 references: a clash is rare, and a new draw fixes it
        reference = REFERENCE_PREFIX + readable_code(REFERENCE_LENGTH)
        try:
            with transaction.atomic():
                return Case.objects.create(
                    reference=reference,
                    email=email,
                    name=name.strip(),
                    language=language,
                    topic=topic,
                    customer=customer,
                    line=line,
                    msisdn=msisdn,
                    created_at=at,
                    updated_at=at,
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free case reference after 5 draws")


def _after_commit_acknowledge(case: Case, *, follow_up: bool) -> None:
    context = {
        "reference": case.reference,
        "name": case.name,
        "follow_up": follow_up,
        "help_link": _portal_link(case.language, "portal:help"),
        "contact_link": _contact_link(case),
    }
    to, language = case.email, case.language
    key = f"support:{case.reference}:received:{clock.now().isoformat()}"
    notifications.after_commit(
        lambda: notifications.send_email_now(
            to=to, template="support_received", context=context, language=language, message_key=key
        )
    )


def _portal_link(language: str, name: str) -> str:
    with translation.override(language):
        return settings.PUBLIC_URL + reverse(name)


def _contact_link(case: Case) -> str:
    return f"{_portal_link(case.language, 'portal:help_contact')}?reference={case.reference}"


def _staff_name(staff: Any) -> str:
    name = (getattr(staff, "full_name", "") or "").strip()
    return name.split()[0] if name else ""
