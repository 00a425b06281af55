"""The translation catalogues are complete, and cover every translatable string in the code and templates.

The catalogues are maintained with (from src/simrenew):

    ../../.venv/bin/python ../../manage.py makemessages -l zh_Hans -l en -l nl -l fr -l de --ignore=sandbox/*

English is a catalogue like the others (msgstr = msgid), so every language is checked the same way.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.utils.translation import to_locale

PACKAGE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
# "zh-hans" -> "zh_Hans": the directory name Django looks the catalogue up under.
LOCALE_DIRS = [to_locale(code) for code, _name in settings.LANGUAGES]
# Must match the --ignore options of the makemessages command above.
MAKEMESSAGES_IGNORE = ["sandbox/*"]
# What makemessages reads for the "django" domain (its default extensions).
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
UPDATE_HINT = (
    "update the catalogues: cd src/simrenew && ../../.venv/bin/python ../../manage.py makemessages "
    + " ".join(f"-l {name}" for name in LOCALE_DIRS)
    + "".join(f" --ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE)
    + ", then translate the new entries"
)


def po_path(locale_dir: str) -> Path:
    return LOCALE_DIR / locale_dir / "LC_MESSAGES" / "django.po"


def load_catalogue(locale_dir: str) -> Catalog:
    path = po_path(locale_dir)
    if not path.is_file():
        pytest.fail(f"missing catalogue for {locale_dir}: {path}; {UPDATE_HINT}")
    with path.open("rb") as po:
        try:
            # abort_invalid: a syntax error, or more plural forms than the header's nplurals, fails the test.
            return read_po(po, abort_invalid=True)
        except PoFileError as error:
            pytest.fail(f"{path} is not a valid catalogue: {error}")


def describe(message: Message) -> str:
    text = " / ".join(message.id) if isinstance(message.id, tuple | list) else message.id
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
    context = f" [context {message.context!r}]" if message.context else ""
    return f"{text!r}{context}" + (f" ({where})" if where else "")


def translation_problem(message: Message, catalogue: Catalog) -> str | None:
    """Why this message would not be shown translated, or None if it will be."""
    if message.fuzzy:
        return "fuzzy"
    if isinstance(message.id, tuple | list):
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if len(forms) != catalogue.num_plurals:
            return f"{len(forms)} plural forms, the header says {catalogue.num_plurals}"
        if not all(forms):
            return "a plural form is empty"
        return None
    return None if message.string else "untranslated"


@pytest.mark.parametrize("locale_dir", LOCALE_DIRS)
def test_catalogue_is_complete(locale_dir: str) -> None:
    catalogue = load_catalogue(locale_dir)
    problems = []
    if catalogue.fuzzy:
        # msgfmt drops a fuzzy header, and with it the charset and the Plural-Forms.
        problems.append("the header is marked fuzzy")
    for message in catalogue:
        if not message.id:
            continue
        problem = translation_problem(message, catalogue)
        if problem:
            problems.append(f"{problem}: {describe(message)}")
    assert len(catalogue) > 1, f"{po_path(locale_dir)} has no messages"
    assert not problems, f"{locale_dir}: {len(problems)} translation problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("locale_dir", LOCALE_DIRS)
def test_catalogue_formats_match(locale_dir: str) -> None:
    """Placeholders such as %(number)s survive translation (what compilemessages checks too)."""
    path = po_path(locale_dir)
    if not path.is_file():
        pytest.fail(f"missing catalogue for {locale_dir}: {path}")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def _copy_sources_only(directory: str, names: list[str]) -> set[str]:
    """shutil.copytree filter: keep the folders and the files makemessages reads, nothing else."""
    skipped = set()
    for name in names:
        path = Path(directory, name)
        if path.is_dir():
            # A locale folder is where makemessages writes, not a source; compiled files are not sources.
            if name in {"locale", "__pycache__"}:
                skipped.add(name)
        elif path.suffix not in SOURCE_SUFFIXES:
            skipped.add(name)
    return skipped


def extract_messages(workdir: Path) -> Catalog:
    """Run makemessages on a copy of the sources, so the repository is never written to.

    makemessages writes temporary files next to the templates and writes its catalogue under the
    settings' LOCALE_PATHS, so it runs in a copy of src/simrenew with throw-away settings whose only
    LOCALE_PATHS entry is the copy's own locale folder.
    """
    copy = workdir / "simrenew"
    shutil.copytree(PACKAGE_DIR, copy, ignore=_copy_sources_only)
    (copy / "locale").mkdir()
    settings_dir = workdir / "settings"
    settings_dir.mkdir()
    (settings_dir / "i18n_extract_settings.py").write_text(
        f'SECRET_KEY = "i18n-extract"\nUSE_I18N = True\nLOCALE_PATHS = [{str(copy / "locale")!r}]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "i18n_extract_settings", "PYTHONPATH": str(settings_dir)}
    command = [sys.executable, "-m", "django", "makemessages", "--locale", "en", "--verbosity", "0"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    fresh = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh.is_file(), f"makemessages wrote no catalogue:\n{result.stdout}\n{result.stderr}"
    with fresh.open("rb") as po:
        return read_po(po)


def test_catalogues_cover_every_translatable_string(tmp_path: Path) -> None:
    fresh = extract_messages(tmp_path)
    assert len(fresh) > 1, "makemessages found no translatable strings: is the extraction broken?"
    catalogues = {locale_dir: load_catalogue(locale_dir) for locale_dir in LOCALE_DIRS}
    problems = []
    for message in fresh:
        if not message.id:
            continue
        for locale_dir, catalogue in catalogues.items():
            known = catalogue.get(message.id, message.context)
            if known is None or known.id != message.id:
                problems.append(f"{locale_dir}: not in the catalogue: {describe(message)}")
                continue
            problem = translation_problem(known, catalogue)
            if problem:
                problems.append(f"{locale_dir}: {problem}: {describe(message)}")
    assert not problems, (
        f"{len(problems)} translatable string(s) missing from the catalogues; {UPDATE_HINT}:\n" + "\n".join(problems)
    )
