"""Query understanding: normalize the question, expand staff abbreviations, find issuer, years and intent."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .figures import CHANGE_VERBS, is_unit, plan_last_year
from .lexical import STOPWORDS, tokenize
from .textnorm import cn_years_to_digits, normalize_for_match, to_halfwidth, to_simplified

# Abbreviations staff use → what reports write. Each group counts as one concept when checking coverage.
ABBREVIATIONS: dict[str, list[str]] = {
    "gdp": ["地区生产总值", "国内生产总值", "经济增长", "生产总值"],
    "固投": ["固定资产投资"],
    "社零": ["社会消费品零售总额"],
    "规上": ["规模以上"],
    "高企": ["高新技术企业", "高企"],
    "cpi": ["居民消费价格", "物价"],
    "ppi": ["工业生产者出厂价格"],
    "外资": ["利用外资", "实际使用外资", "外商投资"],
    "国企": ["国有企业", "国企"],
    "民企": ["民营企业"],
    "营收": ["营业收入"],
    "r&d": ["研发经费", "研究与试验发展", "研发投入"],
    "研发": ["研发", "研究与试验发展"],
    "外贸": ["进出口", "外贸"],
    "ai": ["人工智能"],
    "楼市": ["房地产", "住房", "房地产市场"],
    "新能源车": ["新能源汽车"],
    "双碳": ["碳达峰", "碳中和"],
    "财政收入": ["一般公共预算收入", "财政收入", "财政总收入"],
    "失业率": ["城镇调查失业率", "城镇登记失业率", "失业率"],
    "就业": ["城镇新增就业", "就业"],
    "游客": ["游客", "旅游人次", "接待国内外游客"],
    "专项债": ["地方政府专项债券"],
    "特别国债": ["超长期特别国债"],
    "空气质量": ["空气质量优良天数", "空气质量"],
    "碳排放": ["二氧化碳排放"],
    "经济增速": ["地区生产总值", "经济增长"],
    "经济增长": ["地区生产总值", "经济增长"],
    "经济总量": ["经济总量", "地区生产总值", "国内生产总值", "生产总值"],
    "增速": ["增长"],
    "增长速度": ["增长", "增速"],
    "增长幅度": ["增长", "增幅"],
    "涨幅": ["涨幅", "上涨"],
    "pm2.5": ["pm2.5", "细颗粒物"],
    # statistics' own short and older names
    "单产": ["单产", "亩产", "单位面积产量"],
    "总产": ["总产量", "产量", "总产"],
    "农民": ["农村居民", "农民"],
}


# A short form that begins a different statistic's name is not that short form: 总产 is 总产量, never 总产值
# (gross output value)
_NOT_LONGER = {"总产": "(?!值)"}


def _load_everyday(path: Path) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        phrase, tab, terms = line.partition("\t")
        words = [t.strip() for t in terms.split("|") if t.strip()]
        if not tab or not phrase.strip() or not words:
            raise ValueError(f"{path.name}:{n}: expected “phrase<TAB>term|term”, got {line!r}")
        table[phrase.strip().lower()] = words
    return table


# Everyday words → what reports write for them ("找工作" → 城镇新增就业, 就业; "看病" → 就医, 医疗卫生): general
# vocabulary of the domain, written by a reader of the reports who saw no question (everyday.tsv says how).
# Like an abbreviation, a phrase found in a question is one concept that any of its terms covers.
EVERYDAY: dict[str, list[str]] = _load_everyday(Path(__file__).with_name("everyday.tsv"))


def _load_synonyms(path: Path) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = [t.strip() for t in line.split("|") if t.strip()]
        for term in group:
            table.setdefault(term.lower(), [term, *(t for t in group if t != term)])
    return table


# Formal names of one statistic ("第三产业" / "服务业"): a phrase found in a question is one concept any of them covers,
# like an everyday phrase (an everyday phrase of the same spelling wins).
SYNONYMS: dict[str, list[str]] = _load_synonyms(Path(__file__).with_name("synonyms.tsv"))


# A place written just before a zone's name ("杭州下沙经济开发区", "福建平潭综合实验区") is more of that name, not a
# place of its own that a passage must name; beside a province or city ("成都四川省会") it is a place (ablation switch)
NAME_BEFORE_ISSUER = True
_ZONE = re.compile(r"(开发区|高新区|新区|园区|实验区|试验区|管委会|管理委员会)$")


# Particles and classifiers speech slips inside a phrase: "找到了工作", "办个公司", "老人的养老金".
_SLIPPED = set("了的个些过着")
# Words of averaging speech slips before what is measured: "老百姓平均收入" is 老百姓收入 per head, as the reports'
# 居民人均可支配收入 is (ablation switch)
AVERAGING_SLIPPED = True
_AVERAGING = ("平均", "人均", "每人", "每个人")


def _match_at(text: str, i: int, phrase: str, places: Sequence[str] = ()) -> int:
    """The end of phrase read in text from i, one slipped-in particle allowed between its characters, and one place
    named inside it ("来海南玩的人" is 来玩的人 said of 海南); -1 if not."""
    j = i
    placed = False
    for k, ch in enumerate(phrase):
        if j < len(text) and text[j] == ch:
            j += 1
        elif k and j + 1 < len(text) and text[j] in _SLIPPED and text[j + 1] == ch:
            j += 2
        elif k and AVERAGING_SLIPPED and (slipped := _word_before(text, j, ch, _AVERAGING)):
            j += len(slipped) + 1
        elif k and not placed and (place := _word_before(text, j, ch, places)):
            j += len(place) + 1
            placed = True
        else:
            return -1
    return j


def _word_before(text: str, j: int, ch: str, words: Sequence[str]) -> str:
    """The first of words written at j in text with ch right after it, or ""."""
    return next((w for w in words if text.startswith(w, j) and text[j + len(w):j + len(w) + 1] == ch), "")


# A place named inside an everyday phrase ("来海南玩的人", "去四川打工") is read through: the phrase is the same
PLACES_INSIDE = True
# And going there is coming there: "去河南玩的人" of 河南 is the phrase "来玩的人" (ablation switch)
COMING_IS_GOING = True


def _word_bounds(text: str) -> list[tuple[int, int]]:
    from .lexical import _get_jieba

    bounds, start = [], 0
    for token in _get_jieba().lcut(text):
        bounds.append((start, start + len(token)))
        start += len(token)
    return bounds


def everyday_phrases(lower: str, taken: Sequence[tuple[int, int]] = (),
                     places: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The phrases of EVERYDAY and SYNONYMS in a (lower-cased) question, read left to right, the longest at each place:
    (the question's words, the phrase they are). A phrase must start where a word starts and end where one
    ends, or inside a word that starts with it ("看病" in "看病贵", not "收入多少" in "财政收入多少" nor "用电" in
    "家用电器"), and must not overlap a span already taken (a short form's)."""
    bounds = _word_bounds(lower)
    starts = {a for a, _ in bounds}
    ends = {b for _, b in bounds}

    def aligned(i: int, end: int) -> bool:
        return i in starts and (end in ends or any(a == i and b > end for a, b in bounds)) \
            and not any(i < b and a < end for a, b in taken)

    by_first: dict[str, list[str]] = {}
    for phrase in {**SYNONYMS, **EVERYDAY}:
        by_first.setdefault(phrase[0], []).append(phrase)
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(lower):
        best, end = "", -1
        for phrase in by_first.get(lower[i], ()):
            stop = _match_at(lower, i, phrase, places if PLACES_INSIDE else ())
            if stop > 0 and len(phrase) > len(best) and aligned(i, stop):
                best, end = phrase, stop
        if PLACES_INSIDE and COMING_IS_GOING and lower[i] == "去":
            # "去河南玩的人" said of 河南 is "来河南玩的人": going to the place asked about is coming to it
            come = f"{lower[:i]}来{lower[i + 1:]}"
            for phrase in by_first.get("来", ()):
                stop = _match_at(come, i, phrase, places)
                if stop > 0 and len(phrase) > len(best) and aligned(i, stop) \
                        and any(p in lower[i:stop] for p in places):
                    best, end = phrase, stop
        if best:
            found.append((lower[i:end], best))
            i = end
        else:
            i += 1
    return list(dict.fromkeys(found))


