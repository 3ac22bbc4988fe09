"""How well the answer checks separate correct generated answers from subtly wrong ones.

    python scripts/bench_checker.py

For every answerable question of the eval file, a correct answer is written from its gold quotes,
each cited to the passage (paragraph of the report) that holds it; a passage from another report is
given too. Perturbed variants: a digit changed, 亿元 turned into 万元 (or back), a figure from another
report swapped in, a citation moved to the passage that does not hold the claim. The checks should
accept every correct answer and reject every perturbed one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.readers import read_file  # noqa: E402
from knowledge.verify import check_answer, quantities  # noqa: E402

NUM = re.compile(r"\d+(?:\.\d+)?")


def paragraph_with(text: str, quote: str) -> str:
    for para in text.split("\n"):
        if quote in para:
            return para
    raise KeyError(quote)


def change_digit(answer: str, rng: random.Random) -> str | None:
    spots = [m for m in NUM.finditer(answer) if not answer[max(0, m.start() - 1):m.start()] == "["
             and answer[m.end():m.end() + 1] not in ("]", "年", "月", "日")]
    if not spots:
        return None
    m = rng.choice(spots)
    digits = [i for i in range(m.start(), m.end()) if answer[i].isdigit()]
    i = rng.choice(digits)
    return answer[:i] + str((int(answer[i]) + rng.randint(1, 8)) % 10) + answer[i + 1:]


def swap_magnitude(answer: str) -> str | None:
    if "亿元" in answer:
        return answer.replace("亿元", "万元", 1)
    if "万元" in answer:
        return answer.replace("万元", "亿元", 1)
    if "万人" in answer:
        return answer.replace("万人", "亿人", 1)
    return None


def foreign_figure(answer: str, cited: str, other: str) -> str | None:
    """Replace the first figure of the answer with a same-unit figure from another report's passage."""
    mine = [q for q in quantities(answer.split("[")[0]) if q.unit]
    if not mine:
        return None
    target = mine[0]
    held = {(q.value, q.unit, q.qualifier) for q in quantities(cited)}
    for q in quantities(other):
        if q.unit == target.unit and (q.value, q.unit, q.qualifier) not in held:
            return answer.replace(target.text, q.text, 1)
    return None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    p.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--show", type=int, default=0, help="print this many failures of each kind")
    args = p.parse_args()
    rng = random.Random(args.seed)
    items = [json.loads(line) for line in Path(args.eval).read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if i["type"] != "unanswerable" and i.get("gold_quotes")]
    texts = {f.name: read_file(f).text for f in Path(args.reports).glob("*.txt")}
    names = sorted(texts)
    results: Counter = Counter()
    totals: Counter = Counter()
    shown: Counter = Counter()

    def record(kind: str, answer: str, sources: list[str], should_pass: bool) -> None:
        res = check_answer(answer, sources)
        totals[kind] += 1
        if res.ok == should_pass:
            results[kind] += 1
        elif shown[kind] < args.show:
            shown[kind] += 1
            print(f"[{kind}] {'rejected' if should_pass else 'accepted'}: {answer}\n   {res.summary}\n")

    for item in items:
        paras = [paragraph_with(texts[name], q) for q, name in
                 ((q, next(n for n in item["reports"] if q in texts[n])) for q in item["gold_quotes"])]
        other_name = rng.choice([n for n in names if n not in item["reports"]])
        other = rng.choice([p for p in texts[other_name].split("\n") if len(p) > 80 and quantities(p)])
        sources = [*dict.fromkeys(paras), other]
        correct = "".join(f"{q}[{sources.index(p) + 1}]。" for q, p in zip(item["gold_quotes"], paras, strict=True))
        record("correct", correct, sources, True)
        moved = re.sub(r"\[\d+\]", f"[{len(sources)}]", correct)
        record("citation moved", moved, sources, False)
        for kind, variant in (("digit changed", change_digit(correct, rng)), ("亿元↔万元", swap_magnitude(correct)),
                              ("figure from another report", foreign_figure(correct, "".join(paras), other))):
            if variant and variant != correct:
                record(kind, variant, sources, False)

    print("| answers | n | checks right |")
    print("|---|---|---|")
    for kind in ("correct", "digit changed", "亿元↔万元", "figure from another report", "citation moved"):
        n = totals[kind]
        label = "accepted" if kind == "correct" else "rejected"
        print(f"| {kind} | {n} | {results[kind] / n:.3f} {label} |" if n else f"| {kind} | 0 | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
