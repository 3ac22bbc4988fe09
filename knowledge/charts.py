"""Charts: a trend or a comparison (knowledge.series) drawn as PNG bytes with matplotlib's Agg backend.

Pure functions of their input: nothing is plotted that is not a cited figure, a year without one is a gap
(never a zero), and what was plotted travels with the picture (`Chart.series`, and the PNG's own
metadata) so it can be checked against the citations without reading pixels. Chinese labels need a CJK
font: it is found by path (Debian's fonts-noto-cjk first) and added through font_manager.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .series import Comparison, Panel, Trend, TrendPoint

log = logging.getLogger(__name__)

SERIES_KEY = "reportbot-series"  # the PNG text chunk holding what was plotted (JSON, ASCII-escaped)

# Where operating systems keep a font with Chinese glyphs; Debian/Ubuntu's fonts-noto-cjk first (the
# project's own install step provides it), then other distributions, macOS and Windows.
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_CJK_FILE = re.compile(r"(notosanscjk|notoserifcjk|sourcehan|wqy|droidsansfallback|pingfang|heiti|songti|msyh|simhei|"
                       r"simsun|uming|ukai)", re.I)
_LOCK = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe

COLORS = {"actual": "#1f5fa8", "target": "#d9822b"}
MARKERS = {"": "o", "at_least": "^", "at_most": "v", "about": "D", "range": "s"}
TYPE_LABEL = {"actual": "实际", "target": "目标"}


@dataclass
class Chart:
    png: bytes
    series: list[dict] = field(default_factory=list)  # every plotted point: panel, type, year, value, label, n
    font: str = ""  # the CJK font family used; "" when none was found (Chinese would show as boxes)
    lines: dict[str, list[float | None]] = field(default_factory=dict)  # "panel/type" → y per year of `years`
    years: list[int] = field(default_factory=list)  # the x axis: every year from the first figure to the last


def _has_cjk(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        return FT2Font(path).get_char_index(ord("中")) != 0
    except Exception:  # unreadable, or a format FreeType does not know
        return False


def find_cjk_font(preferred: str | None = None) -> str | None:
    """A font file with Chinese glyphs: `preferred` when it has them, else a known path, else a system font."""
    if preferred:
        if Path(preferred).is_file() and _has_cjk(preferred):
            return preferred
        log.warning("REPORTBOT_CHART_FONT %s is not a readable font with Chinese characters; looking elsewhere",
                    preferred)
    for path in FONT_PATHS:
        if Path(path).is_file() and _has_cjk(path):
            return path
    from matplotlib import font_manager

    for path in sorted(font_manager.findSystemFonts()):
        if _CJK_FILE.search(Path(path).name) and _has_cjk(path):
            return path
    return None


@lru_cache(maxsize=8)
def cjk_family(preferred: str | None = None) -> str:
    """Add the CJK font by path and return its family name (the Simplified Chinese face of a collection)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    path = find_cjk_font(preferred)
    if path is None:
        log.warning("no font with Chinese characters found: chart labels will show as boxes. Install one "
                    "(Debian/Ubuntu: apt-get install fonts-noto-cjk) or set REPORTBOT_CHART_FONT to a .ttf/.otf/.ttc")
        return ""
    font_manager.fontManager.addfont(path)
    names = [str(f.name) for f in font_manager.fontManager.ttflist if str(f.fname) == path]
    names = names or [font_manager.FontProperties(fname=path).get_name()]
    for hint in (" SC", "CJK", ""):
        for name in names:
            if hint in name and "Mono" not in name:
                return name
    return names[0]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=130)
    FigureCanvasAgg(fig)
    return fig


def _png(fig, series: list[dict], tight: bool = False) -> bytes:
    buf = io.BytesIO()
    # light compression: a third of the time of the default for a file Telegram recompresses anyway
    fig.savefig(buf, format="png", metadata={"Software": "reportbot", SERIES_KEY: json.dumps(series, ensure_ascii=True)},
                pil_kwargs={"compress_level": 1}, **({"bbox_inches": "tight", "pad_inches": 0.15} if tight else {}))
    return buf.getvalue()


