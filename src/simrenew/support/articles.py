"""The help centre's articles: Markdown files per language (support/articles/<language>/<slug>.md),
rendered safely, and searched in the visitor's language.

Each file starts with a header between `---` lines (`title`, `topic`, `order`, `summary`), then the
Markdown. Raw HTML in an article is shown as text, never run; links may not use javascript: or
data: (markdown-it's link check). A paragraph `[[fees]]` marks where the live fee table goes: the
fees are read from the brands' fee table, never written into an article.

Search needs no database: the articles are a few dozen files, read once per process. It matches
case- and accent-insensitively ("prelevement" finds "prélèvement") and by substring, so Chinese,
written without spaces, is found by any part of a sentence; a longer Chinese query that matches
nowhere as a whole is tried by its two-character words.
"""

import functools
import html
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.html import strip_tags
from markdown_it import MarkdownIt

from simrenew.brands.models import ONLINE_METHODS, Brand, PaymentMethod, PaymentMethodFee
from simrenew.support.models import Topic

ROOT = Path(__file__).resolve().parent / "articles"
FEES_MARKER = "<p>[[fees]]</p>"
QUERY_MAX = 100
TITLE_WEIGHT, SUMMARY_WEIGHT, BODY_HIT_WEIGHT, BODY_HITS_COUNTED = 5, 2, 1, 5
# The topics of the help centre, in the order its index shows them ("other" is for the contact form).
TOPICS = [
    Topic.RENEWAL,
    Topic.FEES,
    Topic.TOP_UP_OFFLINE,
    Topic.OFFICIAL_SITES,
    Topic.FAILED_PAYMENT,
    Topic.PRIVACY,
]


@dataclass(frozen=True)
class Article:
    language: str
    slug: str
    title: str
    topic: str
    order: int
    summary: str
    # The rendered HTML in parts; the fee table goes between two parts (after each but the last).
    parts: tuple[str, ...] = field(repr=False)
    text: str = field(repr=False)  # normalised plain text of the title, summary and body, for search

    @property
    def shows_fees(self) -> bool:
        return len(self.parts) > 1

    @property
    def topic_label(self) -> str:
        return str(Topic(self.topic).label)


@dataclass(frozen=True)
class Hit:
    article: Article
    score: int


class ArticleFileError(ValueError):
    """An article file is not as this module expects (a packaging mistake, caught by the tests)."""


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def articles(language: str) -> list[Article]:
    """The language's articles by topic (in TOPICS order), then their `order`."""
    return list(_load(language.lower()))


def article(language: str, slug: str) -> Article | None:
    return next((each for each in articles(language) if each.slug == slug), None)


def by_topic(language: str) -> list[tuple[str, str, list[Article]]]:
    """(topic, its label, its articles) for each topic that has articles in the language."""
    found = articles(language)
    sections = [(topic.value, str(topic.label), [a for a in found if a.topic == topic]) for topic in TOPICS]
    return [section for section in sections if section[2]]


def search(language: str, query: str) -> list[Hit]:
    """The language's articles that match every word of the query, best first."""
    terms = normalise(query[:QUERY_MAX]).split()
    if not terms:
        return []
    hits = []
    for each in articles(language):
        score = _score(each, terms)
        if score:
            hits.append(Hit(each, score))
    return sorted(hits, key=lambda hit: (-hit.score, TOPICS.index(Topic(hit.article.topic)), hit.article.order))


