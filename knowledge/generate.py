"""Generated answers through any OpenAI-compatible chat model (via LangChain), checked before use.

The extractive answer is always built first; the model gets the same numbered sources. Its answer is
used only when `verify.check_answer` passes; otherwise, and whenever the model is slow, failing,
rate-limited or unreachable, the extractive answer goes out with one line saying why.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from string import Template

from .errors import ConfigurationError
from .settings import Settings
from .types import Answer, Citation, FigureHit, year_type
from .verify import check_answer

log = logging.getLogger(__name__)

OnToken = Callable[[str], None]  # receives the text generated so far

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm")


class Prompts:
    """The plain-text templates in prompts/ ($question, $sources, $figures, $history), read at start-up."""

    def __init__(self, folder) -> None:
        try:
            self.system = (folder / "system.txt").read_text(encoding="utf-8").strip()
            self.answer = Template((folder / "answer.txt").read_text(encoding="utf-8"))
            self.rewrite = Template((folder / "rewrite.txt").read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(f"prompt templates missing in {folder}: {exc}") from exc


def format_sources(citations: list[Citation]) -> str:
    """Sources are delimited so report text stays data: nothing inside <<< >>> is an instruction."""
    blocks = []
    for c in citations:
        body = c.text.replace("<<<", "«").replace(">>>", "»")
        blocks.append(f"[{c.n}] 《{c.report}》 › {c.section or '正文'}\n<<<\n{body}\n>>>")
    return "\n\n".join(blocks)


def format_figures(figures: list[FigureHit]) -> str:
    if not figures:
        return "（无）"
    return "\n".join(f"- {f.indicator}：{f.value}（{year_type(f.year, f.type, f.period_start)}）" for f in figures[:8])


class Generator:
    def __init__(self, settings: Settings, chat_model=None):
        self.settings = settings
        self.prompts = Prompts(settings.prompts_dir)
        self._model = chat_model

    @property
    def model(self):
        if self._model is None:
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise ConfigurationError("generated answers need langchain-openai: pip install langchain-openai") from exc
            s = self.settings
            self._model = ChatOpenAI(
                model=s.openai_model, api_key=s.openai_api_key.get_secret_value() or "not-needed",
                base_url=s.openai_base_url or None, temperature=s.llm_temperature, timeout=s.llm_timeout_s,
                max_retries=s.llm_max_retries, stream_usage=True,
            )
        return self._model

    def _messages(self, question: str, extractive: Answer):
        from langchain_core.messages import HumanMessage, SystemMessage

        human = self.prompts.answer.safe_substitute(question=question, sources=format_sources(extractive.citations),
                                                    figures=format_figures(extractive.figures))
        return [SystemMessage(self.prompts.system), HumanMessage(human)]

    def _stream(self, messages, on_token: OnToken | None, cancel: threading.Event) -> tuple[str, int]:
        text, tokens = "", 0
        for chunk in self.model.stream(messages):
            if cancel.is_set():
                break
            piece = chunk.content if isinstance(chunk.content, str) else ""
            text += piece
            usage = getattr(chunk, "usage_metadata", None)
            if usage:
                tokens = int(usage.get("total_tokens", 0)) or tokens
            if piece and on_token:
                on_token(text)
        return text, tokens

    def answer(self, question: str, extractive: Answer, on_token: OnToken | None = None) -> Answer:
        """The checked generated answer, or the extractive one with a note; never slower than the timeout."""
        if not extractive.citations:
            return extractive
        started = time.perf_counter()
        cancel = threading.Event()
        future = _POOL.submit(self._stream, self._messages(question, extractive), on_token, cancel)
        try:
            text, tokens = future.result(timeout=self.settings.llm_timeout_s)
        except concurrent.futures.TimeoutError:
            cancel.set()
            return self._fallback(extractive, "模型超时", "timeout", started)
        except Exception as exc:  # rate limits, 5xx, connection errors, malformed streams
            log.warning("model call failed: %s", type(exc).__name__)
            return self._fallback(extractive, _why(exc), f"error: {type(exc).__name__}", started)
        llm_ms = (time.perf_counter() - started) * 1000
        result = check_answer(text, [c.text for c in extractive.citations])
        if not result.ok:
            log.info("generated answer rejected: %s", result.summary)
            return replace(extractive, note=f"生成的回答未通过核对（{_reason_zh(result.reasons[0])}），以下是报告原文摘录。",
                           llm_tokens=tokens, llm_ms=llm_ms, check=f"failed: {result.summary}")
        found = not _says_not_found(text)
        return replace(extractive, answer=text.strip(), mode="llm", found=found or extractive.found, llm_tokens=tokens,
                       llm_ms=llm_ms, check="passed", note="")

    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str:
        """A follow-up rewritten as a standalone question from the chat's recent turns; the question itself on failure."""
        from langchain_core.messages import HumanMessage

        turns = "\n".join(f"问：{q}\n答：{a[:200]}" for q, a in history[-3:])
        prompt = self.prompts.rewrite.safe_substitute(history=turns or "（无）", question=question)
        future = _POOL.submit(self.model.invoke, [HumanMessage(prompt)])
        try:
            out = future.result(timeout=min(self.settings.llm_timeout_s, 10))
        except Exception as exc:
            log.warning("rewrite failed: %s", type(exc).__name__)
            return question
        text = (out.content if isinstance(out.content, str) else "").strip().splitlines()
        return text[0].strip() if text and 2 <= len(text[0].strip()) <= 300 else question

    def _fallback(self, extractive: Answer, why_zh: str, check: str, started: float) -> Answer:
        return replace(extractive, note=f"{why_zh}，以下是报告原文摘录。", check=check,
                       llm_ms=(time.perf_counter() - started) * 1000)


def _says_not_found(text: str) -> bool:
    import re

    return bool(re.search(r"(没有找到|未找到|没有相关内容|不包含相关)", text))


def _why(exc: Exception) -> str:
    name = type(exc).__name__
    if "RateLimit" in name:
        return "模型服务繁忙（限流）"
    if "Timeout" in name:
        return "模型超时"
    if "Connection" in name:
        return "连不上模型服务"
    return "模型服务出错"


def _reason_zh(reason: str) -> str:
    """Why a generated answer was set aside, in a few words that never repeat the rejected claim itself."""
    if reason.startswith("the number") and reason.endswith("has no citation"):
        return "回答中有数字没有标注出处"
    if reason.startswith("the number"):
        return "回答中有数字在所引资料中找不到"
    if reason.startswith("the cited source"):
        return "回答的说法与所引资料不符"
    if reason.startswith("cites sources"):
        return "引用了不存在的资料编号"
    if reason.startswith("no citations"):
        return "回答没有标注出处"
    if reason == "empty answer":
        return "模型没有给出回答"
    return "核对未通过"
