"""Every customer page fits a phone: at 360 x 640 and 390 x 844, in Chinese and in German (long words),
nothing scrolls sideways, the header folds into a menu that opens, and the header's links and the
page's buttons and fields are touch targets of at least 44 x 44 px (WCAG 2.5.5; links inside
sentences are exempt). The POS pages' bar is one row on a desktop and a tidy grid on a phone, in
Dutch, Chinese, French and German. Set SIMRENEW_SCREENSHOTS=1 to keep a screenshot of every page."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from tests.browser.customer_pages import CUSTOMER, CustomerPage, PortalData, build, log_in
from tests.factories import DEFAULT_PASSWORD
from tests.retail.factories import create_cashier, create_outlet, create_retailer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONES = [(360, 640), (390, 844)]
LANGUAGES = ["zh-hans", "de"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots" / "phone-fit"
MIN_TARGET = 44

# What sticks out past the right edge: the deepest elements wider than the viewport, to name the culprit.
OVERFLOW = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > width + 0.5)) continue;
    const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    out.push(`<${el.tagName.toLowerCase()}${el.className ? ' class="' + el.className + '"' : ''}> ` +
             `right edge ${Math.round(box.right)} px "${text}"`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, culprits: out.slice(0, 4)};
}"""

# Controls smaller than 44 x 44 px: the header's links, buttons and menu, and the page's buttons, fields
# and choices (a radio or a checkbox counts by its label, which takes the tap too).
SMALL_TARGETS = """(minimum) => {
  const seen = new Set();
  const small = [];
  const visible = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const name = el => (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 40);
  const check = (el, target) => {
    if (seen.has(target) || !visible(target)) return;
    seen.add(target);
    const box = target.getBoundingClientRect();
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      small.push(`<${el.tagName.toLowerCase()}${el.type ? ' type=' + el.type : ''}> "${name(target)}" ` +
                 `${Math.round(box.width)} x ${Math.round(box.height)} px`);
    }
  };
  const selector = 'header a, header button, header summary, header select, ' +
    'main button, main a.button, main input:not([type=hidden]), main select, main textarea, main summary';
  for (const el of document.querySelectorAll(selector)) {
    if (el.type === 'radio' || el.type === 'checkbox') {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      check(el, label || el);
    } else {
      check(el, el);
    }
  }
  return small;
}"""


def _url(site: str, language: str, page: CustomerPage) -> str:
    return f"{site}/{language}{page.path}"


def _open_menu(tab: Page) -> str | None:
    """On a phone the header shows a Menu button; pressed, it shows the main navigation. Returns what is wrong."""
    toggle = tab.locator("header details.menu-toggle > summary")
    if toggle.count() == 0:
        return None  # a page without the portal's header (the printable receipt)
    if not toggle.is_visible():
        return "the header's Menu button is not shown"
    nav = tab.locator("header").get_by_role("navigation", name=re.compile(".+")).first
    if nav.is_visible():
        return "the navigation is shown before the Menu button is pressed"
    toggle.press("Enter")  # by keyboard, as someone without a touch screen would
    if not nav.is_visible():
        return "the navigation does not show after pressing the Menu button"
    return None


def _check(tab: Page, site: str, language: str, size: tuple[int, int], page: CustomerPage) -> list[str]:
    where = f"{page.label} [{language}, {size[0]}x{size[1]}] {page.path}"
    response = tab.goto(_url(site, language, page))
    problems = []
    if response is None or response.status >= 500:
        return [f"{where}: answered {response.status if response else 'nothing'}"]
    # The link that no longer works answers with its error page (4xx); every other page answers 200.
    if response.status != 200 and not page.label.startswith("verify_email"):
        problems.append(f"{where}: answered {response.status}")
    if (menu := _open_menu(tab)) is not None:
        problems.append(f"{where}: {menu}")
    # Against the phone's width, not window.innerWidth: a mobile browser zooms out to show what overflows.
    fit = tab.evaluate(OVERFLOW, size[0])
    if fit["scrollWidth"] > size[0]:
        problems.append(
            f"{where}: the page is {fit['scrollWidth']} px wide on a {size[0]} px wide phone; "
            f"sticking out: {'; '.join(fit['culprits']) or '?'}"
        )
    small = tab.evaluate(SMALL_TARGETS, MIN_TARGET)
    if small:
        problems.append(f"{where}: touch targets under {MIN_TARGET} px: {'; '.join(small)}")
    if problems or os.environ.get("SIMRENEW_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", page.label.lower()).strip("-")
        tab.screenshot(path=SCREENSHOTS / f"{language}-{size[0]}-{slug}.png", full_page=True)
    return problems


def test_every_customer_page_fits_a_phone_in_chinese_and_german(browser: Browser, site: str) -> None:
    data: PortalData = build(site)
    problems: list[str] = []
    for width, height in PHONES:
        for who in ("guest", CUSTOMER):
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
            if who == CUSTOMER:
                log_in(context, site, data)
            tab = context.new_page()
            for page in (p for p in data.pages if p.who == who):
                for language in LANGUAGES:
                    problems += _check(tab, site, language, (width, height), page)
            context.close()
    assert not problems, f"{len(problems)} problems on a phone:\n" + "\n".join(problems)