def glossed(lower: str, places: Sequence[str] = ()) -> list[tuple[str, list[str], list[str]]]:
    """What a question's short forms and everyday words stand for: (the question's words, other spellings of
    them, the reports' terms for them). Short forms first: an everyday phrase overlapping one ("GDP增速",
    "农民收入") is left to it, whose group is wider."""
    spans_of = {abbr: [m.span() for m in re.finditer(re.escape(abbr) + _NOT_LONGER.get(abbr, ""), lower)]
                for abbr in ABBREVIATIONS if abbr in lower}
    abbreviations = [abbr for abbr, found in spans_of.items() if found]
    spans = [span for abbr in abbreviations for span in spans_of[abbr]]
    everyday = everyday_phrases(lower, spans, places)
    return [*((said, [phrase] if phrase != said else [], EVERYDAY.get(phrase) or SYNONYMS[phrase])
              for said, phrase in everyday),
            *((abbr, [], ABBREVIATIONS[abbr]) for abbr in abbreviations)]


def _is_contraction(short: str, full: str) -> bool:
    """高企 of 高新技术企业, 规上 of 规模以上: shorter, not a piece of it, its characters in order."""
    it = iter(full)
    return len(short) < len(full) and short not in full and all(ch in it for ch in short)


# Contractions reports write too ("新增国家高企30家"): a question in full words also finds them.
CONTRACTIONS: list[tuple[str, str]] = [(abbr, full[0]) for abbr, full in ABBREVIATIONS.items()
                                       if re.fullmatch(r"[\u4e00-\u9fff]+", abbr) and _is_contraction(abbr, full[0])]

# Words that say what is asked, not what it is about; left out of the coverage check.
GENERIC = set(
    "目标 预期 预期目标 计划 打算 安排 增长 增速 增长率 多少 是多少 有多少 完成 实现 达到 任务 重点 工作 具体 措施 举措 "
    "主要 哪些 情况 部分 哪个 哪一 一节 哪一部分 哪部分 在哪 内容 讲 提出 政府 政府工作报告 报告 工作报告 全国 国家 国务院 "
    "今年 去年 明年 上年 当年 年度 分别 各 变化 比较 相比 提高 下降 要 定 定了 的 了 怎么 如何 发展 推进 推动 加强 "
    "建设 全年 总量 规模 数量 多大 几 排 第几 比 上 年底 年末 现在 目前 一共 新增 那 一年 时候 什么 数据 方面 "
    "具体 具体任务 任务 抓 搞 做 哪些事 事 控制 控制目标 定的 定在 打算 怎样 分别是 各是 各为 是 有 去 今 约 "
    "亿元 万元 万 亿 元 个 家 人 名 万人 总额 总值 统计公报 公报 计划总结 总结 人数 数量 金额 面积 数 额 稳定 上调 下调 量化 "
    "指标 水平 多长 多高 多快 分别是多少 比上年 同比 以来 百分之 百分之几".split()
)
# Formal wording of the same asking (a briefing's "…设定的下限", "…较上年的增幅", "报告显示…"): how much a figure
# moved, the bound set, the measure of a length, none of them what the figure is of.
FORMAL_FRAME = set("增幅 降幅 幅度 提升 较 较上年 上限 下限 里程 比重 比例".split())
GENERIC |= FORMAL_FRAME
# The bound a figure is held to, in the words figures.py reads a qualifier by ("不低于多少", "在5%以上"): how far, not
# what the figure is of.
BOUNDS = set("不低于 不少于 不高于 不超过 低于 高于 少于 多于 超过 以上 以下 以内 之内 左右 上下 至少 最多 最少".split())
GENERIC |= BOUNDS
# How much in all, and roughly ("总共有多少", "大概多少"): asking, as 一共 is.
ROUGHLY = set("总共 大概 大约 大致".split())
GENERIC |= ROUGHLY
# How a figure moved, in the words figures.py reads a change by: "规模同比扩大幅度" asks a change, 扩大 is no topic
MOVEMENT = set(CHANGE_VERBS) - GENERIC
GENERIC |= MOVEMENT

# What a plan says ("目标", "力争", "要…多少": a figure still to be reached) and what a review says.
# A wish to reach a level ("想冲到多少", "想让…到多少") is a plan, as 打算 is; 想知道, 想创业的人 are not.
WISH = "|想(?!要?(?:了解|知道|问|查|看|咨询|请教))(?=要|让(?![你您我])|冲|达到|实现|做到|干到|突破|增长|提高)"
# 定 of setting a figure: followed closely by the figure or the word for it (定了多少, 定的目标, 定在5%), not 定 of
# certifying, deciding or being steady (被认定的企业, 制定了多少项政策, 稳定的就业岗位有多少)
_SET = r"(?<![制认决签检敲界核审鉴评稳])定(?:了|的|在)(?=[^，,。；;？?！!]{0,6}?(?:多少|几|目标|指标|任务|\d|百分之|[一二三四五六七八九十]+(?:万|亿|个|%)))"
_TARGET_RE = re.compile(r"(目标|任务.{0,3}多少|预期|计划|力争|争取(?=水平|目标|数|值|达到|实现|增长|提高|突破)|打算|要求|" + _SET + r"|安排|要[\u4e00-\u9fff]{1,4}多少|将|控制在|准备" + WISH + ")")
_ACTUAL_RE = re.compile(r"(去年|前年|上年|完成了?|实现了?|达到了|是多少|有多少|多少|增长了|减少了|提高了|涨了|突破了|当年)")


