"""Structure: report metadata, the section tree from the numbering reports use, and section-bound chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .textnorm import cn_years_to_digits, to_halfwidth
from .types import Chunk, ReportMeta, Section

CN_NUM = "一二三四五六七八九十"

# Numbered heading kinds, matched at the start of a line.
_NUMBERED = [
    ("part", re.compile(rf"^第[{CN_NUM}]+(部分|章|篇)")),
    ("cn_dun", re.compile(rf"^[{CN_NUM}]{{1,3}}(?:、|[．.](?!\d))")),
    ("paren_cn", re.compile(rf"^[（(][{CN_NUM}]{{1,3}}[）)]")),
    ("ordinal", re.compile(rf"^第[{CN_NUM}]{{1,3}}[，,、：:]")),
    ("arabic", re.compile(r"^\d{1,2}(?:[、]|[.．](?!\d))")),
    ("paren_arabic", re.compile(r"^[（(]\d{1,2}[）)]")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
]
# Run-in items that still name a part of the text: 一是…, ——坚持…
_FLOATING = [
    ("shi", re.compile(rf"^(?:[{CN_NUM}]{{1,3}}|\d{{1,2}})是")),
    ("dash", re.compile(r"^(?:——|―{2}|－{2}|--)(?!\d{4}年)")),
]
_FLOAT_ORDER = {"unnumbered": 0, "shi": 1, "dash": 2}

END_MATTER = re.compile(r"^(名词解释|名词注释|注释|注解|附件[:：\d一二三四五六七八九十]*|附录|附表|说明|注)[:：]?$")
# Unnumbered top-level headings: "2024年工作回顾", "2025年工作安排建议", "加强政府自身建设".
_TOP_UNNUMBERED = re.compile(
    r"^((\d{4}|今|去)年.{0,12}(工作回顾|工作安排|工作建议|工作安排建议|主要任务|重点工作|目标任务|工作总结|工作计划|总体要求)"
    r"|.{0,12}工作回顾|.{0,6}加强政府自身建设|.{0,12}(主要目标任务|总体要求和主要目标))$"
)
_NOT_HEADING = re.compile(r"(以下|如下|各位代表|同志们|^现在|^今年，|^报告的|请予审议|[:：]$)")


def heading_level(line: str) -> str | None:
    """The numbering kind a line opens with ("cn_dun" for 一、, "paren_cn" for （一）…), or None."""
    for kind, pattern in _NUMBERED:
        if pattern.match(line):
            return kind
    for kind, pattern in _FLOATING:
        if pattern.match(line):
            return kind
    return None


@dataclass
class _Block:
    """One paragraph, or a heading with its title split off from the body that runs on after it."""

    heading_kind: str | None
    title: str
    body: str


def _split_heading_line(line: str, kind: str) -> tuple[str, str]:
    """"1、做优创新平台。要健全…" → ("1、做优创新平台", "要健全…"); a bare heading line is kept whole."""
    stop = line.find("。")
    if stop == -1 or stop == len(line) - 1:
        if len(line) <= 90 or kind in ("shi", "dash"):
            if kind in ("shi", "dash") and len(line) > 40:
                comma = re.search(r"[，,；;]", line)
                if comma and comma.start() <= 40:
                    return line[: comma.start()], line
                return line[:30], line
            return line, ""
        return line[:40], line
    title = line[:stop]
    if kind in ("shi", "dash"):
        return title[:40], line  # run-in items keep their whole sentence in the body
    if len(title) > 90:
        return title[:40], line
    return title, line[stop + 1:].strip()


def _is_unnumbered_heading(line: str, nxt: str | None, prev: str | None) -> bool:
    """A short line standing alone before a longer paragraph reads as a heading ("产业结构持续优化。")."""
    if nxt is None or len(line) > 40 or len(line) < 4 or _NOT_HEADING.search(line):
        return False
    if line.count("。") > 1 or line.endswith(("？", "！", "!", "?", "；")):
        return False
    if heading_level(nxt) is not None and not _TOP_UNNUMBERED.match(line):
        return False
    return len(nxt) >= max(50, int(1.5 * len(line))) or bool(_TOP_UNNUMBERED.match(line))


TABLE_MARK = "\x00"  # a line standing for a table block: a paragraph of its section, never a heading


def build_sections(lines: list[str], body_start: int, headings: frozenset[int] = frozenset()
                   ) -> tuple[list[Section], list[tuple[int, str, int]]]:
    """The section tree and, for every body paragraph, the index of the section it belongs to and of its line.

    headings: lines the file itself marks as headings (a Word heading style, a bold or larger PDF line,
    an HTML <h2>, a sheet name); they open a section even without numbering."""
    sections: list[Section] = [Section(idx=0, path=[], level=0)]
    stack: list[tuple[str, str]] = []  # (kind, title)
    paragraphs: list[tuple[int, str, int]] = []

    def open_section(kind: str, title: str) -> int:
        nonlocal stack
        if kind == "top":
            stack = []
        elif kind in _FLOAT_ORDER:
            while stack and stack[-1][0] in _FLOAT_ORDER and _FLOAT_ORDER[stack[-1][0]] >= _FLOAT_ORDER[kind]:
                stack.pop()
        else:
            while stack and stack[-1][0] in _FLOAT_ORDER:
                stack.pop()
            kinds = [k for k, _ in stack]
            if kind in kinds:
                stack = stack[: kinds.index(kind)]
            elif stack and stack[0][0] == "top" and kind == "cn_dun":
                stack = []
        stack.append((kind, title))
        sections.append(Section(idx=len(sections), path=[t for _, t in stack], level=len(stack)))
        return len(sections) - 1

    current = 0
    for i in range(len(lines)):
        if i < body_start:
            continue
        line = lines[i]
        if line.startswith(TABLE_MARK):
            paragraphs.append((current, line, i))
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        kind = heading_level(line)
        if kind is not None and not _NOT_HEADING.search(line[:12]):
            if kind in ("shi", "dash") and len(line) < 8:
                paragraphs.append((current, line, i))
                continue
            title, body = _split_heading_line(line, kind)
            current = open_section(kind, title)
            if body:
                paragraphs.append((current, body, i))
            elif nxt is None or heading_level(nxt) == kind or END_MATTER.match(nxt):
                # an item of a list ("1.三大主导产业：…" then "2.…"): its line is its content, not only a title
                paragraphs.append((current, line, i))
            continue
        if END_MATTER.match(line) or (_TOP_UNNUMBERED.match(line) and len(line) <= 30):
            current = open_section("top", line.rstrip("：:"))
            continue
        if i in headings and len(line) <= 50 and not _NOT_HEADING.search(line):
            current = open_section("unnumbered", line.rstrip("：:"))
            continue
        if _is_unnumbered_heading(line, nxt, lines[i - 1] if i else None):
            current = open_section("unnumbered", line)
            continue
        paragraphs.append((current, line, i))
    return sections, paragraphs


# --- metadata ---------------------------------------------------------------------------------

_KINDS = [
    ("统计公报", re.compile(r"统计公报")),
    ("计划总结", re.compile(r"计划总结|工作总结和.{0,8}计划|总结.{0,4}计划")),
    ("政府工作报告", re.compile(r"政府工作报告")),
    ("工作报告", re.compile(r"工作报告")),
    ("工作总结", re.compile(r"工作总结|总结")),
    ("工作计划", re.compile(r"工作计划|计划")),
]
_ISSUER_SUFFIX = r"(?:省|市|自治区|特别行政区|县|区|实验区|开发区|新区|高新区|园区|州|盟|旗)"
_ISSUER_RES = [
    re.compile(rf"在([\u4e00-\u9fff]{{2,14}}?{_ISSUER_SUFFIX})(?:第[{CN_NUM}]+届)?人民代表大会"),
    re.compile(rf"^([\u4e00-\u9fff]{{2,14}}?{_ISSUER_SUFFIX})(?:人民政府)?(?:省长|市长|主席|代理主席|代省长|代市长|主任|区长|县长)"),
    re.compile(rf"([\u4e00-\u9fff]{{2,12}}?{_ISSUER_SUFFIX})(?:管委会|人民政府|统计局)"),
]
_NATIONAL = re.compile(r"国务院|全国人民代表大会|全国人大|国务院总理")
_FILENAME = re.compile(r"^(\d{4})_([^_]+)_(.+)$")


def _clean_issuer(issuer: str) -> str:
    return re.sub(r"^(在|我代表)", "", issuer)


def detect_meta(lines: list[str], file_stem: str, file_meta: dict[str, str]) -> ReportMeta:
    head = [cn_years_to_digits(to_halfwidth(ln)) for ln in lines[:12]]
    head_text = "\n".join(head)
    full_sample = cn_years_to_digits(to_halfwidth("\n".join(lines[:60])))

    title = file_meta.get("title", "")
    if not title:
        # "20XX年" is a template, not a title; a line naming a report beats one that only says 总结/计划
        for ln in sorted(head[:min(4, body_start(lines))], key=lambda ln: ("XX" in ln.upper(), not re.search(r"报告|公报", ln))):
            if len(ln) <= 40 and re.search(r"报告|总结|公报|计划|规划", ln) and not re.search(r"(^现在|^我|。$)", ln) \
                    and heading_level(ln) is None:
                title = ln
                break

    issuer = file_meta.get("issuer", "")
    year: int | None = None
    kind = ""
    fm = _FILENAME.match(file_stem)
    if fm:
        year = int(fm.group(1))
        issuer = issuer or fm.group(2)
        kind = next((k for k, p in _KINDS if p.search(fm.group(3))), "")
    if not issuer:
        if _NATIONAL.search(head_text):
            issuer = "国务院"
        else:
            for pattern in _ISSUER_RES:
                m = next((pattern.search(ln) for ln in head if pattern.search(ln)), None)
                if m:
                    issuer = _clean_issuer(m.group(1))
                    break
    if not issuer and title:
        m = re.match(rf"(?:\d{{4}}年?)?(?!年)([\u4e00-\u9fff]{{2,14}}?{_ISSUER_SUFFIX})", title)
        if m:
            issuer = m.group(1)
    if not kind:
        kind = next((k for k, p in _KINDS if p.search(title + "\n" + head_text)), "")

    review = _first_year(full_sample, [r"回顾(?:总结)?[\u4e00-\u9fff]{0,8}?(\d{4})年", r"(\d{4})年(?:主要)?工作(?:回顾|总结|情况)",
                                       r"过去一年[^。]{0,20}?(\d{4})年"])
    plan = _first_year(full_sample + "\n" + "\n".join(cn_years_to_digits(to_halfwidth(ln)) for ln in lines[60:400]
                                                      if len(ln) <= 60),
                       [r"部署(\d{4})年", r"(\d{4})年(?:政府)?(?:工作安排|工作任务|主要任务|重点工作|工作计划|目标任务|工作总体部署|经济社会发展总体要求|工作总体要求)"])
    delivered = None
    m = re.search(r"(\d{4})年\d{1,2}月\d{1,2}日在", head_text)
    if m:
        delivered = int(m.group(1))
    elif file_meta.get("date"):
        dm = re.match(r"(\d{4})", file_meta["date"])
        delivered = int(dm.group(1)) if dm else None
    elif file_meta.get("year", "").isdigit():
        delivered = int(file_meta["year"])
    if year is None:
        year = delivered
    if year is None:
        tm = re.search(r"(\d{4})", cn_years_to_digits(to_halfwidth(title)))
        if tm:
            year = int(tm.group(1))
    if year is None:
        year = plan or (review + 1 if review else None)
    if kind == "统计公报":
        ym = re.search(r"(\d{4})年", to_halfwidth(title + file_stem))
        review = review or (int(ym.group(1)) if ym else None)
    elif year is not None and "报告" in kind:
        # a work report is delivered early in the year it plans and reviews the year before
        review, plan = year - 1, year
    if not title or title in ("政府工作报告", "工作报告") or (issuer and issuer[:2] not in title):
        base = title or kind or "报告"
        has_year = bool(re.search(r"(19|20)\d{2}", base))
        title = f"{year if year and not has_year else ''}{'年' if year and not has_year else ''}{issuer}{base}"
    return ReportMeta(title=title.strip(), issuer=issuer, kind=kind, year=year, review_year=review, plan_year=plan)


def _first_year(text: str, patterns: list[str]) -> int | None:
    best: tuple[int, int] | None = None
    for p in patterns:
        m = re.search(p, text)
        if m and 1900 < int(m.group(1)) < 2200 and (best is None or m.start() < best[0]):
            best = (m.start(), int(m.group(1)))
    return best[1] if best else None


def body_start(lines: list[str]) -> int:
    """Index of the first line after the title block (title, date-and-venue line, speaker, salutation)."""
    for i, ln in enumerate(lines[:8]):
        if re.match(r"^(各位代表|同志们|各位委员)", ln):
            return i + 1
    for i, ln in enumerate(lines[:6]):
        if heading_level(ln) in ("cn_dun", "part") or len(ln) > 60:
            return i
    return min(1, len(lines))


# --- chunks -----------------------------------------------------------------------------------

CHUNK_TARGET = 320
CHUNK_MAX = 480
_SENT_RE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”’」』）)]*|[^。！？!?；;]+$")


def split_sentences(text: str) -> list[str]:
    return [s for s in (m.group(0).strip() for m in _SENT_RE.finditer(text)) if s]


def _pieces(paragraph: str) -> list[str]:
    """Split a paragraph longer than CHUNK_MAX at sentence ends, and a sentence that is still too long hard."""
    if len(paragraph) <= CHUNK_MAX:
        return [paragraph]
    out: list[str] = []
    buf = ""
    for sentence in split_sentences(paragraph):
        while len(sentence) > CHUNK_MAX:
            cut = max(sentence.rfind("，", 0, CHUNK_MAX), sentence.rfind(",", 0, CHUNK_MAX))
            cut = cut + 1 if cut > CHUNK_MAX // 2 else CHUNK_MAX
            if buf:
                out.append(buf)
                buf = ""
            out.append(sentence[:cut])
            sentence = sentence[cut:]
        if buf and len(buf) + len(sentence) > CHUNK_TARGET:
            out.append(buf)
            buf = ""
        buf += sentence
    if buf:
        out.append(buf)
    return out


def build_chunks(sections: list[Section], paragraphs: list[tuple[int, str, int]],
                 origins: list[Any] | None = None) -> list[Chunk]:
    """Paragraphs of one section packed into chunks of about CHUNK_TARGET characters; never across sections.

    origins[line] is the block a line came from (its page, OCR confidence, or table); a table's rows make
    chunks of their own, read out as row sentences, in the place the table stands."""
    chunks: list[Chunk] = []
    cur_sec, buf = -1, ""
    parts: list[Any] = []

    def flush():
        nonlocal buf, parts
        if buf.strip():
            sec = sections[cur_sec]
            pages = [b.page for b in parts if b is not None and b.page is not None]
            confs = [(b.ocr_confidence, len(b.text)) for b in parts if b is not None and b.ocr_confidence is not None]
            conf = round(min(c for c, _ in confs), 3) if confs else None
            chunks.append(Chunk(idx=len(chunks), section_idx=sec.idx, section_path=sec.path, text=buf.strip(),
                                page=pages[0] if pages else None, ocr_confidence=conf))
        buf, parts = "", []

    for sec_idx, para, line in paragraphs:
        if sec_idx != cur_sec:
            flush()
            cur_sec = sec_idx
        origin = origins[line] if origins is not None and line < len(origins) else None
        if para.startswith(TABLE_MARK):
            flush()
            if origin is not None and origin.table is not None:
                _table_chunks(chunks, sections[sec_idx], origin)
            continue
        for piece in _pieces(para):
            if buf and len(buf) + len(piece) + 1 > CHUNK_TARGET:
                flush()
            buf = f"{buf}\n{piece}" if buf else piece
            parts.append(origin)
    flush()
    return chunks


def _table_chunks(chunks: list[Chunk], sec: Section, block: Any) -> None:
    """A table's rows, each as the sentence a person reads out, packed into chunks that name the table."""
    from .tables import clean_caption, table_rows

    rows = table_rows(block.table)
    caption = clean_caption(block.table.caption) or (sec.path[-1] if sec.path else "表格")
    group: list[Any] = []
    size = 0
    for row in [*rows, None]:
        if row is None or (group and size + len(row.sentence) + 1 > CHUNK_TARGET):
            if group:
                chunks.append(Chunk(idx=len(chunks), section_idx=sec.idx, section_path=sec.path,
                                    text="\n".join(r.sentence for r in group), page=block.page,
                                    ocr_confidence=block.ocr_confidence, table=caption, rows=group))
            group, size = [], 0
        if row is not None:
            group.append(row)
            size += len(row.sentence) + 1
