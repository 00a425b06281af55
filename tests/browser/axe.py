"""axe-core (vendored from npm by scripts/vendor-static.sh) run inside the page: the accessibility rules
it knows (WCAG 2 A and AA, and its best practices), with every violation described for a failure message."""

from pathlib import Path

from playwright.sync_api import Page

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.failureSummary ? ' — ' +
      n.failureSummary.replace(/\\s+/g, ' ').slice(0, 160) : '')),
    more: Math.max(0, v.nodes.length - 3),
  }));
}"""


def violations(page: Page, where: str) -> list[str]:
    """The page's axe violations, each a line naming `where`; [] when it has none.

    The browser context must bypass the Content-Security-Policy (axe is injected as a script)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    found = []
    for item in page.evaluate(RUN):
        nodes = "; ".join(item["nodes"]) + (f"; and {item['more']} more" if item["more"] else "")
        found.append(f"{where}: [{item['impact']}] {item['id']} ({item['help']}): {nodes}")
    return found
