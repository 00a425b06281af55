"""The language switcher works on every page, whatever language the browser or the cookie asks for:
a Dutch page opened by an English browser switches to Chinese (Django alone sent it back to the Dutch
page, resolving it under English)."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accepts", "page", "chosen", "lands_on"),
    [
        ("en", "/nl/topup/", "zh-hans", "/zh-hans/topup/"),
        ("nl", "/zh-hans/topup/?number=0470123456", "nl", "/nl/topup/?number=0470123456"),
        ("fr", "/de/", "en", "/en/"),
        ("en", "/en/topup/", "fr", "/fr/topup/"),
    ],
)
def test_choosing_a_language_opens_the_same_page_in_it(accepts, page, chosen, lands_on):
    client = Client(headers={"accept-language": accepts})
    answer = client.post("/i18n/setlang/", {"language": chosen, "next": page})
    assert answer.status_code == 302
    assert answer["Location"] == lands_on
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == chosen


def test_a_cookie_of_another_language_does_not_hold_the_page_back():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    answer = client.post("/i18n/setlang/", {"language": "nl", "next": "/zh-hans/account/"})
    assert answer["Location"] == "/nl/account/"


def test_a_page_elsewhere_is_refused_as_django_refuses_it():
    answer = Client().post("/i18n/setlang/", {"language": "nl", "next": "https://evil.example/nl/"})
    assert answer["Location"] == "/"