def normalise(text: str) -> str:
    """Lower case, accents off, every run of spaces one space (what search compares)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


# --- Fees, from the brands' fee table


@dataclass(frozen=True)
class FeeRow:
    method: str
    label: str
    fixed_amount: int  # cents, VAT included
    percent_bp: int  # basis points of the price
    enabled: bool

    @property
    def free(self) -> bool:
        return self.fixed_amount == 0 and self.percent_bp == 0

    @property
    def percent(self) -> str:
        """The percentage as people write it: 1.5, 2, 0.25 (the template adds the locale's sign)."""
        whole, rest = divmod(self.percent_bp, 100)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class BrandFees:
    brand: Brand
    rows: list[FeeRow]


def fee_table() -> list[BrandFees]:
    """Each brand's fee per online payment method, as configured now (no row: no fee)."""
    brands = list(Brand.objects.order_by("name"))
    fees: dict[tuple[int, str], PaymentMethodFee] = {
        (fee.brand_id, fee.method): fee for fee in PaymentMethodFee.objects.filter(brand__in=brands)
    }
    table = []
    for brand in brands:
        rows = []
        for method in [*ONLINE_METHODS, PaymentMethod.CREDIT]:
            fee = fees.get((brand.pk, method.value)) if method != PaymentMethod.CREDIT else None
            rows.append(
                FeeRow(
                    method=method.value,
                    label=str(method.label),
                    fixed_amount=fee.fixed_amount if fee else 0,
                    percent_bp=fee.percent_bp if fee else 0,
                    enabled=fee.enabled if fee else True,
                )
            )
        table.append(BrandFees(brand, rows))
    return table


# --- Reading the files


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


@functools.cache
def _load(language: str) -> tuple[Article, ...]:
    folder = ROOT / language
    if language not in languages() or not folder.is_dir():
        return ()
    found = [_read(language, path) for path in sorted(folder.glob("*.md"))]
    return tuple(sorted(found, key=lambda a: (TOPICS.index(Topic(a.topic)), a.order, a.title)))


def _read(language: str, path: Path) -> Article:
    source = path.read_text(encoding="utf-8")
    head, body = _split_header(source, path)
    try:
        topic = Topic(head["topic"])
        title, summary, order = head["title"], head.get("summary", ""), int(head.get("order", "0"))
    except (KeyError, ValueError) as exc:
        raise ArticleFileError(f"{path}: {exc}") from exc
    rendered = _markdown.render(body)
    parts = tuple(rendered.split(FEES_MARKER))
    plain = html.unescape(strip_tags(rendered.replace(FEES_MARKER, " ")))
    return Article(
        language=language,
        slug=path.stem,
        title=title,
        topic=topic.value,
        order=order,
        summary=summary,
        parts=parts,
        text=normalise(" ".join((title, summary, plain))),
    )


def _split_header(source: str, path: Path) -> tuple[dict[str, str], str]:
    lines = source.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [line.strip() for line in lines[1:]]:
        raise ArticleFileError(f"{path}: no header between --- lines")
    end = 1 + [line.strip() for line in lines[1:]].index("---")
    head = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ArticleFileError(f"{path}: header line without a colon: {line!r}")
        head[key.strip()] = value.strip()
    return head, "\n".join(lines[end + 1 :])


# --- Ranking


def _score(each: Article, terms: list[str]) -> int:
    """Every term must be found (in the title, summary or body); 0 means no match."""
    total = 0
    title, summary = normalise(each.title), normalise(each.summary)
    for term in terms:
        found = _term_score(term, title, summary, each.text)
        if not found and _is_cjk(term) and len(term) > 2:
            found = _bigram_score(term, each.text)
        if not found:
            return 0
        total += found
    return total


def _term_score(term: str, title: str, summary: str, text: str) -> int:
    hits = min(text.count(term), BODY_HITS_COUNTED)
    if not hits:
        return 0
    return TITLE_WEIGHT * (term in title) + SUMMARY_WEIGHT * (term in summary) + BODY_HIT_WEIGHT * hits


def _bigram_score(term: str, text: str) -> int:
    """For a Chinese phrase found nowhere whole: how many of its two-character words the text has,
    if at least half of them."""
    pairs = {term[i : i + 2] for i in range(len(term) - 1) if _is_cjk(term[i : i + 2])}
    found = sum(1 for pair in pairs if pair in text)
    return found if pairs and found * 2 >= len(pairs) else 0


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)
