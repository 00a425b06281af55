"""The help centre's articles: every topic in every language, rendered safely, searched in the
visitor's language (Chinese by substring), fees read from the brands' fee table."""

from pathlib import Path

import pytest
from django.conf import settings

from simrenew.brands.models import PaymentMethod, PaymentMethodFee
from simrenew.support import articles
from simrenew.support.articles import ArticleFileError
from simrenew.support.models import Topic
from tests.factories import create_brand

LANGUAGES = [code for code, _name in settings.LANGUAGES]
HELP_TOPICS = {topic.value for topic in articles.TOPICS}


def slugs(language: str) -> set[str]:
    return {each.slug for each in articles.articles(language)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_topic_and_the_same_articles(language):
    found = articles.articles(language)
    assert {each.topic for each in found} == HELP_TOPICS
    assert slugs(language) == slugs("en")
    assert len(found) >= 6
    for each in found:
        assert each.title and each.summary
        # Chinese says in one character what takes a word elsewhere
        assert len(each.text) > (300 if language == "zh-hans" else 900), f"{language}/{each.slug} is too short"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_articles_are_written_in_their_language_not_copied_from_english(language):
    english = {each.slug: each for each in articles.articles("en")}
    for each in articles.articles(language):
        assert each.title != english[each.slug].title
        assert each.parts[0] != english[each.slug].parts[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_links_inside_articles_stay_in_the_language(language):
    for each in articles.articles(language):
        html = "".join(each.parts)
        for start in range(len(html)):
            if html.startswith('href="/', start):
                assert html.startswith(f'href="/{language}/', start), (
                    f"{language}/{each.slug}: {html[start : start + 60]}"
                )


def test_the_fees_article_has_the_fee_table_marker_in_every_language():
    for language in LANGUAGES:
        fees = articles.article(language, "payment-fees")
        assert fees is not None and fees.shows_fees and len(fees.parts) == 2
        assert "[[fees]]" not in "".join(fees.parts)


def test_raw_html_in_an_article_is_shown_as_text(tmp_path, monkeypatch):
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "evil.md").write_text(
        "---\ntitle: T\ntopic: privacy\n---\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(articles, "ROOT", tmp_path)
    articles._load.cache_clear()
    try:
        html = "".join(articles.articles("en")[0].parts)
    finally:
        articles._load.cache_clear()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "href" not in html  # the javascript: link is left as text


def test_a_file_without_its_header_is_a_packaging_error(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "bad.md").write_text("no header\n", encoding="utf-8")
    monkeypatch.setattr(articles, "ROOT", tmp_path)
    articles._load.cache_clear()
    try:
        with pytest.raises(ArticleFileError):
            articles.articles("en")
    finally:
        articles._load.cache_clear()


def test_unknown_languages_and_slugs_have_no_articles():
    assert articles.articles("xx") == []
    assert articles.articles("../en") == []
    assert articles.article("en", "no-such-article") is None


# --- Search ----------------------------------------------------------------------------------------


def hits(language: str, query: str) -> list[str]:
    return [hit.article.slug for hit in articles.search(language, query)]


def test_search_ranks_the_article_about_it_first():
    assert hits("en", "fee")[0] == "payment-fees"
    assert hits("en", "voucher PIN")[0] == "top-up-in-a-shop"
    assert hits("en", "Card Stop")[0] == "official-sites-and-fakes"
    assert hits("nl", "automatisch verlengen")[0] == "auto-renew"
    assert hits("de", "Gutschein")[0] == "top-up-in-a-shop"


def test_every_word_must_be_found():
    assert hits("en", "voucher") != []
    assert hits("en", "voucher xylophone") == []
    assert hits("en", "   ") == []


def test_search_ignores_case_and_accents():
    assert hits("fr", "REESSAYER") == hits("fr", "réessayer") != []
    assert "failed-payment" in hits("fr", "reessayer")
    assert "top-up-in-a-shop" in hits("de", "rubbelkarte")


def test_search_stays_in_the_visitors_language():
    assert hits("en", "herladen") == []
    assert hits("nl", "herladen") != []


def test_chinese_is_found_by_any_part_of_a_sentence():
    assert hits("zh-hans", "充值券")[0] == "top-up-in-a-shop"
    assert hits("zh-hans", "手续费")[0] == "payment-fees"
    assert hits("zh-hans", "付款失败")[0] == "failed-payment"
    # a phrase that appears nowhere whole is tried by its two-character words
    assert hits("zh-hans", "自动续订失败")[0] == "auto-renew"
    assert hits("zh-hans", "量子物理") == []


def test_a_long_query_is_cut_not_refused():
    assert hits("en", "fee " + "x" * 500) == hits("en", "fee " + "x" * (articles.QUERY_MAX - 4))


# --- Fees --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_fee_table_is_read_from_the_brands_fees():
    brand = create_brand(name="Acme Mobile")
    PaymentMethodFee.objects.filter(brand=brand, method=PaymentMethod.PAYPAL).update(fixed_amount=40, percent_bp=150)
    PaymentMethodFee.objects.filter(brand=brand, method=PaymentMethod.BANK_TRANSFER).update(enabled=False)
    table = {row.method: row for row in articles.fee_table()[0].rows}
    assert (table["paypal"].fixed_amount, table["paypal"].percent_bp, table["paypal"].percent) == (40, 150, "1.5")
    assert table["creditcard"].fixed_amount == 25
    assert table["bancontact"].free
    assert not table["banktransfer"].enabled
    assert table["credit"].free


def test_the_article_folder_holds_only_known_languages():
    root = Path(articles.ROOT)
    assert {folder.name for folder in root.iterdir() if folder.is_dir()} == set(LANGUAGES)
    assert Topic.OTHER.value not in HELP_TOPICS
