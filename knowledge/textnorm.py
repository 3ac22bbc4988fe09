"""Normalization of Chinese report text and questions: widths, 繁→简, Chinese numerals."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (Ｇ，４３８００，％) to half-width; Chinese punctuation like 、。 stays."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Character table traditional → simplified, from OpenCC's TSCharacters dictionary."""
    from importlib.resources import files

    table: dict[int, str] = {}
    text = files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        src, _, dst = line.partition("\t")
        if len(src) == 1 and dst:
            table[ord(src)] = dst.split(" ")[0]
    return table


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (繁→简), character by character; simplified text is unchanged."""
    return text.translate(_t2s_table())


def normalize_for_match(text: str) -> str:
    """The form used to compare numbers and terms: half-width, simplified, lower-case, NFKC."""
    return unicodedata.normalize("NFKC", to_simplified(to_halfwidth(text))).lower()


# A short aside inside a term ("既有住宅加装（更新）电梯", "新（改）建", "文化馆（站）等"): the term reads whole without it.
_ASIDE = re.compile(r"(?<=[\u4e00-\u9fff])\([\u4e00-\u9fff、]{1,6}\)(?=[\u4e00-\u9fff])")


def with_asides_read_through(norm: str) -> str:
    """A normalized text, followed (after a line break) by itself without the asides inside its terms when it has
    any, and by the members of the lists it writes in one word ("一二三产" → 第一产业…): a term is found in any."""
    through = _ASIDE.sub("", norm) if "(" in norm else norm
    spelled = spell_enumerations(norm) if ENUMERATIONS_SPELLED else ""
    return "\n".join([norm, *([through] if through != norm else []), *([spelled] if spelled else [])])


# Lists written as one word of their members' first characters (并称): the three industries by their ordinals
# ("一二三产业融合", "二、三产业增加值"), the school stages ("小初高学位", "中小学", "大中小学", "中小幼") (ablation
# switch)
ENUMERATIONS_SPELLED = True
_ORDINAL_INDUSTRIES = re.compile(r"(?<![第\d十百千万零〇])([一二三](?:、?[一二三]){1,2})产业?([\u4e00-\u9fff]{0,3}?(?:增加值|投资|比重|结构))?")
_SCHOOL_STAGES = {"大": "大学", "中": "中学", "小": "小学", "初": "初中", "高": "高中", "幼": "幼儿园"}
_STAGES = re.compile(r"大中小学|中小学|小初高|中小幼")


def spell_enumerations(norm: str) -> str:
    """The members of the one-word lists in a normalized text, spelled out (with what follows the list: "一二三产
    增加值" → 第一产业增加值 第二产业增加值 第三产业增加值); "" when it writes none."""
    out: list[str] = []
    for m in _ORDINAL_INDUSTRIES.finditer(norm):
        tail = m.group(2) or ""
        out.extend(f"第{n}产业{tail}" for n in m.group(1).replace("、", ""))
    for m in _STAGES.finditer(norm):
        out.extend(_SCHOOL_STAGES[ch] for ch in m.group(0).rstrip("学"))
    for m in _OUTPUT_MOVED.finditer(norm):  # "粮食增产百分之四十": 粮食产量增长百分之四十
        made = _noun_before(m.group(1))
        if made:
            out.append(f"{made}产量{'增长' if m.group(2) == '增' else '下降'}")
    return " ".join(out)


# 增产/减产 is output grown or fallen, said of the thing produced just before it (粮食增产, 钢减产; not 每年增产)
_OUTPUT_MOVED = re.compile(r"([\u4e00-\u9fff]{1,4})([增减])产(?![业品值权])")


def _noun_before(text: str) -> str:
    """The last word of text when the general dictionary tags it a noun (not a person's name), else ""."""
    from .lexical import pos_cut  # lexical reads text through this module

    words = pos_cut(text)
    return words[-1][0] if words and words[-1][1].startswith("n") and not words[-1][1].startswith("nr") else ""


_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4,
              "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "点"


def parse_cn_integer(text: str) -> int | None:
    """一千一百零八 → 1108, 十二 → 12, 一九五八 → 1958 (digit-by-digit years). None if not a numeral."""
    if not text:
        return None
    if all(ch in _CN_DIGITS for ch in text):
        if len(text) == 1:
            return _CN_DIGITS[text]
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
        elif ch == "亿":
            # 亿 scales everything before it: 十二万亿 = 12 × 10^4 × 10^8, 三亿五千万 = 3 × 10^8 + 5000 × 10^4
            total = (total + section + (digit or 0)) * _CN_BIG_UNITS[ch]
            section, digit = 0, None
        elif ch in _CN_BIG_UNITS:
            total += (section + (digit or 0)) * _CN_BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def parse_cn_number(text: str) -> float | None:
    """Chinese numerals with an optional decimal part: 十一点八 → 11.8, 百分之 is handled by callers."""
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = parse_cn_integer(whole) if whole else 0
        if w is None or not frac or any(ch not in _CN_DIGITS for ch in frac):
            return None
        return float(f"{w}.{''.join(str(_CN_DIGITS[ch]) for ch in frac)}")
    value = parse_cn_integer(text)
    return None if value is None else float(value)


_NUM_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def parse_number(text: str) -> float | None:
    """A written number in any of the forms reports use: 114.23, 4,380, ４３８００, 十一点八."""
    t = to_halfwidth(text).strip()
    m = _NUM_RE.fullmatch(t)
    if m:
        return float(t.replace(",", ""))
    return parse_cn_number(t)


def number_forms(value: float) -> set[str]:
    """Canonical strings of a value for matching: 8.0 → {"8"}, 114.23 → {"114.23"}."""
    s = f"{value:.6f}".rstrip("0").rstrip(".")
    return {s}


_YEAR_CN_RE = re.compile(r"[一二三四五六七八九〇零○]{4}(?=年)")


def cn_years_to_digits(text: str) -> str:
    """一九五八年 → 1958年, so that year handling works on old reports."""
    return _YEAR_CN_RE.sub(lambda m: str(parse_cn_integer(m.group(0))), text)