def read_series(png: bytes) -> list[dict]:
    """What a chart says it plotted, read back from the PNG's metadata."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        text = img.info.get(SERIES_KEY, "[]")
    return json.loads(text)


def _rc(family: str) -> dict:
    # the CJK face first for every glyph it has; DejaVu (matplotlib's own) for anything else
    return {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"], "axes.unicode_minus": False,
            "font.size": 10}


def _number_only(label: str, axis_unit: str) -> str:
    """"5.5%左右" → "5.5%", "74.4万亿元" → "74.4" on a 万亿元 axis: where labels are crowded the marker shape
    shows the qualifier and the axis the unit (a figure written in another unit keeps its own)."""
    text = re.sub(r"(以上|左右|以内|以下|上下|之内)$", "", label).removeprefix("突破").removeprefix("超过") or label
    if axis_unit and axis_unit != "%" and text.endswith(axis_unit) and re.match(r"[\d.,]+$", text[: -len(axis_unit)]):
        return text[: -len(axis_unit)]
    return text


def _point_series(panel: Panel, p: TrendPoint, factor: float) -> dict:
    value, high = p.scaled(factor)
    return {"panel": panel.title, "kind": panel.kind, "type": p.type, "year": p.year, "value": value,
            "high": high, "label": p.label, "mark": p.mark, "n": p.citation.n, "report": p.citation.report,
            "section": p.citation.section}


def render_trend(trend: Trend, font_path: str | None = None) -> Chart:
    """One panel per kind of figure (growth rates, levels …), actual and target per year, gaps where none."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import offset_copy

    with _LOCK:
        family = cjk_family(font_path)
        panels = [p for p in trend.panels if p.points] or [Panel(kind="growth", base_unit="%")]
        years = sorted({pt.year for p in panels for pt in p.points}) or [0]
        span = list(range(years[0], years[-1] + 1))
        many = len(span) > 12
        series: list[dict] = []
        lines: dict[str, list[float | None]] = {}
        with rc_context(_rc(family)):
            fig = _figure(9.0, 1.4 + 3.0 * len(panels))
            axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
            for ax, panel in zip(axes, panels, strict=True):
                unit, factor = panel.display
                # where a year has both, the higher point's label goes above it and the lower one's below
                level = {(p.type, p.year): p.scaled(factor)[0] for p in panel.points}
                for ftype in ("actual", "target"):
                    points = {pt.year: pt for pt in panel.points if pt.type == ftype}
                    if not points:
                        continue
                    rows = [_point_series(panel, points[y], factor) for y in sorted(points)]
                    series.extend(rows)
                    mid = {r["year"]: (r["value"] + r["high"]) / 2 if r["high"] is not None else r["value"] for r in rows}
                    # a year without a figure is NaN: the line breaks there instead of dropping to zero
                    # targets sit a few points right of their year, so a target equal to the actual stays visible
                    dx = 0 if ftype == "actual" else 6
                    shifted = offset_copy(ax.transData, fig=fig, x=dx, units="points")
                    ys = [mid.get(y, math.nan) for y in span]
                    lines[f"{panel.title}/{ftype}"] = [None if math.isnan(v) else v for v in ys]
                    ax.plot(span, ys, color=COLORS[ftype], transform=shifted,
                            linestyle="-" if ftype == "actual" else "--", linewidth=1.8, zorder=2)
                    for i, r in enumerate(rows):
                        x, y = r["year"], mid[r["year"]]
                        if r["high"] is not None:
                            ax.vlines(x, r["value"], r["high"], color=COLORS[ftype], linewidth=4, alpha=0.45,
                                      transform=shifted)
                        ax.plot([x], [y], marker=MARKERS[r["mark"]], markersize=7, zorder=3, transform=shifted,
                                color=COLORS[ftype], markerfacecolor=COLORS[ftype] if ftype == "actual" else "white")
                        # many years: the marker carries the qualifier, and neighbours' labels take turns in height
                        text = f"{r['label']} [{r['n']}]" if not many else _number_only(r["label"], unit)
                        lift = (8 + 9 * (i % 2)) if many else 8
                        other = level.get(("target" if ftype == "actual" else "actual", r["year"]))
                        above = ftype == "actual" if other is None or other == r["value"] else r["value"] > other
                        ax.annotate(text, (x, y), textcoords="offset points",
                                    xytext=(dx, lift if above else -lift - 6), ha="center",
                                    fontsize=7 if many else 8, color=COLORS[ftype])
                ax.set_ylabel(panel.title)
                ax.grid(True, color="#dddddd", linewidth=0.6)
                # from zero: a move from 5.7% to 5.5% must not look like a collapse
                values = [v for r in series if r["panel"] == panel.title for v in (r["value"], r["high"]) if v is not None]
                low, high = min([0.0, *values]), max([0.0, *values])
                ax.set_ylim(low * 1.25 if low < 0 else 0, high * 1.25 if high > 0 else 1)
                for side in ("top", "right"):
                    ax.spines[side].set_visible(False)
            axes[-1].set_xlim(span[0] - 0.5, span[-1] + 0.5)  # shifted lines do not widen the limits themselves
            axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(len(span), 12)))
            axes[-1].set_xlabel("年份")
            fig.suptitle(f"{trend.issuer}　{trend.indicator}", fontsize=14, fontweight="bold")
            handles = [Line2D([], [], color=COLORS["actual"], marker="o", label="实际"),
                       Line2D([], [], color=COLORS["target"], marker="o", markerfacecolor="white", linestyle="--",
                              label="目标"),
                       Line2D([], [], color="#555555", marker="^", linestyle="", label="以上/突破"),
                       Line2D([], [], color="#555555", marker="D", linestyle="", label="左右/约"),
                       Line2D([], [], color="#555555", marker="v", linestyle="", label="以内/以下"),
                       Line2D([], [], color="#555555", marker="s", linestyle="", label="区间")]
            fig.legend(handles=handles, loc="upper center", ncol=6, frameon=False, fontsize=8,
                       bbox_to_anchor=(0.5, 1 - 0.55 / fig.get_figheight()))
            note = "数字均摘自已收录报告原文，[n] 为出处编号；空缺的年份表示报告中没有这个数字。"
            if trend.undated:
                note += f"另有 {trend.undated} 个数字年份不详，未画出。"
            fig.text(0.5, 0.01, note, ha="center", fontsize=7.5, color="#666666")
            # fixed margins (in inches, so any number of panels looks the same): tight_layout measured every
            # label first and took a third of the drawing time
            height = fig.get_figheight()
            fig.subplots_adjust(left=0.085, right=0.98, top=1 - 1.05 / height, bottom=0.75 / height, hspace=0.1)
            png = _png(fig, series)
    return Chart(png=png, series=series, font=family, lines=lines, years=span)


