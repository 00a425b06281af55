"""Leftover credit: asked for on an ended line, approved into a payable (with the brand's fee as
revenue and VAT), paid in a pain.001 file; bonus never paid; refusals change nothing."""

import xml.etree.ElementTree as ET

import pytest
from django.db import transaction

from simrenew.kit.iban import InvalidIban
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, Journal
from simrenew.lines.models import LineStatus
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.payouts import service
from simrenew.payouts.errors import (
    CreditChanged,
    HolderNameInvalid,
    LeftoverNotOffered,
    LineNotEnded,
    NoPayoutAccount,
    NothingApproved,
    NothingToPayBack,
    RejectReasonMissing,
    RequestAlreadyOpen,
    RequestNotPending,
)
from simrenew.payouts.models import LeftoverCreditRequest, LeftoverStatus, PayoutBatch
from simrenew.staff.roles import FINANCE
from tests.factories import create_customer
from tests.payouts.factories import DEBTOR_IBAN, IBAN, ended_line, payout_brand
from tests.staff.factories import create_staff_user

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def ask(line, *, iban=IBAN, holder="Jan Peeters", email="jan@example.be", language="en", customer=None, actor=None):
    with transaction.atomic():
        return service.request_payout(
            line_id=line.pk,
            iban=iban,
            holder_name=holder,
            email=email,
            language=language,
            customer=customer,
            actor=actor,
        )


def approve(request, actor):
    with transaction.atomic():
        return service.approve(request_id=request.pk, actor=actor)


def pay(brand, actor):
    with transaction.atomic():
        return service.create_batch(brand_id=brand.pk, actor=actor)


def account_balance(code):
    account = Account.objects.filter(code=code).first()
    return ledger.balance(account) if account else 0


def mails_to(address):
    return list(OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, recipient=address).order_by("pk"))


def test_the_paid_credit_less_the_fee_is_asked_for_and_the_bonus_stays(django_capture_on_commit_callbacks):
    brand = payout_brand(fee=250)
    line = ended_line(brand, credit=1234, bonus=500)
    customer = create_customer(email="jan@example.be")

    with django_capture_on_commit_callbacks(execute=True):
        made = ask(line, iban="be68 5390 0754 7034", customer=customer)

    assert (made.amount, made.fee_amount, made.payout_amount) == (1234, 250, 984)
    assert made.status == LeftoverStatus.REQUESTED
    assert made.iban == IBAN
    assert IBAN not in made.iban_encrypted  # encrypted at rest
    assert made.iban_masked == "BE•• … 7034"
    assert (balances(line).credit_amount, balances(line).bonus_amount) == (
        1234,
        500,
    )  # nothing moves until finance approves
    [mail] = mails_to("jan@example.be")
    assert "€9.84" in mail.subject


def test_approval_moves_the_credit_to_the_payable_and_the_fee_to_revenue_and_vat():
    brand = payout_brand(fee=250)
    line = ended_line(brand, credit=1234, bonus=500)
    made = ask(line)
    finance = create_staff_user(FINANCE)

    approved = approve(made, finance)

    assert approved.status == LeftoverStatus.APPROVED
    assert (approved.decided_by, approved.decided_at is not None) == (finance, True)
    assert (balances(line).credit_amount, balances(line).bonus_amount) == (0, 500)  # the bonus is never paid back
    assert account_balance("platform:leftover_payable") == 984
    assert account_balance("platform:fee_revenue") == 207  # 2.50 incl. 21 % VAT
    assert account_balance("platform:vat_payable") == 43
    assert ledger.verify() == []


