"""Follow-up questions ("那去年呢？", "广东呢？") read with the chat's previous question."""

from __future__ import annotations

import re

from .query import issuer_aliases, named_issuers
from .textnorm import cn_years_to_digits, to_halfwidth, to_simplified

_LEAD = re.compile(r"^(那么|那|还有|另外|再问一下|再问|那如果)[，,、\s]*")
_TAIL = re.compile(r"[呢吗嘛][？?！!。\s]*$|[？?！!。\s]+$")
_TIME = re.compile(r"((?:19|20)\d{2}\s*年?|去年|今年|明年|上年|前年|本年)")


def is_followup(question: str) -> bool:
    q = question.strip()
    return bool(q) and len(q) <= 16 and (bool(_LEAD.match(q)) or bool(re.search(r"[呢]\s*[？?]?$", q)))


def resolve_followup(question: str, previous: str, known_issuers: list[str]) -> str:
    """The follow-up written out as a standalone question: its time or issuer put into the previous one."""
    if not previous or not is_followup(question):
        return question
    new = to_simplified(to_halfwidth(question.strip()))
    core = _TAIL.sub("", _LEAD.sub("", new)).strip()
    prev = to_simplified(to_halfwidth(previous.strip()))
    if _TIME.search(cn_years_to_digits(core)):
        prev = _TIME.sub("", cn_years_to_digits(prev))
    if named_issuers(core, known_issuers):
        for issuer in known_issuers:
            for alias in sorted(issuer_aliases(issuer), key=len, reverse=True):
                prev = prev.replace(alias, "")
    return f"{core}{prev}".strip()
