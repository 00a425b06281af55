"""Django's {# … #} comments end on their own line: one left open is printed on the page as text."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR)


def test_every_short_comment_closes_on_its_line() -> None:
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("templates/**/*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == [], "use {% comment %} … {% endcomment %} for a comment of several lines"