def render_comparison(comparison: Comparison, font_path: str | None = None) -> Chart:
    """Every issuer's figures for the year as a table picture: sorted, 未提及 for those without."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context

    with _LOCK:
        family = cjk_family(font_path)
        header = ["地区", *(c.title for c in comparison.columns)]
        cells: list[list[str]] = []
        series: list[dict] = []
        for row in comparison.rows:
            line = [row.issuer]
            if not row.mentioned:
                series.append({"issuer": row.issuer, "column": "", "label": "未提及", "n": None})
            for col, cell in zip(comparison.columns, row.cells, strict=True):
                if cell is None:
                    line.append("未提及" if not row.mentioned else "—")
                    continue
                line.append(f"{cell.label} [{cell.citation.n}]")
                series.append({"issuer": row.issuer, "column": col.title, "type": cell.type, "kind": cell.kind,
                               "year": cell.year, "label": cell.label, "n": cell.citation.n,
                               "report": cell.citation.report, "section": cell.citation.section})
            cells.append(line)
        with rc_context(_rc(family)):
            fig = _figure(2.2 + 2.0 * len(comparison.columns), 1.0 + 0.21 * (len(cells) + 1))
            ax = fig.add_axes((0.02, 0.35 / fig.get_figheight(), 0.96, 1 - 0.95 / fig.get_figheight()))
            ax.axis("off")
            table = ax.table(cellText=cells, colLabels=header, loc="upper center", cellLoc="left", colLoc="left")
            table.auto_set_font_size(False)
            table.set_fontsize(9)
            table.scale(1, 1.25)
            for (r, _c), cell in table.get_celld().items():
                cell.set_edgecolor("#dddddd")
                if r == 0:
                    cell.set_facecolor("#eef3fa")
                    cell.get_text().set_fontweight("bold")
                elif cells[r - 1][_c] in ("未提及", "—"):
                    cell.get_text().set_color("#999999")
            what = {"target": "目标", "actual": "实际"}.get(comparison.ftype or "", "")
            fig.suptitle(f"{comparison.year}年 {comparison.indicator}{what}：各地区比较", fontsize=13, fontweight="bold")
            fig.text(0.5, 0.1 / fig.get_figheight(), "数字均摘自已收录报告原文，[n] 为出处编号；“未提及”表示该地区的报告中"
                     "没有这个数字。", ha="center", fontsize=7.5, color="#666666")
            png = _png(fig, series, tight=True)
    return Chart(png=png, series=series, font=family)