def test_the_sepa_file_pays_every_approved_request_of_the_brand_once(django_capture_on_commit_callbacks):
    brand = payout_brand(fee=100)
    finance = create_staff_user(FINANCE)
    first = ask(ended_line(brand, credit=1234), email="one@example.be", language="nl")
    second = ask(
        ended_line(brand, credit=5000, status=LineStatus.PORTED_OUT), iban="NL91ABNA0417164300", holder="Ana Müller"
    )
    waiting = ask(ended_line(brand, credit=700))  # still requested: not in the file
    other_brand = ask(ended_line(payout_brand(), credit=900))
    for each in (first, second, other_brand):
        approve(each, finance)

    with django_capture_on_commit_callbacks(execute=True):
        batch = pay(brand, finance)

    assert (batch.count, batch.total_amount) == (2, 1134 + 4900)
    root = ET.fromstring(batch.xml)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == batch.message_id == f"SIMRENEW-LO-{batch.pk:08d}"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "60.34"
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEBTOR_IBAN
    assert info.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Acme Mobile NV"
    transfers = {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): (
            tx.findtext("p:Amt/p:InstdAmt", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    }
    assert transfers == {
        f"SIMRENEW-LO-R{first.pk:08d}": ("11.34", IBAN, "Jan Peeters"),
        f"SIMRENEW-LO-R{second.pk:08d}": ("49.00", "NL91ABNA0417164300", "Ana Muller"),
    }
    statuses = dict(LeftoverCreditRequest.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: LeftoverStatus.PAID,
        second.pk: LeftoverStatus.PAID,
        waiting.pk: LeftoverStatus.REQUESTED,
        other_brand.pk: LeftoverStatus.APPROVED,
    }
    assert account_balance("platform:leftover_payable") == 900  # the other brand's, still owed
    assert account_balance(f"brand:{brand.code}:bank") == 6034
    assert ledger.verify() == []
    [paid] = mails_to("one@example.be")  # (the request notice was not run here)
    assert batch.message_id in paid.body
    # Written in the customer's language: Dutch greeting and money format.
    assert paid.body.startswith("Hallo,")
    assert "€\xa011,34" in paid.body

    with pytest.raises(NothingApproved), transaction.atomic():
        service.create_batch(brand_id=brand.pk, actor=finance)
    assert PayoutBatch.objects.count() == 1


def test_rejection_keeps_the_credit_and_tells_the_customer_why(django_capture_on_commit_callbacks):
    line = ended_line(credit=800)
    made = ask(line, email="fr@example.be", language="fr")
    finance = create_staff_user(FINANCE)
    with pytest.raises(RejectReasonMissing), transaction.atomic():
        service.reject(request_id=made.pk, actor=finance, reason="   ")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        service.reject(request_id=made.pk, actor=finance, reason="Le titulaire ne correspond pas")

    made.refresh_from_db()
    assert (made.status, made.reject_reason) == (LeftoverStatus.REJECTED, "Le titulaire ne correspond pas")
    assert balances(line).credit_amount == 800
    [mail] = mails_to("fr@example.be")
    assert mail.body.startswith("Bonjour,")
    assert "Le titulaire ne correspond pas" in mail.body
    assert ask(line).status == LeftoverStatus.REQUESTED  # a rejected request is closed: ask again


def test_a_decided_request_cannot_be_decided_again():
    made = ask(ended_line(credit=800))
    finance = create_staff_user(FINANCE)
    approve(made, finance)
    for action in (
        lambda: service.approve(request_id=made.pk, actor=finance),
        lambda: service.reject(request_id=made.pk, actor=finance, reason="late"),
    ):
        with pytest.raises(RequestNotPending), transaction.atomic():
            action()
    assert Journal.objects.filter(key__startswith=f"leftover:{made.pk}:").count() == 1


def test_approval_is_refused_when_the_credit_went_down_and_nothing_moves():
    line = ended_line(credit=800)
    made = ask(line)
    LeftoverCreditRequest.objects.filter(pk=made.pk).update(amount=900)  # more than the line holds now
    with pytest.raises(CreditChanged), transaction.atomic():
        approve(made, create_staff_user(FINANCE))
    made.refresh_from_db()
    assert made.status == LeftoverStatus.REQUESTED
    assert balances(line).credit_amount == 800
    assert ledger.verify() == []


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda: ended_line(payout_brand(enabled=False)), LeftoverNotOffered),
        (lambda: ended_line(status=LineStatus.ACTIVE), LineNotEnded),
        (lambda: ended_line(status=LineStatus.SUSPENDED), LineNotEnded),
        (lambda: ended_line(credit=0, bonus=900), NothingToPayBack),
        (lambda: ended_line(payout_brand(fee=500), credit=500), NothingToPayBack),
    ],
)
def test_a_request_that_cannot_be_paid_is_refused_and_records_nothing(setup, error):
    line = setup()
    with pytest.raises(error):
        ask(line)
    assert not LeftoverCreditRequest.objects.exists()


@pytest.mark.parametrize(
    ("iban", "holder", "error"),
    [
        ("BE68539007547035", "Jan", InvalidIban),
        ("BE68 5390 0754 703\u0664", "Jan", InvalidIban),
        (IBAN, " ", HolderNameInvalid),
        (IBAN, "J", HolderNameInvalid),
        (IBAN, "Jan\x00", HolderNameInvalid),
    ],
)
def test_bad_input_is_refused_and_records_nothing(iban, holder, error):
    with pytest.raises(error):
        ask(ended_line(), iban=iban, holder=holder)
    assert not LeftoverCreditRequest.objects.exists()


def test_one_open_request_per_line():
    line = ended_line()
    ask(line)
    with pytest.raises(RequestAlreadyOpen):
        ask(line)
    approve(LeftoverCreditRequest.objects.get(), create_staff_user(FINANCE))
    with pytest.raises(RequestAlreadyOpen):
        ask(line)
    assert LeftoverCreditRequest.objects.count() == 1


def test_no_file_without_the_brands_payout_account():
    brand = payout_brand(payout_iban="")
    made = ask(ended_line(brand))
    finance = create_staff_user(FINANCE)
    approve(made, finance)
    with pytest.raises(NoPayoutAccount), transaction.atomic():
        service.create_batch(brand_id=brand.pk, actor=finance)
    made.refresh_from_db()
    assert made.status == LeftoverStatus.APPROVED
    assert not PayoutBatch.objects.exists()


def test_a_ported_out_line_cannot_be_sold_to():
    from simrenew.lines import service as lines
    from simrenew.lines.errors import LineNotUsable

    with pytest.raises(LineNotUsable):
        lines.ensure_usable(ended_line(status=LineStatus.PORTED_OUT))