def mentions_plan_or_result(text: str) -> bool:
    """Whether text says a figure is planned or achieved (目标, 力争, 完成 …) rather than what it is of."""
    return bool(_TARGET_RE.search(text) or _ACTUAL_RE.search(text))


_POLICY_RE = re.compile(r"(怎么|如何|哪些|举措|措施|打算|部署|安排|任务|重点|怎样|做哪些事)")
_LOCATE_RE = re.compile(r"(哪个部分|哪一部分|哪部分|哪一节|哪节|在哪|放在.{0,6}(部分|哪)|哪一章|哪个章节)")
# Asks for a number: a question word, or a measure's head noun (总额, 强度, 比重 …)
_NUMERIC_RE = re.compile(r"(多少|几|比例|占比|增速|增幅|增长|下降|目标是|规模|总量|涨幅|率|多大|多长|多久|达到|突破|上调|产量|收入|金额|人次"
                         r"|总额|强度|比重|人数|数量)")
# a terse look-up ending in 目标/指标 ("研发投入强度目标？") asks for the figure set, unless it asks what they are
_TERSE_TARGET = re.compile(r"(目标|指标)[？?。!！\s]*$")
_ASKS_WHAT = re.compile(r"(什么|哪些|哪几|怎么|如何|怎样)")

_ISSUER_SUFFIXES = re.compile(
    r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|综合实验区.*|管委会|人民政府|省|市)$"
)
NATIONAL_ALIASES = ("全国", "国家", "国务院", "中央政府", "我国")


def issuer_aliases(issuer: str) -> set[str]:
    """Names a question may use for an issuer: 广西壮族自治区 → {广西壮族自治区, 广西}."""
    if not issuer:
        return set()
    aliases = {issuer}
    core = _ISSUER_SUFFIXES.sub("", issuer)
    if len(core) >= 2:
        aliases.add(core)
    if issuer == "国务院":
        aliases.update(NATIONAL_ALIASES)
    zone = re.search(r"(经济技术开发区|高新技术产业开发区|经济开发区|开发区|高新区|新区|园区|综合实验区|实验区)$", issuer)
    if zone:
        place = issuer[: zone.start()]
        if zone.group(1).endswith("开发区"):
            aliases.add("开发区")
            if len(place) >= 2:  # 临江经济技术开发区 → 临江, 临江开发区
                aliases.update({place, place + "开发区"})
        elif zone.group(1) in ("新区", "高新区", "园区"):
            aliases.add(zone.group(1))
        elif len(place) >= 2:
            aliases.add(place)
    return aliases


_REPORT_NAMED = re.compile(r"((?:19|20)\d{2})\s*年([\u4e00-\u9fff]{0,24}?)(政府工作报告|工作报告|统计公报|计划总结|报告)")
# What may stand between a report's year and the word for the report besides the issuer's name ("2008年那份国务院
# 报告", "2022年国民经济和社会发展统计公报"): anything else ("2024年的经济增长在报告里") makes the year a figure's.
_REPORT_WORDS = re.compile(r"的|那份|这份|该|份|国务院|中央|人民政府|政府|管委会|国民经济和社会发展|国民经济|社会发展|全国|全省|全市|全区|"
                           r"省|市|区|县")


def _only_a_reports_name(words: str, aliases: Iterable[str]) -> bool:
    """Whether words are nothing but the issuer's name and words of a report's name."""
    for alias in sorted(aliases, key=len, reverse=True):
        words = words.replace(alias, "")
    return not _REPORT_WORDS.sub("", words)


def _named_report_year(digits: str, issuers: list[str]) -> tuple[int | None, bool]:
    """The year of the report a question names ("2019年政府工作报告", "四川2025年政府工作报告显示…"), and whether the
    year is said only there (not also of a figure: "四川2025年GDP增长，2025年政府工作报告怎么说")."""
    aliases = {a for i in issuers for a in issuer_aliases(i)}
    for m in _REPORT_NAMED.finditer(digits):
        if not _only_a_reports_name(m.group(2), aliases):
            continue
        year = m.group(1)
        elsewhere = digits[:m.start()] + digits[m.end():]
        return int(year), re.search(rf"(?<!\d){year}(?!\d)", elsewhere) is None
    return None, False


# A report's own name in a question ("《2022年平潭综合实验区国民经济和社会发展统计公报》显示…") says which report, not
# what about: its words (国民经济, 社会, 统计公报) are no concepts (ablation switch)
REPORT_NAME_NO_TOPIC = True
_TITLE = re.compile(r"《\s*((?:19|20)\d{2}\s*年)?([^《》]{0,30}?)(政府工作报告|工作报告|统计公报|计划总结|报告)\s*》")


def without_report_names(text: str, aliases: Iterable[str]) -> str:
    """text with the names of reports it cites blanked: a year, the issuer and the report's kind with nothing but
    words of a report's name between (see _named_report_year), in 《》 or not. A plan's title keeps its topic
    (《…生态环境保护规划》)."""
    if not REPORT_NAME_NO_TOPIC:
        return text

    def blank(m: re.Match) -> str:
        return " " * len(m.group(0)) if _only_a_reports_name(m.group(2), aliases) else m.group(0)

    return _REPORT_NAMED.sub(blank, _TITLE.sub(blank, text))


