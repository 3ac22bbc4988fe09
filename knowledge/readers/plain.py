"""Plain-text readers: .txt/.md in any common encoding, saved web pages (.page.txt) and scraped .csv exports.

Also the line cleaning every reader shares (web-page clutter, page footers) and the paragraph recovery for
pages flattened to one line.
"""

from __future__ import annotations

import csv
import io
import re

from ..errors import UnreadableFile
from .blocks import Block, Document, paragraphs


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK); binary is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("文件标明是 UTF-16 编码，但无法按 UTF-16 解码：请另存为 UTF-8 文本后重新发送") from exc
    if b"\x00" in data[:65536]:
        raise UnreadableFile("这是二进制文件，不是文本：请发送 .txt/.docx/.pdf 等报告文件")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_like_text(text):
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _looks_like_text(str(best)):
        return str(best)
    raise UnreadableFile("无法识别文本编码（已尝试 UTF-8 与 GB18030/GBK）：请另存为 UTF-8 文本后重新发送")


def _decode_mixed(data: bytes) -> str | None:
    """A file pasted together from UTF-8 and GBK parts: each line in the encoding it decodes in.

    Only when both kinds of line are really there (several non-ASCII lines of each); a plain GBK file,
    whose lines rarely happen to be valid UTF-8, is left to the whole-file decoders.
    """
    lines = data.split(b"\n")
    utf8 = gbk = 0
    out = []
    for line in lines:
        if line.isascii():
            out.append(line.decode("ascii"))
            continue
        try:
            out.append(line.decode("utf-8"))
            utf8 += 1
        except UnicodeDecodeError:
            try:
                out.append(line.decode("gb18030"))
                gbk += 1
            except UnicodeDecodeError:
                return None
    return "\n".join(out) if utf8 >= 2 and gbk >= 2 else None


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad / len(sample) < 0.01


def read_text_bytes(data: bytes) -> Document:
    text = decode_bytes(data)
    if _PAGE_BODY_RE.search(text):
        return read_scraped_page(text)
    return Document(paragraphs(text.split("\n")))


_PAGE_BODY_RE = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
_PAGE_META_KEYS = {"标题": "title", "发布时间": "date", "发布机构": "issuer", "文号": "doc_no"}


def read_scraped_page(text: str) -> Document:
    """A saved web page: a `key: value` header, a ==== 正文 ==== line, then the body (often one line)."""
    header, body = _PAGE_BODY_RE.split(text, maxsplit=1)
    meta: dict[str, str] = {}
    for line in header.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in _PAGE_META_KEYS and value.strip():
            meta[_PAGE_META_KEYS[key.strip()]] = value.strip()
    return Document(paragraphs(restore_paragraphs(body).split("\n")), meta)


def read_scraped_csv(text: str) -> Document:
    """A web-scrape export with a full_text column (and title, year, publish_date when present)."""
    csv.field_size_limit(64 * 1024 * 1024)
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "full_text" not in rows[0]:
        raise UnreadableFile("不是网页导出的 .csv（缺少 full_text 列）")
    row = rows[0]
    meta = {k: (row.get(src) or "").strip() for k, src in
            (("title", "title"), ("date", "publish_date"), ("issuer", "province"), ("year", "year"))}
    return Document(paragraphs(row["full_text"].split("\n")), {k: v for k, v in meta.items() if v})


# --- cleaning ---------------------------------------------------------------------------------

_CLUTTER_LINE = re.compile(
    r"^(资源描述|展开阅读全文|阅读全文|第\s*\d+\s*页\s*共\s*\d+\s*页|共\s*\d+\s*页|【?字体[:：]?.*|[大中小]|】|"
    r"分享[:：]?.*|来源[:：]?|打印本页|关闭窗口|扫一扫在手机打开当前页|相关附件>*|相关链接>*|"
    r"[0-9a-f]{32}[:：]?|\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}时\d{1,2}分|"
    r"(微信|微博|QQ空间|收藏|打印|关闭|返回顶部|上一篇|下一篇)(\s+(微信|微博|QQ空间|收藏|打印|关闭))*|"
    r"责任编辑[:：]?.*|附件下载|页面链接与图片详见.*)$"
)
# Once one of these appears near the end, what follows is the page's footer, not the report.
_TAIL_MARKERS = re.compile(r"^(责任编辑[:：]?|扫一扫在手机打开当前页|相关附件>*|相关链接>*|打印本页)")


