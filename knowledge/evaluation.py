"""Scoring against an eval file in the ../shared/eval/dev.jsonl format."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from .textnorm import normalize_for_match


def _norm(s: str) -> str:
    return normalize_for_match(s).replace(" ", "").rstrip("。.")


def _section_holds(gold: str, cited: str) -> bool:
    """The gold section (a heading line as the file writes it) is in the cited path: whole, or as a run-in heading —
    the line "（六）有效防范化解重点领域风险，牢牢守住…底线。更好统筹发展和安全…" is a paragraph whose first sentence the
    reader takes as the heading, cited as "（六）有效防范化解重点领域风险，牢牢守住…底线"."""
    if gold in _norm(cited):
        return True
    for heading in cited.split(" › "):
        head = _norm(heading)
        if len(head) >= 6 and gold.startswith(head) and gold[len(head):len(head) + 1] in ("。", "."):
            return True
    return False


def score_one(item: dict[str, Any], answer: dict[str, Any], k: int = 5) -> dict[str, Any]:
    """hit@k, section, values and refusal for one question; None where a measure does not apply."""
    cites = answer.get("citations", [])[:k]
    texts = [_norm(c.get("text", "")) for c in cites]
    out: dict[str, Any] = {"id": item["id"], "type": item["type"], "found": answer.get("found"),
                           "latency_ms": answer.get("latency_ms")}
    if item.get("style"):
        out["style"] = item["style"]
    if item["type"] == "unanswerable":
        out["refused"] = not answer.get("found")
        return out
    out["wrongly_refused"] = not answer.get("found")
    golds = [_norm(g) for g in item.get("gold_quotes", [])]
    holders = []
    for g in golds:
        holder = next((i for i, t in enumerate(texts) if g and g in t), None)
        holders.append(holder)
    out["hit"] = bool(golds) and all(h is not None for h in holders)
    sections = [_norm(s) for s in (item.get("section") or "").split(" | ") if s.strip()]
    if sections:
        ok = True
        for j, sec in enumerate(sections):
            h = holders[j] if j < len(holders) else (holders[-1] if holders else None)
            cand = [h] if h is not None else []
            if not any(_section_holds(sec, cites[i].get("section", "")) for i in cand):
                ok = False
        out["section"] = ok
    out["mode"] = answer.get("mode", "extractive")
    cited = {int(n) for n in re.findall(r"\[(\d{1,3})\]", answer.get("answer", ""))}
    if cited and golds:  # the sources the answer's [n] markers point to hold the gold quotes
        texts_by_n = {c.get("n"): _norm(c.get("text", "")) for c in answer.get("citations", [])}
        out["citations_right"] = all(any(g in texts_by_n.get(n, "") for n in cited) for g in golds)
    values = item.get("answer_values") or []
    if values and item["type"] in ("actual", "target", "compare"):
        ans = _norm(answer.get("answer", ""))
        out["values"] = all(_norm(v) in ans for v in values)
    return out


def evaluate(kb, path: Path, limit: int = 0) -> dict[str, Any]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit:
        items = items[:limit]
    kb.ask("预热")  # latency is measured in a warm process: index loaded, model and tokenizer ready
    rows = []
    for item in items:
        ans = kb.ask(item["question"]).to_dict()
        row = score_one(item, ans)
        row["question"] = item["question"]
        row["answer"] = ans["answer"]
        row["top_citations"] = [f"{c['report']} › {c['section']}" for c in ans["citations"][:5]]
        rows.append(row)
    return {"summary": summarize(rows), "rows": rows}


def _rate(rows: list[dict], key: str, types: tuple[str, ...] | None = None) -> tuple[float, int]:
    vals = [r[key] for r in rows if key in r and (types is None or r["type"] in types)]
    return (sum(vals) / len(vals) if vals else float("nan")), len(vals)


def summarize(rows: list[dict]) -> dict[str, Any]:
    lat = sorted(r["latency_ms"] for r in rows if r.get("latency_ms") is not None)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan")
    summary = {
        "questions": len(rows),
        "hit@5": _rate(rows, "hit"),
        "section": _rate(rows, "section"),
        "values": _rate(rows, "values", ("actual", "target")),
        "values_compare": _rate(rows, "values", ("compare",)),
        "refused": _rate(rows, "refused"),
        "wrongly_refused": _rate(rows, "wrongly_refused"),
        "citations_right": _rate(rows, "citations_right"),
        "generated": (sum(1 for r in rows if r.get("mode") == "llm") / len(rows) if rows else float("nan"), len(rows)),
        "latency_p50_ms": statistics.median(lat) if lat else float("nan"),
        "latency_p95_ms": p95,
    }
    by_type = {}
    for t in sorted({r["type"] for r in rows}):
        sub = [r for r in rows if r["type"] == t]
        by_type[t] = {"n": len(sub), "hit@5": _rate(sub, "hit")[0], "section": _rate(sub, "section")[0],
                      "values": _rate(sub, "values")[0], "refused": _rate(sub, "refused")[0]}
    summary["by_type"] = by_type
    by_style = {}
    for t in sorted({r["style"] for r in rows if r.get("style")}):
        sub = [r for r in rows if r.get("style") == t]
        by_style[t] = {"n": len(sub), "hit@5": _rate(sub, "hit")[0], "values": _rate(sub, "values")[0],
                       "refused": _rate(sub, "refused")[0], "wrongly_refused": _rate(sub, "wrongly_refused")[0]}
    if by_style:
        summary["by_style"] = by_style
    return summary


def format_report(result: dict[str, Any]) -> str:
    s = result["summary"]

    def f(pair):
        v, n = pair
        return f"{v:.3f} (n={n})" if n else "-"

    lines = [
        f"questions            {s['questions']}",
        f"hit@5 (answerable)   {f(s['hit@5'])}",
        f"section right        {f(s['section'])}",
        f"values (act+target)  {f(s['values'])}",
        f"values (compare)     {f(s['values_compare'])}",
        f"unanswerable refused {f(s['refused'])}",
        f"answerable refused   {f(s['wrongly_refused'])}",
        f"citations right      {f(s['citations_right'])}",
        f"generated (llm) share {f(s['generated'])}",
        f"latency p50 / p95    {s['latency_p50_ms']:.0f} / {s['latency_p95_ms']:.0f} ms",
    ]
    for style, m in s.get("by_style", {}).items():
        shown = "  ".join(f"{k} {v:.2f}" for k, v in m.items() if k != "n" and v == v)
        lines.append(f"  {style:<11} n={m['n']:<3} {shown}")
    return "\n".join(lines)