def named_issuers(text: str, known_issuers: list[str]) -> list[str]:
    """The issuers a text names. A name inside a longer name of another issuer does not count: "临江开发区"
    names 临江经济技术开发区, not every 开发区."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for issuer in known_issuers:
        for alias in issuer_aliases(issuer):
            start = text.find(alias)
            while start >= 0:
                spans.setdefault(issuer, []).append((start, start + len(alias)))
                start = text.find(alias, start + 1)

    def inside_another(issuer: str) -> bool:
        return all(any(a <= s and e <= b and (b - a) > (e - s) for other, theirs in spans.items() if other != issuer
                       for a, b in theirs) for s, e in spans[issuer])

    named = [i for i in known_issuers if i in spans and not inside_another(i)]
    # a place and its governing body are one issuer to ask about ("平潭综合实验区" and its 管委会's reports)
    return [i for i in known_issuers if i in named or any(same_place(i, n) for n in named)]


# What follows a place's name in the name of the body that governs it.
GOVERNING_BODIES = ("管委会", "管理委员会", "人民政府", "政府", "党工委")


def same_place(a: str, b: str) -> bool:
    """Whether two issuers are one place and the body governing it ("平潭综合实验区", "平潭综合实验区管委会")."""
    return a != b and any(a == b + body or b == a + body for body in GOVERNING_BODIES)


def places(issuers: Iterable[str]) -> dict[str, list[str]]:
    """The places issuers are of, each named by its shortest issuer, with every issuer of it."""
    out: dict[str, list[str]] = {}
    for issuer in sorted(issuers, key=len):
        place = next((p for p in out if same_place(p, issuer)), issuer)
        out.setdefault(place, []).append(issuer)
    return out


# A quantity named by a word in …量 (粮食总产量, 货物吞吐量) is written without the 量 as well (粮食总产, 货物吞吐).
MEASURE_CONTRACTED = True


@dataclass
class Concept:
    """One thing the question is about: any of `forms` found counts fully; `parts` count for what they cover."""

    forms: list[str]
    parts: list[str] = field(default_factory=list)
    # (normalized term of the reports, credit): what the reports write for it, found by meaning (vocabulary.py)
    meanings: list[tuple[str, float]] = field(default_factory=list)
    place: bool = False  # names a place: never replaced by another word of similar meaning
    context: str = ""  # the words around it in the question ("找到工作"), what its meaning is looked up by
    unmatched: bool = False  # neither its words nor a term meaning the same are in the reports asked about
    foreign: bool = False  # no report indexed writes its words: the question's own wording ("平均能活到")
    written_by: float = 1.0  # the share of the reports indexed that write its words (looked up when unmatched)

    def __post_init__(self) -> None:
        self.norm_forms = [normalize_for_match(f) for f in self.forms]
        primary = self.forms[0]
        # (normalized part, its span in the primary form): partial credit is the share of the form covered
        self.norm_parts = [(normalize_for_match(p), primary.find(p), len(p)) for p in self.parts if p in primary]
        # (高企, 高新技术企业): the contraction a report may write for a full form inside this concept
        self.aliases = [(abbr, full) for abbr, full in CONTRACTIONS if full in primary]
        for alias, full in self.aliases:
            if full == primary:
                self.norm_forms.append(normalize_for_match(alias))
            elif full in primary:  # the short form covers what the full one does
                self.norm_parts.append((normalize_for_match(alias), primary.find(full), len(full)))
        if MEASURE_CONTRACTED:  # "粮食总产439.2亿斤": a measure in …量 is written without its 量 too
            self.norm_forms.extend(f[:-1] for f in list(self.norm_forms) if f.endswith("量") and len(f) >= 4
                                   and f[:-1] not in self.norm_forms)
        self.norm_words = [w for w in dict.fromkeys(normalize_for_match(w) for w in self.words) if w]

    @property
    def words(self) -> list[str]:
        return [*self.forms, *self.parts, *(alias for alias, _ in self.aliases)]


@dataclass
class QueryInfo:
    original: str
    text: str
    expanded: str  # the words searched: the question and every expansion of its abbreviations
    embedded: str  # what the vector search embeds: the question and one expansion per abbreviation
    terms: list[str]
    years: list[int]
    relative: str | None
    issuers: list[str]
    intent: str  # target | actual | policy | locate | any
    numeric: bool
    concepts: list[Concept] = field(default_factory=list)
    concept_weights: list[float] = field(default_factory=list)  # set from corpus idf when an index is at hand
    compare: bool = False
    report_year: int | None = None  # "2019年政府工作报告": the year the report was delivered
    year_names_report: bool = False  # that year is said only to name the report ("2023年…报告回顾…"), no figure's
    kinds: list[str] = field(default_factory=list)  # 统计公报 / 计划总结 / 政府工作报告 named in the question
    figure_strings: list[str] = field(default_factory=list)  # "1.3万亿元": numbers the question quotes
    asks_past: bool = False  # "做了哪些工作": what was done, not what is planned
    asks_meaning: bool = False  # "指的是什么": what a term means (the glossary's business)
    year_note: str = ""  # how a time word was read: "“今年”按2026年"
    across: bool = False  # asks the same figure of several issuers ("各省…", "谁高", "哪些省份…")
    trend: bool = False  # asks how a figure moved over the years ("这几年怎么变的")
    threshold: tuple[str, float, str] | None = None  # ("≥", 5.0, "%") from "在5%以上"
    vector: Any = None  # the embedded question, once a step has computed it

    @property
    def concept_groups(self) -> list[list[str]]:
        return [c.words for c in self.concepts]

    @property
    def asks_now(self) -> bool:
        """A level asked for now ("现在…一共有多少", or with no year at all): the issuer's latest report states it."""
        return self.numeric and not self.years and not self.report_year and self.relative in (None, "now")

    @property
    def says_done(self) -> bool:
        """The question says the figure is one that happened (实际, 完成了, 去年 …); "多少" alone says neither."""
        return bool(_DONE.search(without_change_base(self.text)))

    @property
    def asks_plan(self) -> bool:
        """What is to be done (not a figure, not what was done): answered where the year is planned."""
        return self.intent in ("policy", "target") and not self.asks_past and not self.numeric


_QUOTED_NUMBER = re.compile(r"[“\"「『]([^”\"」』\s]{0,10}[\d一二三四五六七八九十百千][^”\"」』\s]{0,10})[”\"」』]")
# Words that say a figure asked has happened (its kind, not only its year): "多少" alone is no word of either kind
_DONE = re.compile(r"(实际(?!利用|使用|到位)|完成了|实现了|增长了|达到了|去年|前年|上年)")  # 实际利用外资 is a name
_PAST = re.compile(r"(做了|开展了|取得|完成了|实现了|成效|成绩|进展|回顾)")
_MEANING = re.compile(r"(是什么|什么是|指什么|指的是|含义|意思|名词解释|注释|附件)")


def clean_question(question: str) -> str:
    """Half-width, simplified, without pasted markup ("<b>…</b>") or links."""
    return re.sub(r"</?[a-zA-Z][^<>]{0,40}>|https?://\S+", " ", to_simplified(to_halfwidth(question))).strip()


def _with_expansions(text: str, gloss: list[tuple[str, list[str], list[str]]], each: int | None = None) -> str:
    """A (cleaned) question plus what its abbreviations and everyday words stand for (its `glossed`): all of it
    for the word search; for the vector, `each=1` adds only the first term of each, since every token embedded
    costs time (about 0.6 ms on 2 cores) and "GDP" alone would add 18 tokens."""
    lower = text.lower()
    expansions: list[str] = []
    for _, _, full in gloss:
        # only words the question does not already hold
        missing = [w for w in full if w.lower() not in lower and w not in expansions]
        expansions.extend(missing[:each])
    return text + (" " + " ".join(expansions) if expansions else "")


