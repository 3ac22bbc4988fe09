"""The conversation log: every exchange, its feedback, and the per-chat turns follow-ups build on."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Column, Text, func
from sqlmodel import Field, SQLModel, col, select

from .store import Stores, utcnow
from .types import Answer, Citation


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


FEEDBACK_KINDS = ("up", "down", "wrong_number", "wrong_source")


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

    def __init__(self, stores: Stores):
        self.stores = stores  # the log's tables come with the schema migrations (knowledge/migrations)

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
            row.figures = json.dumps([{"indicator": f.indicator, "value": f.value, "year": f.year, "type": f.type}
                                      for f in answer.figures], ensure_ascii=False)
        elif text:
            row.answer = text
        with self.stores.session() as s:
            s.add(row)
            s.commit()
            return int(row.id or 0)

    def feedback(self, exchange_id: int, user_id: int | None, kind: str) -> bool:
        """Record a button press; False when the exchange does not exist."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}")
        with self.stores.session() as s:
            if s.get(ExchangeRow, exchange_id) is None:
                return False
            s.add(FeedbackRow(exchange_id=exchange_id, user_id=user_id, kind=kind))
            s.commit()
        return True

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
                                                    col(ExchangeRow.kind).in_(["question", "figure", "inline"]))).all()
            fb = s.exec(select(FeedbackRow.kind, func.count()).where(FeedbackRow.created_at >= since)
                        .group_by(FeedbackRow.kind)).all()
        per_day: dict[str, list[int]] = {}
        for r in rows:
            day = _as_utc(r.created_at).strftime("%Y-%m-%d")
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

    def export_csv(self) -> bytes:
        """The whole log as CSV (UTF-8 with BOM so Excel opens Chinese text correctly)."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["id", "time_utc", "user_id", "user_name", "chat_id", "chat_type", "kind", "question",
                    "resolved_question", "answer", "mode", "found", "citations", "figures", "latency_ms", "llm_tokens",
                    "llm_ms", "check", "error",
                    "feedback"])
        with self.stores.session() as s:
            feedback: dict[int, list[str]] = {}
            for f in s.exec(select(FeedbackRow)).all():
                feedback.setdefault(f.exchange_id, []).append(f.kind)
            for r in s.exec(select(ExchangeRow).order_by(col(ExchangeRow.id))).all():
                w.writerow([r.id, _as_utc(r.created_at).isoformat(), r.user_id, r.user_name, r.chat_id, r.chat_type,
                            r.kind, r.question, r.resolved_question, r.answer, r.mode, int(r.found), r.citations,
                            r.figures, round(r.latency_ms, 1), r.llm_tokens, round(r.llm_ms, 1), r.check, r.error, " ".join(feedback.get(r.id or 0, []))])
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def _as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
