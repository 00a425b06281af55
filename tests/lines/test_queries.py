"""lines.queries: finding a line by a typed number, and its balances."""

import pytest

from simrenew.kit.phone import InvalidMsisdn
from simrenew.lines.errors import UnknownLine
from simrenew.lines.queries import balances, line_by_number
from tests.factories import create_line, post_bonus

pytestmark = pytest.mark.django_db


def test_line_by_number_in_any_usual_form():
    line = create_line(msisdn="+32470123456")
    for typed in ("0470 12 34 56", "+32470123456", "0032 470 12 34 56", "0470/12.34.56"):
        assert line_by_number(typed).pk == line.pk


def test_line_by_number_unknown_and_invalid():
    create_line(msisdn="+32470123456")
    with pytest.raises(UnknownLine) as error:
        line_by_number("0470 99 99 99")
    assert str(error.value) == "This number is not a line of ours. Check the number, or contact your operator."
    assert error.value.status == 404
    with pytest.raises(InvalidMsisdn):
        line_by_number("+33 6 12 34 56 78")


def test_balances_of_credit_and_bonus():
    line = create_line(credit=1250)
    post_bonus(line, 300)
    found = balances(line)
    assert (found.credit_amount, found.bonus_amount, found.total_amount) == (1250, 300, 1550)


def test_balances_of_a_line_without_accounts_are_zero():
    line = create_line()
    assert balances(line).total_amount == 0