# A year said by its last two digits ("贵州24年挖了多少煤", "95年的报告", "GDP24年多少"): the century is the one that
# puts it at most ten years ahead. Only where a year stands: at the start, after punctuation, a place named, a word
# joining years (在, 到, 和 …) or before what a year holds (底, 全年, 报告, GDP …); a span ("缴费15年", "创20年新高",
# "近10年来", "30年前") or a decade ("50年代") is none. A range ("23-24年", "23到24年") is two years.
_YY = r"(?<![\d.%])(\d{2})"
_SHORT_RANGE = re.compile(rf"{_YY}(?=[-~～到至和与、]\d{{2}}年)")
_SHORT_YEAR = re.compile(rf"{_YY}年(?![来间内前后代里])(?!多(?!少))(?!以来)")
_YEAR_BEFORE = re.compile(r"(?:^|[\s，,。？?！!：:；;、（(“\"\-~～A-Za-z]|在|于|从|到|至|和|与|及|比|是|那|这一|哪)$")
_YEAR_AFTER = re.compile(r"(?:底|初|末|的|度|年中|上半年|下半年|全年|一季度|\d{1,2}月|[春夏秋冬]|报告|政府|工作|时|那|gdp|GDP|"
                         r"[-~～到至和与、]\d{2}年)")
SHORT_YEARS = True


def with_full_years(text: str, today: date | None = None, places: Sequence[str] = ()) -> str:
    """"24年" → "2024年": a year in two digits, written out, so every step reads it as a year."""
    if not SHORT_YEARS:
        return text
    near = (today or date.today()).year % 100 + 10

    def full(yy: str) -> str:
        return str(2000 + int(yy) if int(yy) <= near else 1900 + int(yy))

    def year(m: re.Match) -> str:
        before, after = text[:m.start()], text[m.end():]
        stands = _YEAR_BEFORE.search(before) or any(before.endswith(p) for p in places) or _YEAR_AFTER.match(after)
        return f"{full(m.group(1))}年" if stands else m.group(0)

    text = _SHORT_RANGE.sub(lambda m: f"{full(m.group(1))}年", text)
    return _SHORT_YEAR.sub(year, text)


def understand(question: str, known_issuers: list[str], reports=None, today: date | None = None) -> QueryInfo:
    """What a question asks: issuer, years (time words resolved against `reports` when given), intent, concepts."""
    text = clean_question(question)
    issuers = named_issuers(text, known_issuers)  # names hold no digits: writing a year out changes none
    if _SHORT_YEAR.search(text):  # a place named just before it marks a year ("贵州24年")
        text = with_full_years(text, today, [a for i in issuers for a in issuer_aliases(i)])
    lower = text.lower()
    digits = cn_years_to_digits(text)

    years = sorted({int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?=\s*年|\D|$)", digits)
                    if 1949 <= int(y) <= 2100},
                   key=lambda y: digits.find(str(y)))
    years += [y for y in period_end_years(text) if y not in years]
    # "比上年增长", "较上年的增幅": the base of a change, not the year asked
    timed = without_change_base(text)
    relative = next((rel for word, rel in RELATIVE_WORDS if word in timed), None)

    if len(issuers) > 1 and "国务院" in issuers and not re.search(r"(国务院|中央政府)", text):
        # beside a named place, 全国/国家 is a scope ("增速居全国前列", "国家级专精特新企业"), not the State Council
        issuers.remove("国务院")
    # "四川" inside "四川省" is one mention; but "江西" must not pull in "广西" and vice versa (whole aliases only)
    report_year, year_names_report = _named_report_year(digits, issuers)
    kinds = [k for k in ("统计公报", "计划总结", "政府工作报告") if k in text]

    names = {i: issuer_aliases(i) for i in issuers}
    aliases = {a for i in issuers for a in names[i]}
    gloss = glossed(lower, sorted({a.lower() for a in aliases if len(a) >= 2}, key=len, reverse=True))
    concepts = [Concept(forms=list(dict.fromkeys([said, *spelt, *full]))) for said, spelt, full in gloss]
    expanded = _with_expansions(text, gloss)
    issuer_words = aliases | set(NATIONAL_ALIASES)
    terms = tokenize(expanded)
    concepts.extend(concept_phrases(without_report_names(text, aliases), issuer_words,
                                    [w for c in concepts for w in c.forms]))
    if NAME_BEFORE_ISSUER:  # "杭州下沙经济开发区": the place before a zone's name is part of that name
        lowered = text.lower()
        zones = [a.lower() for i in issuers if _ZONE.search(i) for a in names[i] if len(a) >= 2]
        concepts = [c for c in concepts if not (c.place and any(f"{c.forms[0].lower()}{a}" in lowered for a in zones))]
    for concept in concepts:
        concept.context = concept_context(text, concept.forms[0], issuer_words)
    # a quoted name with a number ("“1+N”政策体系", "“十四五”时期") is a name, not a figure: numbers are blanked
    # from the phrases above, so it is a concept of its own
    concepts.extend(Concept(forms=[name]) for name in dict.fromkeys(_QUOTED_NUMBER.findall(text))
                    if not any(name in c.forms for c in concepts)
                    and not (PLAN_PERIODS_ARE_TIME and re.fullmatch(_PERIOD_NAME, name) and _PERIOD_END.search(text)))
    figure_strings = [m.group(0) for m in re.finditer(
        r"\d+(?:\.\d+)?(?:万亿|亿|万|千)?(?:元|斤|吨|千瓦|人次|人|家|个|亩|公里|美元|%)", to_halfwidth(text))]

    if _LOCATE_RE.search(text):
        intent = "locate"
    elif _TARGET_RE.search(text) and not re.search(r"(完成了|实现了|去年.*(完成|实现))", text):
        intent = "target"
    elif _POLICY_RE.search(text) and not re.search(r"(多少|几)", text):
        intent = "policy"
    elif _ACTUAL_RE.search(text):
        intent = "actual"
    else:
        intent = "any"
    numeric = bool(_NUMERIC_RE.search(text) or (_TERSE_TARGET.search(text) and not _ASKS_WHAT.search(text))) \
        and intent not in ("policy", "locate")
    # "2010年政府工作报告里，2009年粮食产量…比上年增长多少" names two years but compares nothing: the report's
    # own year and "比上年" do not count
    compare = len([y for y in years if y != report_year]) >= 2 \
        and bool(re.search(r"(和|与|、|比(?!上年|去年|上一年)|分别|变化|各)", text))
    q = QueryInfo(original=question, text=text, expanded=expanded, embedded=_with_expansions(text, gloss, each=1),
                  terms=terms, years=years, relative=relative, issuers=issuers, intent=intent, numeric=numeric,
                  concepts=concepts, compare=compare, report_year=report_year, kinds=kinds,
                  year_names_report=year_names_report,
                  figure_strings=figure_strings,
                  asks_past=bool(_PAST.search(text)), asks_meaning=bool(_MEANING.search(text)))
    if relative and reports is not None:
        resolve_time_words(q, reports, today or date.today())
    q.across = bool(_ACROSS.search(text)) or len(places(issuers)) >= 2 and bool(_WHICH_MORE.search(text))
    q.trend = bool(_TREND.search(text)) and len(years) < 2
    q.threshold = _threshold(to_halfwidth(text))
    return q


