"""SEPA credit-transfer files (ISO 20022 pain.001.001.03) for leftover credit payouts, built with
sepaxml and validated against the schema it ships before anyone downloads them."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

from sepaxml import SepaTransfer

from simrenew.kit import crypto

SCHEMA = "pain.001.001.03"


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    name: str
    iban: str
    amount: int  # cents
    description: str


def message_id(batch_id: int) -> str:
    """The file's message id (GrpHdr/MsgId): ours, so the bank's reports name our batch."""
    return f"SIMRENEW-LO-{batch_id:08d}"


def end_to_end_id(request_id: int) -> str:
    """A transfer's end-to-end id, returned by the bank with it (and on the customer's statement)."""
    return f"SIMRENEW-LO-R{request_id:08d}"


def credit_transfer_file(
    *,
    message_id: str,
    created_at: datetime,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    currency: str,
    transfers: list[Transfer],
    execution_date: date,
) -> str:
    """The pain.001 XML of these transfers from the debtor's account, in one batch; raises
    sepaxml.validation.ValidationError if it does not match the schema."""
    config = {"name": debtor_name, "IBAN": debtor_iban, "batch": True, "currency": currency}
    if debtor_bic:
        config["BIC"] = debtor_bic
    document = SepaTransfer(config, schema=SCHEMA, clean=True)
    header = document._xml.find("CstmrCdtTrfInitn/GrpHdr")  # the library sets its own id and time
    assert header is not None
    _set(header, "MsgId", message_id)
    _set(header, "CreDtTm", created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    for transfer in transfers:
        document.add_payment(
            {
                "name": transfer.name,
                "IBAN": transfer.iban,
                "amount": transfer.amount,
                "execution_date": execution_date,
                "description": transfer.description,
                "endtoend_id": transfer.end_to_end_id,
            }
        )
    output: bytes = document.export(validate=True)
    return output.decode()


def _set(parent: ET.Element, tag: str, text: str) -> None:
    node = parent.find(tag)
    assert node is not None
    node.text = text


def seal(xml: str) -> str:
    return crypto.encrypt(xml)
