"""The conversation log: every exchange, its feedback, and the per-chat turns follow-ups build on."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Text, func
from sqlmodel import Field, SQLModel, col, select

from .store import Stores, utcnow
from .types import Answer, Citation, year_type


class ExchangeRow(SQLModel, table=True):
    __tablename__ = "exchanges"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))  # Telegram ids exceed 2^31
    user_name: str = ""
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    chat_type: str = ""
    kind: str = "question"  # question | figure | inline | command | refused | error
    question: str = Field(default="", sa_column=Column(Text))
    resolved_question: str = Field(default="", sa_column=Column(Text))  # after follow-up resolution
    answer: str = Field(default="", sa_column=Column(Text))
    mode: str = ""
    found: bool = False
    citations: str = Field(default="[]", sa_column=Column(Text))  # JSON [{n, report, section}]
    figures: str = Field(default="[]", sa_column=Column(Text))  # JSON [{indicator, value, year, type}]
    latency_ms: float = 0.0
    llm_tokens: int = 0
    llm_ms: float = 0.0
    check: str = ""  # outcome of checking a generated answer
    error: str = Field(default="", sa_column=Column(Text))


class FeedbackRow(SQLModel, table=True):
    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(foreign_key="exchanges.id", index=True)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    kind: str  # up | down | wrong_number | wrong_source
    created_at: datetime = Field(default_factory=utcnow)
    user_name: str = ""  # who pressed the button, for the admins told about it
    handled_at: datetime | None = Field(default=None, index=True)  # when an admin marked the flag handled
    handled_by: int | None = Field(default=None, sa_column=Column(BigInteger))


FEEDBACK_KINDS = ("up", "down", "wrong_number", "wrong_source")
FLAG_KINDS = ("down", "wrong_number", "wrong_source")  # feedback an admin should look at
FEEDBACK_LABELS = {"up": "👍", "down": "👎", "wrong_number": "数字有误", "wrong_source": "出处有误"}
KIND_LABELS = {"question": "提问", "figure": "查数字", "inline": "内联查询", "trend": "趋势图", "compare": "地区比较",
               "command": "命令", "refused": "拒绝", "error": "出错"}
ANSWER_KINDS = ["question", "figure", "inline", "trend", "compare"]  # what /stats counts as questions


@dataclass
class Flag:
    """A 👎 / 数字有误 / 出处有误 with the exchange it is about (times in the log's time zone)."""

    id: int
    kind: str
    created_at: datetime
    user_id: int | None
    user_name: str
    exchange_id: int
    question: str
    answer: str
    handled_at: datetime | None = None
    handled_by: int | None = None

    @property
    def label(self) -> str:
        return FEEDBACK_LABELS.get(self.kind, self.kind)


@dataclass
class QuestionGroup:
    """Unanswered questions that ask the same thing in other words, newest wording first."""

    question: str
    count: int
    last_at: datetime
    users: int
    wordings: list[str] = field(default_factory=list)


@dataclass
class Stats:
    days: list[tuple[str, int, int]]  # (day, questions, found)
    total: int
    found: int
    feedback: dict[str, int]
    slowest: list[tuple[float, str]]
    llm_answers: int = 0
    llm_tokens: int = 0
    llm_ms_median: float = 0.0
    llm_rejected: int = 0


class ExchangeLog:
    """Writes and reads the log through the knowledge stores' SQL engine (SQLite or PostgreSQL)."""

    def __init__(self, stores: Stores, tz: ZoneInfo | None = None):
        self.stores = stores  # the log's tables come with the schema migrations (knowledge/migrations)
        self.tz = tz or stores.settings.tz  # REPORTBOT_TZ: what admins see is in their own time

    def local(self, dt: datetime) -> datetime:
        return _as_utc(dt).astimezone(self.tz)

    def _utc_bounds(self, start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
        """Local calendar days [start, end] as UTC instants [from, to)."""
        lo = datetime.combine(start, time.min, self.tz).astimezone(UTC) if start else None
        hi = datetime.combine(end + timedelta(days=1), time.min, self.tz).astimezone(UTC) if end else None
        return lo, hi

    def record(self, *, user_id: int | None, user_name: str, chat_id: int | None, chat_type: str, question: str,
               answer: Answer | None = None, kind: str = "question", resolved_question: str = "", error: str = "",
               text: str = "") -> int:
        row = ExchangeRow(user_id=user_id, user_name=user_name[:200], chat_id=chat_id, chat_type=chat_type, kind=kind,
                          question=question[:10000], resolved_question=resolved_question[:10000], error=error[:2000])
        if answer is not None:
            row.answer = answer.answer
            row.mode = answer.mode
            row.found = answer.found
            row.latency_ms = answer.latency_ms
            row.llm_tokens, row.llm_ms, row.check = answer.llm_tokens, answer.llm_ms, answer.check[:500]
            # quotes and passages are kept so 原文 buttons work after a restart
            row.citations = json.dumps([{"n": c.n, "report": c.report, "source": c.source, "section": c.section,
                                         "quote": c.quote, "text": c.text, "page": c.page,
                                         "ocr_confidence": c.ocr_confidence, "table": c.table} for c in answer.citations],
                                       ensure_ascii=False)
            row.figures = json.dumps([{"indicator": f.indicator, "value": f.value, "year": f.year, "type": f.type,
                                       "period_start": f.period_start}
                                      for f in answer.figures], ensure_ascii=False)
        elif text:
            row.answer = text
        with self.stores.session() as s:
            s.add(row)
            s.commit()
            return int(row.id or 0)

    def feedback(self, exchange_id: int, user_id: int | None, kind: str, user_name: str = "") -> int:
        """Record a button press: the feedback's id, or 0 when the exchange does not exist."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}")
        with self.stores.session() as s:
            if s.get(ExchangeRow, exchange_id) is None:
                return 0
            row = FeedbackRow(exchange_id=exchange_id, user_id=user_id, kind=kind, user_name=user_name[:200])
            s.add(row)
            s.commit()
            return int(row.id or 0)

    def _flag(self, fb: FeedbackRow, ex: ExchangeRow) -> Flag:
        return Flag(id=int(fb.id or 0), kind=fb.kind, created_at=self.local(fb.created_at), user_id=fb.user_id,
                    user_name=fb.user_name, exchange_id=fb.exchange_id, question=ex.question, answer=ex.answer,
                    handled_at=self.local(fb.handled_at) if fb.handled_at else None, handled_by=fb.handled_by)

    def flag(self, feedback_id: int) -> Flag | None:
        with self.stores.session() as s:
            fb = s.get(FeedbackRow, feedback_id)
            ex = s.get(ExchangeRow, fb.exchange_id) if fb is not None else None
            return self._flag(fb, ex) if fb is not None and ex is not None else None

    def open_flags(self, limit: int = 20) -> list[Flag]:
        """👎 / 数字有误 / 出处有误 no admin has marked handled yet, newest first."""
        with self.stores.session() as s:
            rows = s.exec(select(FeedbackRow, ExchangeRow).where(col(FeedbackRow.kind).in_(FLAG_KINDS),
                                                                 col(FeedbackRow.handled_at).is_(None),
                                                                 FeedbackRow.exchange_id == ExchangeRow.id)
                          .order_by(col(FeedbackRow.id).desc()).limit(limit)).all()
            return [self._flag(fb, ex) for fb, ex in rows]

    def count_open_flags(self) -> int:
        with self.stores.session() as s:
            return int(s.exec(select(func.count()).select_from(FeedbackRow).where(
                col(FeedbackRow.kind).in_(FLAG_KINDS), col(FeedbackRow.handled_at).is_(None))).one())

    def mark_handled(self, feedback_id: int, user_id: int | None) -> Flag | None:
        """Mark a flag handled (once: a second admin pressing the button learns who did); None when unknown."""
        with self.stores.session() as s:
            fb = s.get(FeedbackRow, feedback_id)
            if fb is None:
                return None
            if fb.handled_at is None:
                fb.handled_at, fb.handled_by = utcnow(), user_id
                s.add(fb)
                s.commit()
        return self.flag(feedback_id)

    def citations(self, exchange_id: int) -> list[Citation]:
        row = self.get(exchange_id)
        if row is None:
            return []
        return [Citation(n=c["n"], report=c["report"], source=c.get("source", ""), section=c["section"],
                         quote=c.get("quote", ""), text=c.get("text", ""), page=c.get("page"),
                         ocr_confidence=c.get("ocr_confidence"), table=c.get("table", ""))
                for c in json.loads(row.citations or "[]")]

    def get(self, exchange_id: int) -> ExchangeRow | None:
        with self.stores.session() as s:
            return s.get(ExchangeRow, exchange_id)

    def last_with_sources(self, chat_id: int, within: timedelta = timedelta(hours=12)) -> ExchangeRow | None:
        """The chat's latest answer with citations (a question, a trend, a comparison), for /source n."""
        since = utcnow() - within
        with self.stores.session() as s:
            return s.exec(select(ExchangeRow).where(ExchangeRow.chat_id == chat_id,
                                                    col(ExchangeRow.kind).in_(["question", "trend", "compare"]),
                                                    ExchangeRow.created_at >= since)
                          .order_by(col(ExchangeRow.id).desc()).limit(1)).first()

    def last_question(self, chat_id: int, within: timedelta = timedelta(minutes=30)) -> ExchangeRow | None:
        """The chat's previous answered question, for follow-ups ("那去年呢？")."""
        since = utcnow() - within
        with self.stores.session() as s:
            return s.exec(select(ExchangeRow).where(ExchangeRow.chat_id == chat_id, ExchangeRow.kind == "question",
                                                    ExchangeRow.created_at >= since)
                          .order_by(col(ExchangeRow.id).desc()).limit(1)).first()

    def recent_turns(self, chat_id: int, n: int = 3, within: timedelta = timedelta(minutes=30)) -> list[tuple[str, str]]:
        """The chat's last few (question, answer) pairs, oldest first, for rewriting follow-ups."""
        since = utcnow() - within
        with self.stores.session() as s:
            rows = s.exec(select(ExchangeRow).where(ExchangeRow.chat_id == chat_id, ExchangeRow.kind == "question",
                                                    ExchangeRow.created_at >= since)
                          .order_by(col(ExchangeRow.id).desc()).limit(n)).all()
        return [(r.resolved_question or r.question, r.answer) for r in reversed(rows)]

    def stats(self, days: int = 7) -> Stats:
        since = utcnow() - timedelta(days=days)
        with self.stores.session() as s:
            rows = s.exec(select(ExchangeRow).where(ExchangeRow.created_at >= since,
                                                    col(ExchangeRow.kind).in_(ANSWER_KINDS))).all()
            fb = s.exec(select(FeedbackRow.kind, func.count()).where(FeedbackRow.created_at >= since)
                        .group_by(FeedbackRow.kind)).all()
        per_day: dict[str, list[int]] = {}
        for r in rows:
            day = self.local(r.created_at).strftime("%Y-%m-%d")
            per_day.setdefault(day, [0, 0])
            per_day[day][0] += 1
            per_day[day][1] += int(r.found)
        slowest = sorted(((r.latency_ms, r.question) for r in rows), reverse=True)[:5]
        llm = [r for r in rows if r.llm_ms > 0]
        llm_ms = sorted(r.llm_ms for r in llm)
        return Stats(days=sorted((d, v[0], v[1]) for d, v in per_day.items()), total=len(rows),
                     found=sum(int(r.found) for r in rows), feedback={k: n for k, n in fb}, slowest=slowest,
                     llm_answers=sum(1 for r in llm if r.mode == "llm"), llm_tokens=sum(r.llm_tokens for r in rows),
                     llm_ms_median=llm_ms[len(llm_ms) // 2] if llm_ms else 0.0,
                     llm_rejected=sum(1 for r in llm if r.mode != "llm"))

    def unanswered(self, limit: int = 20) -> list[ExchangeRow]:
        with self.stores.session() as s:
            return list(s.exec(select(ExchangeRow).where(ExchangeRow.kind == "question", ExchangeRow.found == False)  # noqa: E712
                               .order_by(col(ExchangeRow.id).desc()).limit(limit)).all())

    def unanswered_groups(self, days: int = 30, limit: int = 15, scan: int = 1000) -> list[QuestionGroup]:
        """Questions the reports could not answer, those asking the same thing in other words counted together."""
        since = utcnow() - timedelta(days=days)
        with self.stores.session() as s:
            rows = s.exec(select(ExchangeRow).where(ExchangeRow.kind == "question", ExchangeRow.found == False,  # noqa: E712
                                                    ExchangeRow.created_at >= since)
                          .order_by(col(ExchangeRow.id).desc()).limit(scan)).all()
        groups: list[tuple[set[str], list[ExchangeRow]]] = []
        for row in rows:
            words = question_words(row.resolved_question or row.question)
            for group_words, members in groups:
                if similar(words, group_words):
                    members.append(row)
                    group_words |= words
                    break
            else:
                groups.append((set(words), [row]))
        out = [QuestionGroup(question=members[0].question, count=len(members), last_at=self.local(members[0].created_at),
                             users=len({m.user_id for m in members}),
                             wordings=list(dict.fromkeys(m.question for m in members))[:3])
               for _, members in groups]
        out.sort(key=lambda g: (-g.count, -g.last_at.timestamp()))
        return out[:limit]

    EXPORT_HEADER = ["编号", "时间", "用户ID", "用户名", "会话ID", "会话类型", "类型", "问题", "补全后的问题", "回答",
                     "回答方式", "找到答案", "出处", "数字", "耗时（毫秒）", "模型用量（tokens）", "模型耗时（毫秒）",
                     "模型核对", "错误", "反馈"]

    def export_rows(self, start: date | None = None, end: date | None = None) -> list[list]:
        """The log between two local calendar days (inclusive), one row per exchange, in Chinese."""
        lo, hi = self._utc_bounds(start, end)
        query = select(ExchangeRow)
        if lo is not None:
            query = query.where(ExchangeRow.created_at >= lo)
        if hi is not None:
            query = query.where(ExchangeRow.created_at < hi)
        out: list[list] = []
        with self.stores.session() as s:
            feedback: dict[int, list[str]] = {}
            for f in s.exec(select(FeedbackRow)).all():
                feedback.setdefault(f.exchange_id, []).append(FEEDBACK_LABELS.get(f.kind, f.kind))
            for r in s.exec(query.order_by(col(ExchangeRow.id))).all():
                out.append([r.id, self.local(r.created_at).replace(tzinfo=None, microsecond=0), r.user_id, r.user_name,
                            r.chat_id, r.chat_type, KIND_LABELS.get(r.kind, r.kind), r.question, r.resolved_question,
                            r.answer, r.mode, "是" if r.found else "否", _citations_text(r.citations),
                            _figures_text(r.figures), round(r.latency_ms, 1), r.llm_tokens, round(r.llm_ms, 1), r.check,
                            r.error, " ".join(feedback.get(r.id or 0, []))])
        return out

    def _header(self) -> list[str]:
        return [f"时间（{self.tz.key}）" if h == "时间" else h for h in self.EXPORT_HEADER]

    def export_csv(self, start: date | None = None, end: date | None = None) -> bytes:
        """The log as CSV (UTF-8 with BOM so Excel opens Chinese text correctly), times local."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(self._header())
        for row in self.export_rows(start, end):
            w.writerow([v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    def export_xlsx(self, start: date | None = None, end: date | None = None) -> bytes:
        """The log as an Excel workbook: Chinese headers, local times as real dates, the header row frozen."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        ws = wb.active
        ws.title = "对话记录"
        ws.append(self._header())
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in self.export_rows(start, end):
            ws.append([_excel_safe(v) for v in row])
        for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].number_format = "yyyy-mm-dd hh:mm:ss"
        widths = {"A": 8, "B": 20, "C": 12, "D": 12, "E": 16, "F": 10, "G": 10, "H": 40, "I": 30, "J": 60, "K": 10,
                  "L": 8, "M": 50, "N": 40, "O": 10, "P": 10, "Q": 10, "R": 20, "S": 30, "T": 12}
        for letter, width in widths.items():
            ws.column_dimensions[letter].width = width
        for row in ws.iter_rows(min_row=2, min_col=8, max_col=10):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _excel_safe(value):
    """Control characters (pasted from PDFs) make a workbook unreadable; strings that look like formulas are text."""
    if isinstance(value, str):
        value = _ILLEGAL_XLSX.sub("", value)
        return "'" + value if value[:1] in ("=", "+", "-", "@") else value
    return value


def _citations_text(raw: str) -> str:
    try:
        return "；".join(f"[{c['n']}] {c['report']} › {c.get('section', '')}" for c in json.loads(raw or "[]"))
    except (ValueError, KeyError, TypeError):
        return raw or ""


def _figures_text(raw: str) -> str:
    try:
        items = json.loads(raw or "[]")
        return "；".join(f"{f['indicator']} {f['value']}（{year_type(f.get('year'), f.get('type', ''), f.get('period_start'))}）" for f in items)
    except (ValueError, KeyError, TypeError):
        return raw or ""


def question_words(text: str) -> set[str]:
    """The content words of a question: what it is about, without years, numbers and asking words."""
    from .lexical import tokenize
    from .query import GENERIC

    return {t for t in tokenize(text) if t not in GENERIC and not re.fullmatch(r"[\d.]+", t)} or {text.strip()}


def similar(a: set[str], b: set[str]) -> bool:
    """Two questions ask the same thing when they share most of their content words."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a | b) >= 0.5 or (shared >= 2 and shared / min(len(a), len(b)) >= 0.8)


def _as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