# Questions about several issuers at once, and about a figure over the years: general Chinese phrasing.
_ACROSS = re.compile(r"(各省份|各省区市|各地区|各省|各地|各市|各区|各州|各盟|各县|全国各|几个省|多少个省|多少省|"
                     r"哪(?:些|个|几个)(?:省份|省|地区|地方|城市|开发区|园区|区县|市|县))")
_WHICH_MORE = re.compile(r"(谁|哪个|哪家|哪里)[^，,。？?]{0,4}(高|低|多|少|大|小|快|慢)|分别|各是|各为|各自")
_TREND = re.compile(r"(这几年|近几年|这些年|历年|逐年|走势|趋势|怎么变|如何变|变化情况|怎么走|变化轨迹)")
_THRESHOLD = re.compile(r"(在|达到|超过|高于|低于|不低于|不超过|大于|小于)?\s*(\d+(?:\.\d+)?)\s*(%|亿元|万亿元|万人|亿|万)?\s*"
                        r"(以上|以下|以内|及以上|及以下)?")


_ASKING_TAIL = re.compile(r"(分别|各自|各)?(是|为|定的|定得|定了)?(多少|几|哪些|什么)?(呢|吗)?$")


def indicator_phrase(q: QueryInfo) -> str:
    """What a question across issuers or years asks about, without the issuers, years, time words and the
    words that ask ("河南和湖北2026年社零目标谁高？" → "社零目标")."""
    text = re.sub(r"(?:19|20)\d{2}\s*年?(?:和|与|、|至|到|-|—)?", " ", cn_years_to_digits(q.text))
    for pattern in (_ACROSS, _WHICH_MORE, _TREND, _THRESHOLD):
        text = pattern.sub(" ", text)
    for alias in sorted({a for i in q.issuers for a in issuer_aliases(i)}, key=len, reverse=True):
        text = text.replace(alias, " ")
    for word, _ in RELATIVE_WORDS:
        text = text.replace(word, " ")
    text = re.sub(r"[？?！!。，,、\s]+|和|与|及|报告里?|里|的|有|是否|有没有|怎么|如何|变化|情况|省份|地区", " ", text)
    words = [w for w in text.split() if w]
    return _ASKING_TAIL.sub("", "".join(words)) if words else ""


def _threshold(text: str) -> tuple[str, float, str] | None:
    """"固投目标在5%以上" → ("≥", 5.0, "%"): a filter on figures, when a number comes with a comparison word."""
    for m in _THRESHOLD.finditer(text):
        word, number, _, side = m.groups()
        if not (word or side) or re.match(r"(19|20)\d{2}$", number) and not m.group(3):
            continue
        above = side in ("以上", "及以上") or word in ("达到", "超过", "高于", "不低于", "大于")
        below = side in ("以下", "以内", "及以下") or word in ("低于", "不超过", "小于")
        if above != below:
            return ("≥" if above else "≤", float(number), m.group(3) or "")
    return None


# 今年/去年/前年/明年 … and what they are relative to: the plan year (this), the year reviewed (last) …
RELATIVE_WORDS = (("前年", "before_last"), ("去年", "last"), ("上年", "last"), ("上一年", "last"), ("今年", "this"),
                  ("本年", "this"), ("当年", "this"), ("明年", "next"), ("现在", "now"), ("目前", "now"))
CHANGE_BASE = True
_CHANGE_BASE = re.compile(r"(比|较|同比|相比|相较于?|对比)(去年|上年|上一年|前年)(同期)?")


def without_change_base(text: str) -> str:
    """text without the base of a change ("比上年增长" → "增长"): no time word, nothing said done."""
    return _CHANGE_BASE.sub("", text) if CHANGE_BASE else text
_OFFSETS = {"before_last": -2, "last": -1, "this": 0, "now": 0, "next": 1}
_RELATIVE_SHOWN = {"before_last": "前年", "last": "去年", "this": "今年", "now": "今年", "next": "明年"}


def resolve_time_words(q: QueryInfo, reports, today: date) -> None:
    """Turn 今年/去年/前年/明年 into the year meant: against the latest report of the issuer asked about (今年 =
    the year it plans, 去年 = the year it reviews), or the calendar when no issuer is named or implied (an index
    of one issuer's reports implies it). A report named ("2025年政府工作报告显示，去年…") is the one the words are
    relative to. The year is added to q.years and said in q.year_note."""
    if any(y != q.report_year for y in q.years) or q.relative in (None, "now"):
        return  # a year named beside the word, or "现在": the latest figure of either kind, no one year
    reports = [r for r in reports if r.issuer]
    issuers = set(q.issuers) or ({r.issuer for r in reports} if len({r.issuer for r in reports}) == 1 else set())
    offset = _OFFSETS[q.relative]
    years: set[int] = set()
    for bodies in places(issuers).values():  # each place's own latest report ("开发区" may name two zones)
        own = [r for r in reports if r.issuer in bodies]
        if q.report_year:  # the report named, or, not indexed, the years it would plan and review
            own = [r for r in own if r.year == q.report_year] or \
                [SimpleNamespace(year=q.report_year, plan_year=q.report_year, review_year=q.report_year - 1)]
        if not own:
            continue
        latest = max(own, key=lambda r: (r.year or 0, r.plan_year or 0))
        this_year = latest.plan_year or latest.year
        if this_year is None:
            continue
        base = latest.review_year if offset < 0 and latest.review_year else this_year
        years.add(base + (offset + 1 if offset < 0 else offset))
    if not years:
        years = {(q.report_year or today.year) + offset}
    q.years = sorted(years)
    timed = without_change_base(q.text)
    shown = next((w for w, rel in RELATIVE_WORDS if rel == q.relative and w in timed), _RELATIVE_SHOWN[q.relative])
    q.year_note = f"“{shown}”按{q.years[0]}年计" if len(years) == 1 else f"“{shown}”按各自最新报告计"


# Administrative units that follow a place name and keep it a place (成都 + 高新区, 浦东 + 新区).
PLACE_UNITS = set("省 市 区 县 镇 乡 村 州 旗 盟 新区 高新区 开发区 经开区 经济开发区 高新技术产业开发区 自贸区 自贸试验区 "
                  "片区 园区 产业园 港区 保税区 综合保税区 示范区 街道 社区".split())
