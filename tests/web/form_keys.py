"""Sending a money-taking form as a browser does: with the one-time `form_key` its page rendered."""

import re
from typing import Any

FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f]{32})"')


def form_key(response: Any) -> str:
    found = FORM_KEY.search(response.content.decode())
    assert found is not None, "the page renders no form key"
    return found.group(1)


def submit(client: Any, page_url: str, data: dict[str, Any], *, post_url: str | None = None) -> Any:
    """Open the page, then send its form with `data` and the key the page rendered."""
    key = form_key(client.get(page_url))
    return client.post(post_url or page_url, {**data, "form_key": key})


CONFIRM = re.compile(r'name="confirm" value="([^"]+)"')


def confirmation(response: Any) -> dict[str, str]:
    """What the confirm button of a priced page sends: the fingerprint of the quote it showed, and the
    page's form key."""
    found = CONFIRM.search(response.content.decode())
    assert found is not None, "the page shows no price to confirm"
    return {"confirm": found.group(1), "form_key": form_key(response)}
