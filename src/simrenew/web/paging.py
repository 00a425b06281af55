"""A newer / older pager that does not count: a page of a list is read with one row more than it
shows (is there an older page?), instead of a COUNT of the whole list and then the page. The
portal's order lists link only to the newer and the older page, never to "page 7 of 12", so the
total is never needed; on My account the COUNT was a query of its own over the customer's orders."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Model, QuerySet

from simrenew.kit import parse

MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page[T: Model]:
    """What the templates use of Django's `Page`: iterate it, test it, and ask for its neighbours."""

    object_list: list[T]
    number: int
    has_next: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of[T: Model](rows: QuerySet[T], number: object, per_page: int) -> Page[T]:
    """Page `number` of `rows` (in their order), in one query. A number that is not one in ASCII
    digits, or a page past the end (the list got shorter), is the first page."""
    wanted = parse.whole_number_or_none(number, minimum=1, maximum=MAX_PAGE) or 1
    start = (wanted - 1) * per_page
    found = list(rows[start : start + per_page + 1])
    if not found and wanted > 1:
        return page_of(rows, 1, per_page)
    return Page(found[:per_page], wanted, len(found) > per_page)