def test_the_header_menu_is_a_row_of_links_on_a_desktop(page: Page, site: str) -> None:
    # given a visitor on a wide screen
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{site}/de/")
    # then no Menu button: the navigation and the language choice are in the bar
    assert not page.locator("header details.menu-toggle > summary").is_visible()
    assert page.get_by_role("navigation", name=re.compile(".+")).first.is_visible()
    assert page.get_by_label(re.compile("Sprache|Language")).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    if os.environ.get("SIMRENEW_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "de-1280-home.png")


# --- The POS pages -------------------------------------------------------------------------------

POS_PAGES = ["/pos/", "/pos/pin/", "/pos/settlement/"]
POS_LANGUAGES = ["nl", "zh-hans", "fr", "de"]

# Where the bar's pieces sit: those off the logo's row, the links whose words wrap, the links' columns,
# and the language choice.
POS_BAR = """() => {
  const bar = document.querySelector('header.pos-bar');
  const box = el => el.getBoundingClientRect();
  const middle = el => box(el).top + box(el).height / 2;
  const lines = el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  const links = [...bar.querySelectorAll('nav a, nav button')];
  const pieces = [bar.querySelector('.logo'), bar.querySelector('.where'), ...links, bar.querySelector('select')];
  return {
    height: box(bar).height,
    offRow: pieces.filter(el => Math.abs(middle(el) - middle(pieces[0])) > 8).map(el => el.innerText.trim()),
    wrapped: links.filter(el => lines(el) > 1).map(el => el.innerText.trim()),
    columns: new Set(links.map(el => Math.round(box(el).left))).size,
    logoTop: box(bar.querySelector('.logo')).top,
    selectTop: box(bar.querySelector('select')).top,
    selectBottom: box(bar.querySelector('select')).bottom,
    selectStyled: getComputedStyle(bar.querySelector('select')).borderTopLeftRadius !== '0px',
  };
}"""


def _cashier_tab(browser: Browser, site: str, size: tuple[int, int]) -> Page:
    cashier = create_cashier(
        create_outlet(create_retailer(float_amount=500_000, name="Carrefour"), name="Bruxelles Midi")
    )
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    tab = context.new_page()
    tab.goto(f"{site}/en/pos/login/")
    tab.get_by_label("E-mail address").fill(cashier.email)
    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_label("Password").press("Enter")
    tab.wait_for_url(f"{site}/en/pos/")
    return tab


def _screenshot(tab: Page, name: str) -> None:
    if os.environ.get("SIMRENEW_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=SCREENSHOTS / name)


def test_the_pos_bar_is_one_row_on_a_desktop(browser: Browser, site: str) -> None:
    tab = _cashier_tab(browser, site, (1280, 900))
    problems = []
    for language in POS_LANGUAGES:
        for path in POS_PAGES:
            where = f"{language} 1280 {path}"
            assert tab.goto(f"{site}/{language}{path}").status == 200, where
            bar = tab.evaluate(POS_BAR)
            if bar["offRow"] or bar["height"] > 72:
                problems.append(f"{where}: off the logo's row: {bar['offRow']}; the bar is {round(bar['height'])} px")
            if bar["wrapped"]:
                problems.append(f"{where}: links wrap inside: {bar['wrapped']}")
            if not bar["selectStyled"] or bar["selectBottom"] - bar["selectTop"] < MIN_TARGET:
                problems.append(f"{where}: the language choice is the browser's bare box")
            _screenshot(tab, f"pos-{language}-1280-{path.strip('/').replace('/', '-')}.png")
    assert not problems, "\n".join(problems)


def test_the_pos_bar_wraps_tidily_on_a_phone(browser: Browser, site: str) -> None:
    tab = _cashier_tab(browser, site, (390, 844))
    problems = []
    for language in POS_LANGUAGES:
        for path in POS_PAGES:
            where = f"{language} 390 {path}"
            assert tab.goto(f"{site}/{language}{path}").status == 200, where
            bar = tab.evaluate(POS_BAR)
            # The links two by two, the language beside the logo, nothing wider than the phone.
            if bar["columns"] != 2:
                problems.append(f"{where}: the links stand in {bar['columns']} columns, not 2")
            if bar["selectTop"] > bar["logoTop"] + MIN_TARGET:
                problems.append(f"{where}: the language choice fell below the logo's row")
            if bar["height"] > 240:
                problems.append(f"{where}: the bar is {round(bar['height'])} px tall")
            fit = tab.evaluate(OVERFLOW, 390)
            if fit["scrollWidth"] > 390:
                problems.append(f"{where}: {fit['scrollWidth']} px wide: {'; '.join(fit['culprits'])}")
            small = tab.evaluate(SMALL_TARGETS, MIN_TARGET)
            if small:
                problems.append(f"{where}: touch targets under {MIN_TARGET} px: {'; '.join(small)}")
            _screenshot(tab, f"pos-{language}-390-{path.strip('/').replace('/', '-')}.png")
    assert not problems, "\n".join(problems)