# Parts of speech that never carry what a question is about: numerals, measure words, pronouns,
# prepositions, conjunctions, particles, adverbs, locality and time words, punctuation.
_SKIP_POS = {"m", "mq", "q", "r", "rr", "rz", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "d", "f", "t",
             "tg", "y", "e", "o", "zg", "w"}
# Verbs of asking and of change ("升了多少", "要减少多少"): the figure's direction, not its subject.
QUESTION_VERBS = set("要 有 是 涨 升 降 升到 降到 提高 增加 减少 完成 实现 达到 突破 放在 讲 定 定了 打算 准备 安排 "
                      "抓 搞 做 怎么 如何 占 占比 分别 以后 之后 以来 现在 提出 发展 推进 推动 "
                      "加强 建设 促进 实施 开展 加快 指 是指 指的是 说 说的 所说 所谓 含义 意思 意味着 了解 查 查查 问问".split())
# Everyday verbs of reaching a level ("想冲到多少", "能干到多少") and of adding up ("加起来", "一年下来"): how far or
# how much in all, as 达到 and 一共 say it, never what the figure is of.
REACHING = set("冲到 冲 干到 做到 搞到 弄到 涨到 冲刺 起来 加 加起来 合起来 下来 算下来 算起来 想要 想让".split())
QUESTION_VERBS |= REACHING
# Verbs of reporting and of setting a figure ("报告显示", "…称", "确定的预期水平", "设定的下限"): how a formal question
# frames what it asks.
FRAMING_VERBS = set("显示 称 指出 表明 提到 提及 写到 设定 确定 明确 设置 规定 截至 截止 要求".split())
QUESTION_VERBS |= FRAMING_VERBS


# A word jieba tags as an adverb or adjective right after a measure word is a noun: the thing counted.
COUNTED_NOUNS = True


_NUMBER_WORD = re.compile(r"(?:多少|几|[\d一二三四五六七八九十百千万两])$")


def _counted(tokens: list[tuple[str, str]], i: int) -> bool:
    """The word at i follows a number and its classifier ("多少|公里|高速", "几辆|…") and ends the phrase (a noun,
    punctuation or the end follows): the thing counted, not an adverb ("全年|大约|新增", "多少个|已经|投产")."""
    if i == 0:
        return False
    before, tag = tokens[i - 1]
    classifier = tag == "q" or (tag in ("m", "n") and before[-1:] in _MEASURE_WORDS)
    if not classifier:
        return False
    number = before[:-1] if len(before) > 1 and tag == "m" else (tokens[i - 2][0] if i >= 2 else "")
    if not _NUMBER_WORD.search(number):
        return False
    after = tokens[i + 1][1] if i + 1 < len(tokens) else "x"
    return after.startswith(("n", "x", "w")) or after == "uj"


# Where the words about a concept end: punctuation, numbers, and the words that ask (多少, 几, 什么 …).
_ASKING = re.compile(r"[\s，,。？?！!：:；;、（）()“”\"]|\d|多少|多久|多长|多大|多高|多快|几|什么|哪些|哪个|哪|怎么|怎样|如何|"
                     r"是否|有没有|吗|呢|吧")
_MEASURE_WORDS = "个人家部辆所座项次名件条户台套张只头元吨亩斤米年天岁倍成位"  # Chinese classifiers
_EDGE_WORDS = re.compile(rf"^(?:[{_MEASURE_WORDS}](?=[\u4e00-\u9fff]{{2}}))?(?:的|了|有|是|要|在|给|把|对|让|被|和|与|及)*"
                         r"|(?:的|了|有|是|要|在|给|把|对|让|被|和|与|及)+$")


def concept_context(text: str, form: str, issuer_words: set[str]) -> str:
    """The run of the question a concept stands in, up to the words that ask, the issuer, a time word or a
    number ("去年找到工作的有多少人" → "找到工作"; "给企业省多少钱" → "给企业省钱": the thing counted after
    多少 belongs to it). Generic words the concept itself leaves out ("工作") are kept: they carry meaning."""
    pos = text.lower().find(form.lower())
    if pos < 0:
        return form
    stops = [m.span() for m in _ASKING.finditer(text)]
    for word in [*issuer_words, *(w for w, _ in RELATIVE_WORDS), "年"]:
        start = text.find(word)
        while start >= 0:
            stops.append((start, start + len(word)))
            start = text.find(word, start + 1)
    left = max((end for start, end in stops if end <= pos), default=0)
    right = min((start for start, end in stops if start >= pos + len(form)), default=len(text))
    span = _EDGE_WORDS.sub("", text[left:right])
    counted = re.match(r"多少([\u4e00-\u9fff])(?:[？?。！!，,]|$)", text[right:])  # "省多少钱": 钱 is what is saved
    if counted and counted.group(1) not in _MEASURE_WORDS:
        span += counted.group(1)
    return span or form


# "有哪些新举措/大动作/亮点": the noun after 哪些/什么 at the end names the kind of answer wanted, not a topic.
_ANSWER_KIND = re.compile(r"(哪些|什么|啥|哪几项|哪几个)[\u4e00-\u9fff]{1,4}(?=[？?。！!\s]*$)")