def clean_blocks(blocks: list[Block]) -> list[Block]:
    """clean_text for blocks: clutter lines and a web page's footer go; tables are kept as they are."""
    texts = [b for b in blocks if b.table is None]
    for b in texts:
        b.text = b.text.replace("\u00a0", " ").replace("\u200b", "").strip().strip("\u3000").strip()
    texts = [b for b in texts if b.text]
    cut = None
    for i in range(int(len(texts) * 0.6), len(texts)):
        if _TAIL_MARKERS.match(texts[i].text):
            cut = texts[i]
            break
    out: list[Block] = []
    for b in blocks:
        if b is cut:
            break
        if b.table is not None:
            out.append(b)
            continue
        if not b.text or _CLUTTER_LINE.match(b.text):
            continue
        b.text = re.sub(r"^(?:(?:微信|微博|QQ空间|收藏|打印)\s+)+", "", b.text)
        if b.text:
            out.append(b)
    return out


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    lines = [ln.strip().strip("\u3000").strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    cut = len(lines)
    for i in range(int(len(lines) * 0.6), len(lines)):
        if _TAIL_MARKERS.match(lines[i]):
            cut = i
            break
    kept = [ln for ln in lines[:cut] if not _CLUTTER_LINE.match(ln)]
    # Scraped pages often lead with a share bar fused to the first line ("微信 微博 QQ空间 一、综 合").
    kept = [re.sub(r"^(?:(?:微信|微博|QQ空间|收藏|打印)\s+)+", "", ln) for ln in kept]
    return "\n".join(ln for ln in kept if ln)


# --- paragraph recovery for pages that lost their line breaks ------------------------------

_HEADING_START = re.compile(
    r"(?<=[。！？；：”」\s])\s*(?=(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|"
    r"第[一二三四五六七八九十]+[，,、]|[一二三四五六七八九十]是|注[:：]|各位代表|同志们[，,！]))"
)
# Words that open a body paragraph right after a run-in heading ("一、2024年工作回顾2024年是…").
_STRONG_OPENERS = re.compile(
    r"(?:\d{4}年|[（(][一二三四五六七八九十]{1,3}[）)]|一是|全年|过去一年|一年来|五年来|今年|这一年|初步核算|"
    r"按户籍|按常住|全区|全市|全省|全县|全社会|截至|年末)"
)
_WEAK_OPENERS = re.compile(
    r"(?:我们|深入|坚持|加快|推动|实施|出台|启动|新增|投用|扎实|持续|全面|牢牢|科学|兜准|聚焦|强化|加强|围绕|新形势)"
)
_MARKER = re.compile(r"[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]+[，,、]")


def restore_paragraphs(body: str) -> str:
    """Put back the line breaks of a page flattened to one line: before headings and their bodies."""
    if body.count("\n") > max(5, len(body) // 2000):
        return body
    text = re.sub(r"[ \t]+", " ", body.replace("\n", " ")).strip()
    lines: list[str] = []
    for part in _HEADING_START.split(text):
        lines.extend(_split_run_in_heading(part.strip()))
    return "\n".join(ln for ln in lines if ln)


def _split_run_in_heading(part: str) -> list[str]:
    """"（一）深层次深化改革提升深入实施…" → the heading, then its body (which may open with a sub-heading)."""
    marker = _MARKER.match(part)
    if not marker:
        return [part]
    start = marker.end()
    stop = part.find("。", start)
    strong = _STRONG_OPENERS.search(part, start + 2, min(start + 40, stop if stop > 0 else len(part)))
    if strong:
        head, rest = part[: strong.start()].strip(), part[strong.start():].strip()
    elif 0 < stop <= 60 and not _MARKER.search(part, start, stop):
        head, rest = part[: stop + 1], part[stop + 1:].strip()
    else:
        cut = None
        for pattern in (_STRONG_OPENERS, _WEAK_OPENERS):
            m = pattern.search(part, start + 2, start + 40)
            if m:
                cut = m.start()
                break
        if cut is None:
            return [part]
        head, rest = part[:cut].strip(), part[cut:].strip()
    return [head, *(_split_run_in_heading(rest) if rest else [])]
