"""Draw the portal's icons (favicon, web app manifest, home screen) from one design: a white SIM card
with a renew arrow on the brand blue. Writes the SVG and the PNG/ICO files next to the portal's CSS.

Run from the repository root: .venv/bin/python scripts/make-icons.py (the files are committed)."""

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path("src/simrenew/web/static/simrenew/icons")
BLUE = "#1f5fbf"
WHITE = "#ffffff"
SCALE = 4  # drawn 4x larger, then reduced: smooth edges without an SVG renderer

# The design on a 100 x 100 grid: (x, y) of the SIM card's outline (the top-right corner cut off) and
# the renew arrow's circle, as the SVG below has them.
CARD = [(28, 14), (62, 14), (76, 28), (76, 86), (28, 86)]
ARROW_CENTRE, ARROW_RADIUS, ARROW_WIDTH = (52, 54), 15, 7
ARROW_FROM, ARROW_TO = 40, 320  # degrees, clockwise from three o'clock (as PIL draws arcs)

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="22" fill="{BLUE}"/>
<path d="M{" L".join(f"{x} {y}" for x, y in CARD)} Z" fill="{WHITE}" stroke="{WHITE}" stroke-width="4" \
stroke-linejoin="round"/>
<path d="{{arc}}" fill="none" stroke="{BLUE}" stroke-width="{ARROW_WIDTH}" stroke-linecap="round"/>
<path d="{{head}}" fill="{BLUE}"/>
</svg>
"""


def _point(angle: float, radius: float) -> tuple[float, float]:
    cx, cy = ARROW_CENTRE
    return cx + radius * math.cos(math.radians(angle)), cy + radius * math.sin(math.radians(angle))


def _head() -> list[tuple[float, float]]:
    """The arrowhead at the arc's end, pointing along the circle (clockwise)."""
    tip_angle = ARROW_TO + 30
    outer, inner = _point(ARROW_TO, ARROW_RADIUS + 11), _point(ARROW_TO, ARROW_RADIUS - 11)
    return [outer, inner, _point(tip_angle, ARROW_RADIUS)]


def svg() -> str:
    start, end = _point(ARROW_FROM, ARROW_RADIUS), _point(ARROW_TO, ARROW_RADIUS)
    large = 1 if (ARROW_TO - ARROW_FROM) % 360 > 180 else 0
    arc = f"M{start[0]:.2f} {start[1]:.2f} A{ARROW_RADIUS} {ARROW_RADIUS} 0 {large} 1 {end[0]:.2f} {end[1]:.2f}"
    head = "M" + " L".join(f"{x:.2f} {y:.2f}" for x, y in _head()) + " Z"
    return SVG.replace("{arc}", arc).replace("{head}", head)


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The icon at `size` px. A maskable icon fills the square and keeps the design in the middle 70 %
    (launchers cut it to a circle or a squircle); the others have rounded corners."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BLUE)
        zoom, offset = 0.7, 15.0
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=22 * big / 100, fill=BLUE)
        zoom, offset = 1.0, 0.0
    unit = big / 100 * zoom

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset * big / 100 + x * unit, offset * big / 100 + y * unit)

    pen.polygon([at(x, y) for x, y in CARD], fill=WHITE)
    pen.line([*(at(x, y) for x, y in CARD), at(*CARD[0])], fill=WHITE, width=round(4 * unit), joint="curve")
    cx, cy = at(*ARROW_CENTRE)
    r = ARROW_RADIUS * unit
    pen.arc((cx - r, cy - r, cx + r, cy + r), ARROW_FROM, ARROW_TO, fill=BLUE, width=round(ARROW_WIDTH * unit))
    for angle in (ARROW_FROM,):  # a round cap where the arrow starts
        x, y = at(*_point(angle, ARROW_RADIUS))
        half = ARROW_WIDTH * unit / 2
        pen.ellipse((x - half, y - half, x + half, y + half), fill=BLUE)
    pen.polygon([at(x, y) for x, y in _head()], fill=BLUE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg())
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    draw(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