def concept_phrases(text: str, issuer_words: set[str], taken: list[str]) -> list[Concept]:
    """Runs of adjacent content words ("滨海新区常住人口"), each a concept whose words are its parts."""
    import jieba.posseg as pseg

    from .lexical import _get_jieba

    _get_jieba()
    # years, numbers and issuer names are handled elsewhere; blank them so they split phrases
    cleaned = re.sub(r"\d+(?:\.\d+)?\s*(?:年|万亿|亿|万|%|个)?", " ", _ANSWER_KIND.sub(" ", text.lower()))
    if PLAN_PERIODS_ARE_TIME:  # the end of a five-year plan's period is a year (到“十四五”末 = 2025), read as one
        cleaned = _PERIOD_END.sub(" ", cleaned)
    for alias in sorted(issuer_words, key=len, reverse=True):
        cleaned = cleaned.replace(alias, " ")
    # so are the abbreviations already understood: "社零增长" must not leave "零增长" behind
    for word in sorted(taken, key=len, reverse=True):
        cleaned = cleaned.replace(word.lower(), " ")
    taken_norm = [normalize_for_match(w) for w in taken]
    counted = _verb_and_counted(cleaned) if VERB_AND_COUNTED else []
    for start, end, _ in reversed(counted):  # read as one ("一共用了多少电" is 用电, not 共用)
        cleaned = f"{cleaned[:start]} 多少 {cleaned[end:]}"
    runs: list[list[str]] = [[]]
    places: set[str] = set()
    tokens = _unglued(pseg.lcut(cleaned))
    for i, (word, pos) in enumerate(tokens):
        if COUNTED_NOUNS and pos in ("d", "a", "ad") and len(word) >= 2 and _counted(tokens, i):
            pos = "n"  # jieba reads 高速 as "at high speed"; counted ("多少公里高速"), it is a thing
        content = bool(word) and pos not in _SKIP_POS and not (pos == "x" and not re.search(r"[\u4e00-\u9fffa-z]", word)) \
            and word not in GENERIC and word not in STOPWORDS and word not in QUESTION_VERBS \
            and not any(word in w or w in word for w in taken_norm)
        # a word of movement leading a phrase is left out, not the phrase's first character (压减|粗|钢|产能 → 粗钢产能)
        led = i > 0 and tokens[i - 1][0] in MOVEMENT
        if content and (len(word) >= 2 or runs[-1] or led):
            runs[-1].append(word)
            if pos.startswith("ns"):
                places.add(word)
        elif runs[-1]:
            runs.append([])
    concepts = []
    for run in runs:
        if not run or (len(run) == 1 and len(run[0]) < 2):
            continue
        phrase = "".join(run)
        parts = [w for w in run if len(w) >= 2 and w != phrase]
        for w in run:
            parts.extend(t for t in _search_parts(w) if t != w and len(t) >= 2 and t not in GENERIC and t not in QUESTION_VERBS)
        # a place is a run of place names and administrative units ("武汉", "成都高新区"): jieba tags some common
        # words as places too (城镇 of 城镇老旧小区, 东西 of 东西整体, 新建 of 新建充电桩), which must not make the
        # whole run a place
        place = any(w in places for w in run) and all(w in places or w in PLACE_UNITS for w in run)
        concepts.append(Concept(forms=[phrase], parts=list(dict.fromkeys(parts)), place=place))
    # the quantity is written 用电量, 发电量; a thing made, as its output: 原煤产量, 钢产量
    concepts.extend(Concept(forms=[phrase, f"{phrase}量", *([f"{phrase[-1]}产量"] if phrase[0] in _MAKING else [])],
                            parts=[phrase[-1]])
                    for _, _, phrase in counted
                    if not any(phrase in c.forms[0] for c in concepts))
    return concepts


# A single-character thing counted at the end of a question, and the single-character verb before it ("用了多少电",
# "打多少粮", "发多少度电", "炼出了多少钢"): one word (用电, 打粮, 发电, 炼钢), what the question is about. Money (多少钱) is a measure, and
# people (多少人), units and 量 are what figures are counted in, not a topic.
VERB_AND_COUNTED = True
_COUNTED_AT_END = re.compile(r"([\u4e00-\u9fff])(?:[出到下完上进来])?(?:了|过)?(?:多少|几)(?:[度吨斤亩方]|万吨|亿斤|千瓦时)?"
                             r"([\u4e00-\u9fff])(?=[\s？?。！!，,啊呀呢吧]|$)")


# Verbs of making or getting a thing (炼钢, 挖煤, 打粮, 发电): what they count is the thing's output (…产量)
_MAKING = set("产炼挖采发打种造收捕养酿织纺")


def _verb_and_counted(text: str) -> list[tuple[int, int, str]]:
    import jieba.posseg as pseg

    tags = pseg.dt.word_tag_tab
    # the verb starts a word ("生产了多少度电" is 生产, not 产电); 一共/总共/共计 are read apart first, as jieba
    # glues 一共用 into 一|共用
    found = list(_COUNTED_AT_END.finditer(text))
    if not found:
        return []
    starts = {a for a, _ in _word_bounds(re.sub(r"一共|总共|共计", lambda m: " " * len(m.group(0)), text))}
    out = []
    for m in found:
        verb, thing = m.group(1), m.group(2)
        if m.start() not in starts:
            continue
        if tags.get(thing) != "n" or thing in "钱人量数额" or is_unit(thing) or thing in _MEASURE_WORDS:
            continue
        if verb in STOPWORDS or verb in GENERIC or verb in QUESTION_VERBS or tags.get(verb, "x")[:1] in "udcmrqy":
            continue
        out.append((m.start(), m.end(), verb + thing))
    return out


# The end of a five-year plan's period ("到“十四五”末", "十三五期末"): a year, its last (the tenth plan, 十五, ran
# 2001-2005; the eleventh to fifteenth, 十一五 … 十五五, each five years on). The period asked as a whole
# ("“十四五”时期…累计") stays a concept: its five-year figures are not any one year's.
_PERIOD_NAME = r"十([一二三四五])?五"
_PERIOD_END = re.compile(rf"[“\"「]?{_PERIOD_NAME}[”\"」]?(?:规划)?(?:期末|末期|末)")
PLAN_PERIODS_ARE_TIME = True


def period_end_years(text: str) -> list[int]:
    """The years the ends of five-year periods named in text stand for: 十四五末 → 2025 (十五 is the tenth plan)."""
    return [plan_last_year(10 + ("一二三四五".index(m.group(1)) + 1 if m.group(1) else 0))
            for m in _PERIOD_END.finditer(text)] if PLAN_PERIODS_ARE_TIME else []


# Function characters jieba glues to the word before them when the pair is rare ("规模较上年" → 规模较|上年,
# "流量费要降" → 流量|费要|降): the word and the character are read apart, when what is left is a common word
# of its own and the pair is no name (昌都).
_GLUED = set("要较为是在和与对的了也都就还把被给")
_RARE_IN_DICTIONARY = 50
_COMMON_IN_DICTIONARY = 1000  # the stem is a word of its own (规模, 费), not a piece of one (住房供, 违法行)
UNGLUE = True


def _unglued(pairs) -> list[tuple[str, str]]:
    import jieba.posseg as pseg

    out: list[tuple[str, str]] = []
    for pair in pairs:
        word, pos = pair.word.strip(), pair.flag
        stem = word[:-1]
        if UNGLUE and len(word) >= 2 and word[-1] in _GLUED and not pos.startswith(("nr", "ns", "nt", "nz")) \
                and (pseg.dt.tokenizer.FREQ.get(word) or 0) < _RARE_IN_DICTIONARY \
                and (pseg.dt.tokenizer.FREQ.get(stem) or 0) >= _COMMON_IN_DICTIONARY:
            out.append((stem, pseg.dt.word_tag_tab.get(stem, "n")))
            out.append((word[-1], "u"))
        else:
            out.append((word, pos))
    return out


def _search_parts(word: str) -> list[str]:
    from .lexical import _get_jieba

    return list(_get_jieba().cut_for_search(word)) if len(word) >= 3 else []
