"""Bar charts drawn on the server as inline SVG: no script, no chart library, readable on a 360-px phone."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

from traceability.labels import label

BAR_HEIGHT = 22
GAP = 8
WIDTH = 320  # the viewBox width; the SVG scales to its container
LABEL_WIDTH = 130
COLOURS = {
    "published": "#1f6f43",
    "compliant": "#1f6f43",
    "resolved": "#1f6f43",
    "suspended": "#b26b00",
    "minor_issue": "#b26b00",
    "in_review": "#b26b00",
    "recalled": "#b3261e",
    "violation": "#b3261e",
    "suspected_fake": "#b3261e",
    "suspend": "#b26b00",
    "recall": "#b3261e",
    "dismissed": "#5b6762",
}
DEFAULT_COLOUR = "#4f7f66"


def bar_chart(
    rows: Sequence[tuple[object, int]], title: str, label: Callable[[object], str] = label, empty: str = ""
) -> Markup:
    """Horizontal bars, one per (key, count), with the count written next to each bar."""
    if not rows:
        return Markup('<p class="muted">{}</p>').format(empty)
    top = max(count for _key, count in rows) or 1
    height = len(rows) * (BAR_HEIGHT + GAP)
    room = WIDTH - LABEL_WIDTH - 40
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ).format(WIDTH, height, title)
    ]
    for i, (key, count) in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP)
        width = max(2, round(room * count / top)) if count else 0
        name = label(key)
        short = name if len(name) <= 20 else name[:19] + "…"
        colour = COLOURS.get(str(getattr(key, "value", key)), DEFAULT_COLOUR)
        parts.append(
            Markup(
                '<g><title>{}: {}</title><text x="0" y="{}" font-size="12">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12" font-weight="600">{}</text></g>'
            ).format(
                name,
                count,
                y + 15,
                short,
                LABEL_WIDTH,
                y + 2,
                width,
                BAR_HEIGHT - 4,
                colour,
                LABEL_WIDTH + width + 4,
                y + 15,
                count,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
