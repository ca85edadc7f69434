"""`umot report`: the headline (store.headline) as one self-contained HTML file, as JSON, or by
e-mail.

The HTML is made for mail clients: table layout, inline styles, no script, no external
resource; the charts are hand-built inline SVG (a client that drops SVG still has every number
in the tables). Every text from the database is escaped. The numbers are the headline's own,
already rounded, so the HTML and the JSON agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from html import escape

from core.config import NotifyConfig
from store.headline import (
    LONGER_PERIOD,
    METRICS,
    MIN_MENTIONS,
    Driver,
    Headline,
    Metric,
    describe_day,
    describe_period,
)
from umot import mail

MINUS = "\u2212"
GREY = "#8a8f98"
UP, DOWN = "#1e7b4f", "#b3362b"
FONT = "font-family:Helvetica,Arial,sans-serif"
FEW = MIN_MENTIONS  # figures over fewer mentions are greyed
QUOTE_CHARS = 400

EXPLAIN = {
    "mentions": "Reviews, posts and comments about the brand published in the period.",
    "net_sentiment": "Share of positive minus share of negative mentions, from −100 to +100.",
    "exposure_index": (
        "The tone of what a shopper researching the brand reads on the period's last day, "
        "from −100 (all harsh) to +100 (all kind)."
    ),
    "average_rating": "Mean star rating of the reviews that carry one (0–5).",
    "share_of_voice": "The brand's share of all compared brands' mentions.",
    "weighted_share_of_voice": (
        "The same share, counting each mention by how widely it is seen (engagement and followers)."
    ),
}
SUFFIX = {"share_of_voice": " %", "weighted_share_of_voice": " %"}
CHANGE_SUFFIX = {"share_of_voice": " pts", "weighted_share_of_voice": " pts"}


def _number(value: float | int | None, digits: int, *, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = f"{abs(value):,.{digits}f}"
    if value < 0:
        return MINUS + text
    return ("+" + text) if signed and value > 0 else text


def _figure(name: str, value: float | int | None, *, signed: bool = False) -> str:
    digits = METRICS[name][1]
    text = _number(value, digits, signed=signed)
    suffix = (CHANGE_SUFFIX if signed else SUFFIX).get(name, "")
    return text if value is None else text + suffix


def _cell(metric: Metric, name: str, field: str, *, brand: str) -> str:
    value = getattr(metric, field)
    n = metric.previous_n if field == "previous" else metric.n
    few = name != "mentions" and n < FEW and value is not None
    style = f"padding:6px 8px;text-align:right;{'color:' + GREY + ';' if few else ''}"
    text = escape(_figure(name, value, signed=field == "change"))
    if few:
        text += f' <span style="font-size:11px">(n={n})</span>'
    return (
        f'<td style="{style}" data-brand="{escape(brand)}" data-metric="{name}" '
        f'data-field="{field}">{text}</td>'
    )


def _bar_chart(rows: Sequence[tuple[str, float, str]], *, unit: str = "", width: int = 640) -> str:
    """Horizontal bars from zero, each under its label (negative bars to the left of a centre
    line when any value is negative): (label, value, colour) per row."""
    if not rows:
        return ""
    row_h, margin = 42, 56
    span = max(abs(v) for _, v, _ in rows) or 1.0
    has_negative = any(v < 0 for _, v, _ in rows)
    zero = width // 2 if has_negative else 0
    scale = ((width // 2 if has_negative else width) - margin) / span
    height = row_h * len(rows) + 4
    font = 'font-size="12" font-family="Helvetica,Arial,sans-serif" fill="#333"'
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'style="display:block;max-width:100%">'
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = 2 + i * row_h
        length = abs(value) * scale
        x = zero - length if value < 0 else zero
        text_x = x - 4 if value < 0 else x + length + 4
        anchor = "end" if value < 0 else "start"
        label_x, label_anchor = (zero, "middle") if has_negative else (0, "start")
        parts.append(
            f'<text x="{label_x}" y="{y + 13}" text-anchor="{label_anchor}" {font}>'
            f"{escape(label)}</text>"
            f'<rect x="{x:.1f}" y="{y + 18}" width="{max(length, 1):.1f}" height="18" '
            f'fill="{colour}"/>'
            f'<text x="{text_x:.1f}" y="{y + 32}" text-anchor="{anchor}" {font}>'
            f"{escape(_number(value, 1, signed=has_negative) + unit)}</text>"
        )
        if has_negative:
            parts.append(
                f'<line x1="{zero}" y1="{y + 16}" x2="{zero}" y2="{y + 38}" stroke="#999" '
                'stroke-width="1"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _link(url: str | None, label: str) -> str:
    """A link to the original mention; only http(s) URLs become links."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return ""
    return f'<a href="{escape(url, quote=True)}" style="color:#1a5fb4">{escape(label)}</a>'


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_CHARS:
        return text
    return text[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"


def _driver_block(driver: Driver) -> str:
    colour = UP if driver.direction == "up" else DOWN
    quote = ""
    if driver.quote is not None:
        link = _link(driver.quote.url, "Read it where it was published")
        quote = (
            f'<div style="margin:6px 0 0 0;padding:6px 10px;border-left:3px solid {colour};'
            f'color:#444;font-style:italic">“{escape(_short(driver.quote.text))}”</div>'
            + (f'<div style="margin:4px 0 0 13px;font-size:12px">{link}</div>' if link else "")
        )
    return (
        f'<tr><td style="padding:10px 0;border-bottom:1px solid #eee">'
        f'<div style="font-weight:bold;color:{colour}" data-driver-points="{driver.points}">'
        f"{escape(driver.sentence)}</div>{quote}</td></tr>"
    )


def _title(headline: Headline) -> str:
    return f"{headline.brand}: {describe_period(headline.kind, headline.period)}"


def empty_notice(headline: Headline) -> str | None:
    """Why a period without mentions is empty, in words, or None when it has mentions: nothing
    collected yet, or collection ended before the period (a stopped crawl), or a quiet period."""
    h = headline
    if h.metrics["mentions"].value:
        return None
    period = describe_period(h.kind, h.period)
    if h.latest_day is None:
        return (
            f"No mention of {h.brand} has been collected yet, so there is nothing to report. "
            "Once the crawls have run, this report fills in."
        )
    if h.latest_day < h.period.start:
        return (
            f"No mention of {h.brand} was published in the {period}. The latest one collected "
            f"is from {describe_day(h.latest_day)}: if the brand is talked about more often "
            "than that, the crawls may have stopped (the dashboard's Crawls page says why)."
        )
    return f"No mention of {h.brand} was published in the {period}."


def quiet_next_step(headline: Headline) -> str:
    """What to read when nothing moved the index enough to be named."""
    h = headline
    text = (
        f"No stage and topic moved the exposure index by a tenth of a point or more with at "
        f"least {FEW} mentions this {h.kind}."
    )
    longer = LONGER_PERIOD.get(h.kind)
    if longer and h.metrics["mentions"].value:
        text += (
            f" With this few mentions a {h.kind}, the {longer}ly report reads steadier "
            f"(umot report --period {longer})."
        )
    return text


def subject(headline: Headline) -> str:
    """The e-mail subject: "Northwind Outfitters: April 2026 report"."""
    return f"{_title(headline)} report"


def render_html(headline: Headline) -> str:
    """The headline as one self-contained HTML document (see the module doc)."""
    h = headline
    period = describe_period(h.kind, h.period)
    before = describe_period(h.kind, h.previous)
    brands = [h.brand, *(c.brand for c in h.competitors)]
    figures = [h.metrics, *(c.metrics for c in h.competitors)]
    head_cells = "".join(
        f'<th style="padding:6px 8px;text-align:right">{escape(t)}</th>'
        for t in (period, before, "Change")
    ) + "".join(
        f'<th style="padding:6px 8px;text-align:right">{escape(c.brand)}<br>'
        f'<span style="font-weight:normal;font-size:11px">{escape(period)} · change</span></th>'
        for c in h.competitors
    )
    rows = []
    for name, (label, _) in METRICS.items():
        cells = [_cell(h.metrics[name], name, f, brand=h.brand) for f in
                 ("value", "previous", "change")]  # fmt: skip
        for comp in h.competitors:
            metric = comp.metrics[name]
            value = _cell(metric, name, "value", brand=comp.brand)
            change = _figure(name, metric.change, signed=True)
            cells.append(
                value.replace("</td>", f' <span style="color:{GREY};font-size:11px">'
                              f"({escape(change)})</span></td>")
            )  # fmt: skip
        rows.append(
            f'<tr style="border-top:1px solid #eee"><td style="padding:6px 8px">'
            f"<b>{escape(label)}</b><br>"
            f'<span style="color:{GREY};font-size:11px">{escape(EXPLAIN[name])}</span></td>'
            + "".join(cells)
            + "</tr>"
        )
    share = _bar_chart(
        [
            row
            for brand, metrics in zip(brands, figures, strict=True)
            for row in (
                (f"{brand} · mentions", metrics["share_of_voice"].value or 0.0, "#4a6fa5"),
                (f"{brand} · weighted", metrics["weighted_share_of_voice"].value or 0.0, "#9db4d6"),
            )  # fmt: skip
        ],
        unit=" %",
    )
    drivers_chart = _bar_chart(
        [(d.name, d.points, UP if d.direction == "up" else DOWN) for d in h.drivers],
        unit=" pts",
    )
    drivers = "".join(_driver_block(d) for d in h.drivers) or (
        f'<tr><td style="padding:10px 0;color:{GREY}">{escape(quiet_next_step(h))}</td></tr>'
    )
    notice = empty_notice(h)
    empty = (
        ""
        if notice is None
        else '<div data-empty-period style="margin-top:10px;padding:8px 10px;background:#fff4e0;'
        f'border-left:3px solid #d08a00">{escape(notice)}</div>'
    )
    span = f"{h.period.start:%d %b %Y} – {h.period.end:%d %b %Y}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(_title(h))}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;{FONT};color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7">
<tr><td align="center" style="padding:16px">
<table role="presentation" width="680" cellpadding="0" cellspacing="0"
 style="max-width:680px;width:100%;background:#ffffff;border:1px solid #dde1e6">
<tr><td style="padding:18px 20px 6px 20px">
<div style="font-size:12px;color:{GREY};text-transform:uppercase;letter-spacing:1px">
{escape(h.kind.capitalize())} report · {escape(span)}</div>
<h1 style="font-size:22px;margin:4px 0 2px 0">{escape(h.brand)}: {escape(period)}</h1>
<div style="color:#555">Compared with {escape(before)} and with
{escape(", ".join(c.brand for c in h.competitors) or "no competitor")}.</div>
{empty}
</td></tr>
<tr><td style="padding:12px 20px">
<h2 style="font-size:16px;margin:0 0 6px 0">How we are doing</h2>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"
 style="border-collapse:collapse;font-size:13px">
<tr style="background:#f0f2f5"><th style="padding:6px 8px;text-align:left"></th>{head_cells}</tr>
{"".join(rows)}
</table>
<div style="font-size:11px;color:{GREY};margin-top:4px">Greyed figures rest on fewer than
{FEW} mentions (n shown).</div>
</td></tr>
<tr><td style="padding:12px 20px">
<h2 style="font-size:16px;margin:0 0 6px 0">Share of voice, {escape(period)}</h2>
{share}
</td></tr>
<tr><td style="padding:12px 20px">
<h2 style="font-size:16px;margin:0 0 6px 0">What moved it</h2>
<div style="color:#555;font-size:13px;margin-bottom:6px">The kinds of content (moment of the
customer journey · topic) published this {escape(h.kind)} that moved the exposure index most, in
index points (at most three; only those with at least {FEW} mentions count).</div>
{drivers_chart}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:13px">
{drivers}
</table>
</td></tr>
<tr><td style="padding:12px 20px 18px 20px;font-size:11px;color:{GREY}">
Made by UMOT Harvester from the mentions in its database. The exposure index weighs each
mention by how visible it is and how recent it is (half of its weight after 90 days by
default); a driver's points are how much that content moved the index by the
{escape(h.kind)}'s last day.
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


def render_text(headline: Headline) -> str:
    """A plain-text version for mail clients that show no HTML."""
    h = headline
    lines = [_title(h), f"compared with {describe_period(h.kind, h.previous)}", ""]
    notice = empty_notice(h)
    if notice is not None:
        lines += [notice, ""]
    for name, (label, _) in METRICS.items():
        metric = h.metrics[name]
        lines.append(
            f"{label}: {_figure(name, metric.value)} (previous "
            f"{_figure(name, metric.previous)}, change {_figure(name, metric.change, signed=True)})"
        )
    for comp in h.competitors:
        values = ", ".join(
            f"{label.lower()} {_figure(name, comp.metrics[name].value)}"
            for name, (label, _) in METRICS.items()
        )
        lines.append(f"{comp.brand}: {values}")
    lines += ["", "What moved it:"]
    lines += [f"- {d.sentence}" for d in h.drivers] or [f"- {quiet_next_step(h)}"]
    return "\n".join(lines) + "\n"


def build_message(headline: Headline, notify: NotifyConfig, html: str) -> EmailMessage:
    return mail.build_message(notify, subject(headline), render_text(headline), html)


def send_report(
    headline: Headline, notify: NotifyConfig, html: str, *, timeout: float = 30.0
) -> list[str]:
    """Send the report over SMTP to ``notify.to``; return the recipients. The server URL (and
    its password) is read from the environment variable the config names."""
    message = build_message(headline, notify, html)
    return mail.send_message(message, notify, what="report", timeout=timeout)
