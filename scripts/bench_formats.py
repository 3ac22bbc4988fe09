"""Real report files: the same questions asked of a report as .txt, as a 公文 PDF, as a Word 97 .doc and as a
scan, and of statistics tables (.docx with merged headers, .xlsx, .html) — each file indexed alone.

    python scripts/bench_formats.py --out bench-out/formats            # build the set, ingest, ask, score
    python scripts/bench_formats.py --out bench-out/formats --timing-runs 3

The set is built from ../shared/reports the way offices make their files: python-docx writes a 公文-style
.docx (running header with the title, "— N —" page footer, justified text indented two characters, bold
headings, a large centred title), LibreOffice turns it into PDF and .doc, and some PDFs are rasterised at
150 dpi into image-only PDFs (scans). The statistics tables are of a fictional county with invented figures
that appear in no report. Questions are made mechanically: for each report, figures whose indicator is
unique in the report ("<issuer><year>年<indicator>是多少？", gold = the figure's clause and its section),
and for each table row one question on its value and one on its growth.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.evaluation import score_one  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from knowledge.readers.convert import convert  # noqa: E402
from knowledge.service import KnowledgeBase  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.structure import body_start, heading_level  # noqa: E402

REPORTS = ["2026_甘肃省_政府工作报告", "2025_湖南省_政府工作报告", "2026_浙江省_政府工作报告", "2024_国务院_政府工作报告",
           "2025_青海省_政府工作报告"]
SCANNED = ["2025_湖南省_政府工作报告", "2024_国务院_政府工作报告"]
FONT = "WenQuanYi Zen Hei"
QUESTIONS_PER_REPORT = 15


# --- building the files -------------------------------------------------------------------------

def gongwen_docx(lines: list[str], title: str) -> bytes:
    """A 公文-style .docx: A4, running header, "— N —" footer, justified body indented two characters."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(16)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    head = sec.header.paragraphs[0]
    head.text = title
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.runs[0].font.size = Pt(10.5)
    foot = sec.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("— ").font.size = Pt(14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    foot._p.append(field)
    foot.add_run(" —").font.size = Pt(14)

    start = body_start(lines)
    t = d.add_paragraph()
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = t.add_run(title)
    r.font.size = Pt(22)
    r.bold = True
    for line in lines[1:start]:
        p = d.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in lines[start:]:
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.line_spacing = Pt(28)
        run = p.add_run(line)
        if heading_level(line) in ("cn_dun", "part") and len(line) <= 40:
            run.bold = True
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def rasterise(pdf: bytes, dpi: int = 150) -> bytes:
    """An image-only PDF of the pages, as a scanner at 150 dpi makes it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages = [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(doc))]
    doc.close()
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


# A fictional county's statistics: the values are drawn at random (seeded), so they are in no report.
COUNTY = "青溪县"
INDICATORS = [("地区生产总值", "亿元"), ("第一产业增加值", "亿元"), ("第二产业增加值", "亿元"), ("第三产业增加值", "亿元"),
              ("规模以上工业增加值", "亿元"), ("固定资产投资", "亿元"), ("社会消费品零售总额", "亿元"),
              ("一般公共预算收入", "亿元"), ("城镇居民人均可支配收入", "元"), ("农村居民人均可支配收入", "元"),
              ("粮食总产量", "万吨"), ("年末常住人口", "万人"), ("进出口总额", "亿元"), ("接待游客", "万人次")]


def county_rows(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    def decimal(low: float, high: float) -> str:
        # one decimal that is not 0, so the number reads the same in every format (a sheet shows 644.0 as 644)
        return f"{int(rng.uniform(low, high))}.{rng.randint(1, 9)}"

    out = []
    for name, unit in rng.sample(INDICATORS, n):
        value = decimal(20, 900) if unit != "元" else str(rng.randint(18000, 52000))
        growth = decimal(-6, 11)
        out.append((name, unit, value, growth))
    return out


def table_docx(rows1, rows2) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(f"2024年{COUNTY}国民经济和社会发展统计公报")
    d.add_paragraph("一、综合")
    d.add_paragraph("2024年，全县上下坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。")
    d.add_paragraph(f"表1 2024年{COUNTY}主要经济指标")
    _docx_table(d, rows1)
    d.add_paragraph("全年经济运行呈现前低后高、逐季回升的态势。")
    d.add_paragraph("二、人民生活和社会事业")
    d.add_paragraph("居民收入稳步增长，社会事业持续发展。")
    d.add_paragraph(f"表2 2024年{COUNTY}人民生活主要指标")
    _docx_table(d, rows2)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _docx_table(d, rows) -> None:
    t = d.add_table(rows=2 + len(rows), cols=4)
    t.style = "Table Grid"
    head = [["指标", "单位", "2024年", ""], ["", "", "绝对数", "比上年增长（%）"]]
    for r, row in enumerate(head + [list(x) for x in rows]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    t.cell(0, 2).merge(t.cell(0, 3)).text = "2024年"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "指标"
    t.cell(0, 1).merge(t.cell(1, 1)).text = "单位"


def table_xlsx(rows1, rows2) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for ws, title, rows in ((wb.active, "经济指标", rows1), (wb.create_sheet(), "民生指标", rows2)):
        ws.title = title
        ws.append([f"2024年{COUNTY}{title}"])
        ws.append(["指标", "单位", "2024年", None])
        ws.append([None, None, "绝对数", "比上年增长（%）"])
        for name, unit, value, growth in rows:
            ws.append([name, unit, float(value), float(growth)])
        ws.merge_cells("A1:D1")
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:B3")
        ws.merge_cells("C2:D2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_html(rows1, rows2) -> bytes:
    def table(caption, rows):
        body = "".join(f"<tr><td>{n}</td><td>{u}</td><td>{v}</td><td>{g}</td></tr>" for n, u, v, g in rows)
        return (f"<table><caption>{caption}</caption><thead><tr><th rowspan='2'>指标</th><th rowspan='2'>单位</th>"
                "<th colspan='2'>2024年</th></tr><tr><th>绝对数</th><th>比上年增长（%）</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")
    html = (f"<html><head><title>2024年{COUNTY}统计公报</title></head><body><article>"
            f"<h1>2024年{COUNTY}国民经济和社会发展统计公报</h1><h2>一、综合</h2>"
            "<p>2024年，全县上下坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。</p>"
            f"{table(f'表1 2024年{COUNTY}主要经济指标', rows1)}<h2>二、人民生活和社会事业</h2>"
            f"<p>居民收入稳步增长，社会事业持续发展。</p>{table(f'表2 2024年{COUNTY}人民生活主要指标', rows2)}"
            "</article></body></html>")
    return html.encode("utf-8")


# --- questions ----------------------------------------------------------------------------------

def report_questions(txt: Path, rng: random.Random) -> list[dict]:
    """Figures whose indicator is unique in the report, asked as "<issuer><year>年<indicator>是多少？"."""
    parsed = parse_report(txt)
    meta = parsed.meta
    counts: dict[tuple, int] = {}
    for f in parsed.figures:
        key = (f.indicator, f.year, f.type)
        counts[key] = counts.get(key, 0) + 1
    pool = [f for f in parsed.figures if counts[(f.indicator, f.year, f.type)] == 1 and 3 <= len(f.indicator) <= 14
            and f.kind in ("level", "count", "growth") and f.year and re.fullmatch(r"[\u4e00-\u9fff]+", f.indicator)
            and f.section_path]
    picked = rng.sample(pool, min(QUESTIONS_PER_REPORT, len(pool)))
    items = []
    for i, f in enumerate(picked):
        clause = next((c for c in re.split(r"[，；。]", f.sentence) if f.raw in c), f.raw)
        what = "增长" if f.kind == "growth" else ""
        aim = "目标" if f.type == "target" else ""
        items.append({"id": f"{txt.stem}-{i}", "type": f.type,
                      "question": f"{meta.issuer}{f.year}年{f.indicator}{what}{aim}是多少？",
                      "gold_quotes": [clause], "answer_values": [f.raw], "section": f.section})
    return items


def table_questions(rows1, rows2, sections: tuple[str, str]) -> list[dict]:
    items = []
    for rows, section in ((rows1, sections[0]), (rows2, sections[1])):
        for name, unit, value, growth in rows:
            said = f"下降{growth[1:]}%" if growth.startswith("-") else f"增长{growth}%"
            items.append({"id": f"{name}-value", "type": "actual", "question": f"{COUNTY}2024年{name}是多少？",
                          "gold_quotes": [f"{name}："], "answer_values": [f"{value}{unit}"], "section": section})
            items.append({"id": f"{name}-growth", "type": "actual", "question": f"{COUNTY}2024年{name}比上年增长多少？",
                          "gold_quotes": [f"{name}："], "answer_values": [said], "section": section})
    return items


# --- running --------------------------------------------------------------------------------------

def ingest_alone(path: Path, data_dir: Path, embedder) -> tuple[KnowledgeBase, float, dict]:
    shutil.rmtree(data_dir, ignore_errors=True)
    kb = KnowledgeBase(Settings(data_dir=data_dir), embedder=embedder)
    marks: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "ocr":
            marks.setdefault("ocr_start", time.perf_counter())
            marks["ocr_end"], marks["ocr_pages"] = time.perf_counter(), total
    started = time.perf_counter()
    res = kb.ingest_file(path, progress=progress)
    seconds = time.perf_counter() - started
    if res.status != "added":
        raise SystemExit(f"{path.name}: {res.status} {res.error}")
    return kb, seconds, marks


def ask_all(kb: KnowledgeBase, items: list[dict]) -> list[dict]:
    rows = []
    for item in items:
        ans = kb.ask(item["question"]).to_dict()
        rows.append({**score_one(item, ans), "question": item["question"], "answer": ans["answer"],
                     "expected": item.get("answer_values")})
    return rows


def rate(rows: list[dict], key: str) -> float:
    vals = [r[key] for r in rows if key in r]
    return sum(vals) / len(vals) if vals else float("nan")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    p.add_argument("--out", default="bench-out/formats")
    p.add_argument("--timing-runs", type=int, default=0, help="ingest the 30-page PDF and its .txt this many times more")
    p.add_argument("--tables-only", action="store_true", help="only the statistics-table files")
    p.add_argument("--formats", default="txt,pdf,doc,scan,tables", help="which formats of the reports to index and ask")
    args = p.parse_args()
    out = Path(args.out)
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    from knowledge.embeddings import get_embedder

    embedder = get_embedder(Settings())
    embedder.embed_documents(["预热"])
    rng = random.Random(11)

    # build
    sets: list[tuple[str, dict[str, Path], list[dict]]] = []
    for stem in [] if args.tables_only else REPORTS:
        txt = Path(args.reports) / f"{stem}.txt"
        lines = [ln.strip() for ln in txt.read_text(encoding="utf-8").splitlines() if ln.strip()]
        title = parse_report(txt).meta.title
        docx_data = gongwen_docx(lines, title)
        made = {"txt": txt}
        for target in ("pdf", "doc"):
            path = files / f"{stem}.{target}"
            if not path.exists():
                path.write_bytes(convert(docx_data, ".docx", target, 300))
            made[target] = path
        if stem in SCANNED:
            scan = files / f"{stem}.scan.pdf"
            if not scan.exists():
                scan.write_bytes(rasterise(made["pdf"].read_bytes()))
            made["scan"] = scan
        sets.append((stem, made, report_questions(txt, rng)))
    trng = random.Random(2024)
    both = county_rows(trng, 13)
    rows1, rows2 = both[:8], both[8:]
    tables = {"docx": (files / "2024_青溪县_统计公报.docx", table_docx(rows1, rows2), ("一、综合", "二、人民生活和社会事业")),
              "xlsx": (files / "2024_青溪县_统计数据.xlsx", table_xlsx(rows1, rows2), ("经济指标", "民生指标")),
              "html": (files / "2024_青溪县_统计公报.html", table_html(rows1, rows2), ("一、综合", "二、人民生活和社会事业"))}
    tables["pdf"] = (files / "2024_青溪县_统计公报.pdf", convert(tables["docx"][1], ".docx", "pdf", 300),
                     tables["docx"][2])
    for path, data, _ in tables.values():
        path.write_bytes(data)

    # ingest each file alone, ask, score
    results: dict = {"reports": {}, "tables": {}}
    for stem, made, items in sets:
        per: dict = {}
        for fmt, path in made.items():
            if fmt not in args.formats.split(","):
                continue
            kb, seconds, marks = ingest_alone(path, out / "data" / f"{stem}-{fmt}", embedder)
            rows = ask_all(kb, items)
            (out / f"{stem}-{fmt}-rows.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            per[fmt] = {"hit@5": rate(rows, "hit"), "values": rate(rows, "values"), "section": rate(rows, "section"),
                        "ingest_s": round(seconds, 1), "n": len(rows)}
            if "ocr_pages" in marks:
                ocr_s = marks["ocr_end"] - marks["ocr_start"]
                per[fmt]["ocr_pages"] = marks["ocr_pages"]
                per[fmt]["ocr_pages_per_s"] = round(marks["ocr_pages"] / ocr_s, 3)
            if fmt in ("pdf", "doc", "scan"):
                import pdfplumber

                if fmt == "pdf":
                    with pdfplumber.open(path) as pdf:
                        per[fmt]["pages"] = len(pdf.pages)
            print(stem, fmt, per[fmt], flush=True)
        results["reports"][stem] = per
    for fmt, (path, _, sections) in tables.items() if "tables" in args.formats.split(",") or args.tables_only else []:
        kb, seconds, _ = ingest_alone(path, out / "data" / f"tables-{fmt}", embedder)
        rows = ask_all(kb, table_questions(rows1, rows2, sections))
        results["tables"][fmt] = {"hit@5": rate(rows, "hit"), "values": rate(rows, "values"),
                                  "section": rate(rows, "section"), "n": len(rows)}
        print("tables", fmt, results["tables"][fmt], flush=True)
        (out / f"tables-{fmt}-rows.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")

    if args.timing_runs and sets:
        stem, made, _ = sets[0]
        runs: dict[str, list[float]] = {"txt": [], "pdf": []}
        for i in range(args.timing_runs):
            for fmt in runs:  # interleaved, so a change in the machine's load touches both alike
                # a data dir per run: Chroma keeps a client per path open for the life of the process
                runs[fmt].append(ingest_alone(made[fmt], out / "data" / f"timing-{fmt}-{i}", embedder)[1])
        timing = {fmt: statistics.median(r) for fmt, r in runs.items()}
        results["timing"] = {"report": stem, **{k: round(v, 1) for k, v in timing.items()},
                             "ratio": round(timing["pdf"] / timing["txt"], 2)}
        print("timing", results["timing"], flush=True)
    (out / f"results-{args.formats.replace(',', '-')}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(summary_table(results))
    return 0


def summary_table(results: dict) -> str:
    lines = ["| report | format | pages | hit@5 | values | section | ingest s | vs .txt hit / values |",
             "|---|---|---|---|---|---|---|---|"]
    for stem, per in results["reports"].items():
        base = per.get("txt")
        for fmt, r in per.items():
            rel = f"{r['hit@5'] / base['hit@5']:.2f} / {r['values'] / base['values']:.2f}" if base and fmt != "txt" else ""
            extra = f" (OCR {r['ocr_pages_per_s']} pages/s)" if "ocr_pages_per_s" in r else ""
            lines.append(f"| {stem} | {fmt} | {r.get('pages', '')} | {r['hit@5']:.2f} | {r['values']:.2f} | "
                         f"{r['section']:.2f} | {r['ingest_s']}{extra} | {rel} |")
    for fmt, r in results["tables"].items():
        lines.append(f"| 青溪县 tables | {fmt} | | {r['hit@5']:.2f} | {r['values']:.2f} | {r['section']:.2f} | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
