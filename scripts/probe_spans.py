"""Five-year totals against one year's figure: for every indicator a 2026 report states both as a total over the
years it reviews and for the year itself (in different sentences), ask "{issuer}去年{indicator}多少？" and
"{issuer}“十四五”期间{indicator}多少？" and count which figure the answer leads with.

    .venv/bin/python scripts/probe_spans.py --data-dir bench-out/ingest3 [--pairs pairs.json]

The pairs come from the reports as this version reads them (figures' period_start); --pairs reads them from a file
written by an earlier run (--write-pairs), so another version's index can be probed with the same questions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pairs_from_reports(reports: Path) -> list[tuple[str, str, str, str]]:
    from knowledge.parse import parse_report

    pairs = []
    for path in sorted(reports.glob("2026_*.txt")):
        parsed = parse_report(path)
        span: dict = {}
        one: dict = {}
        for f in parsed.figures:
            if f.type == "actual" and f.year == parsed.meta.review_year:
                (span if getattr(f, "period_start", None) else one).setdefault(f.indicator, f)
        for name, total in span.items():
            single = one.get(name)
            if single and len(name) >= 4 and total.raw != single.raw and total.sentence != single.sentence \
                    and total.kind == single.kind:
                pairs.append((parsed.meta.issuer, name, single.raw, total.raw))
    return pairs


def leads(answer: str, single: str, total: str) -> str:
    if answer.startswith("在已收录的报告中没有找到"):
        return "refused"
    def at(raw: str) -> int:  # "5%" is not found inside "4.5%"
        m = re.search(rf"(?<![\d.]){re.escape(raw)}", answer)
        return m.start() if m else -1

    i, j = at(single), at(total)
    if i < 0 and j < 0:
        return "neither"
    return "year" if j < 0 or 0 <= i < j else "total"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    parser.add_argument("--pairs", help="read the pairs from this file instead of the reports")
    parser.add_argument("--write-pairs", help="write the pairs to this file")
    args = parser.parse_args()
    os.environ["REPORTBOT_DATA_DIR"] = args.data_dir
    pairs = json.loads(Path(args.pairs).read_text(encoding="utf-8")) if args.pairs else \
        pairs_from_reports(Path(args.reports))
    if args.write_pairs:
        Path(args.write_pairs).write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")

    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase()
    last, span = Counter(), Counter()
    for issuer, indicator, single, total in pairs:
        last[leads(kb.ask(f"{issuer}去年{indicator}多少？").answer, single, total)] += 1
        span[leads(kb.ask(f"{issuer}“十四五”期间{indicator}多少？").answer, single, total)] += 1
    print(f"{len(pairs)} indicators")
    print(f"去年…多少: leads with the year's figure {last['year']}, with the five-year total {last['total']}, "
          f"refused {last['refused']}, neither {last['neither']}")
    print(f"“十四五”期间…多少: leads with the total {span['total']}, with the year's figure {span['year']}, "
          f"refused {span['refused']}, neither {span['neither']}")


if __name__ == "__main__":
    main()
