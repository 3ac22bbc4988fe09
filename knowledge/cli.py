"""`reportbot` command line: ingest, reports, remove, ask, chat, eval, rebuild (and bot, once configured)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC
from pathlib import Path

from .errors import ReportBotError
from .settings import Settings, get_settings


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "data_dir", None):
        os.environ["REPORTBOT_DATA_DIR"] = str(args.data_dir)
        get_settings.cache_clear()
    return get_settings()


def _kb(args: argparse.Namespace):
    from .service import KnowledgeBase

    return KnowledgeBase(_settings(args))


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .readers import SUPPORTED_SUFFIXES
    from .service import iter_report_files

    kb = _kb(args)
    files = iter_report_files([Path(p) for p in args.paths])
    if not files:
        print("no report files found (supported: " + " ".join(SUPPORTED_SUFFIXES) + ")", file=sys.stderr)
        return 1
    # a bar only on a terminal: in a log file or a pipe its redraws are noise
    bar = tqdm(total=len(files), unit="file", disable=args.quiet or not sys.stderr.isatty(), file=sys.stderr,
               dynamic_ncols=True)

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and total:
            bar.set_postfix_str(f"{stage} {done}/{total}", refresh=True)
        elif stage == "ocr" and total:
            bar.set_postfix_str(f"OCR page {min(done + 1, total)}/{total}", refresh=True)

    results = []
    for f in files:
        bar.set_description_str(f.name[:40])
        if not f.exists():
            from .service import IngestResult

            res = IngestResult(source=f.name, status="failed", error="找不到这个文件")
        else:
            res = kb.ingest_file(f, progress=progress)
        results.append(res)
        if res.status == "failed":
            bar.write(f"FAILED {f}: {res.error}", file=sys.stderr)
        elif args.verbose:
            bar.write(f"{res.status:9} {f.name}: {res.chunks} chunks, {res.figures} figures ({res.seconds:.1f}s)", file=sys.stderr)
        bar.update(1)
    bar.close()
    counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "replaced", "unchanged", "failed")}
    chunks = sum(r.chunks for r in results if r.status in ("added", "replaced"))
    figures = sum(r.figures for r in results if r.status in ("added", "replaced"))
    print(f"added {counts['added']}, replaced {counts['replaced']}, unchanged {counts['unchanged']}, "
          f"failed {counts['failed']}; {chunks} chunks, {figures} figures indexed")
    return 1 if counts["failed"] else 0


def cmd_reports(args: argparse.Namespace) -> int:
    kb = _kb(args)
    rows = kb.reports()
    if args.json:
        print(json.dumps([{"id": r.id, "title": r.title, "issuer": r.issuer, "kind": r.kind, "year": r.year,
                           "review_year": r.review_year, "plan_year": r.plan_year, "source": r.source,
                           "chunks": r.n_chunks, "figures": r.n_figures, "ingested_at": r.ingested_at.isoformat()}
                          for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no reports indexed yet: reportbot ingest PATH")
        return 0
    tz = kb.settings.tz
    for r in rows:
        when = (r.ingested_at if r.ingested_at.tzinfo else r.ingested_at.replace(tzinfo=UTC)).astimezone(tz)
        print(f"{r.id:>4}  {r.title}  [{r.issuer or '-'} {r.year or '-'}; {r.n_chunks} chunks, {r.n_figures} figures]  "
              f"{r.source}  {when:%Y-%m-%d %H:%M}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    kb = _kb(args)
    removed = kb.remove(args.report)
    print(f"removed {removed.id}: {removed.title} ({removed.source})")
    return 0


def format_answer(ans) -> str:
    from .types import year_type

    lines = [ans.answer, ""]
    if ans.figures and ans.found and ans.trend is None and ans.comparison is None:  # those list their figures already
        lines.append("相关数字：")
        for f in ans.figures[:5]:
            lines.append(f"  · {f.indicator}：{f.value}（{year_type(f.year, f.type, f.period_start)}）")
        lines.append("")
    if ans.citations:
        lines.append("出处：")
        for c in ans.citations:
            lines.append(f"[{c.n}] {c.report} › {c.section or '正文'}{c.origin}")
            lines.append(f"    “{c.quote}”")
    lines.append(f"({ans.mode}, {ans.latency_ms:.0f} ms)")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    kb = _kb(args)
    if args.question == "-":
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
                qid, question = item.get("id"), item.get("question", "")
            except (json.JSONDecodeError, AttributeError):
                qid, question = None, line
            ans = kb.ask(str(question))
            print(json.dumps({"id": qid, **ans.to_dict()}, ensure_ascii=False), flush=True)
        return 0
    ans = kb.ask(args.question)
    if args.json:
        print(json.dumps({"id": None, **ans.to_dict()}, ensure_ascii=False))
    else:
        print(format_answer(ans))
    return 0


def cmd_trend(args: argparse.Namespace) -> int:
    from .series import parse_request, trend_answer

    kb = _kb(args)
    indicator, kind, ftype = parse_request(args.indicator)
    trend = kb.trend(indicator, args.region, kind, ftype)
    ans = trend_answer(args.indicator, trend)
    if args.png and trend.found:
        from .charts import render_trend

        Path(args.png).write_bytes(render_trend(trend, kb.settings.chart_font or None).png)
    if args.json:
        print(json.dumps({"id": None, **ans.to_dict()}, ensure_ascii=False))
    else:
        print(format_answer(ans))
    return 0 if trend.found else 1


def cmd_compare(args: argparse.Namespace) -> int:
    from .series import comparison_answer, parse_request

    kb = _kb(args)
    indicator, kind, ftype = parse_request(args.indicator)
    comparison = kb.compare(indicator, args.year, ftype, kind)
    ans = comparison_answer(args.indicator, comparison)
    if args.png and comparison.found:
        from .charts import render_comparison

        Path(args.png).write_bytes(render_comparison(comparison, kb.settings.chart_font or None).png)
    if args.json:
        print(json.dumps({"id": None, **ans.to_dict()}, ensure_ascii=False))
    else:
        print(format_answer(ans))
    return 0 if comparison.found else 1


def cmd_chat(args: argparse.Namespace) -> int:
    kb = _kb(args)
    n = len(kb.reports())
    kb.warm_up()  # index, tokenizers and model loaded now: the first question is as quick as the rest
    print(f"报告问答（{n} 份报告已收录）。输入问题，回车提问；输入 exit 退出。")
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("exit", "quit", "退出"):
            return 0
        if question:
            ans = kb.ask(question, history)  # "那去年呢？" is read with the earlier questions
            print(format_answer(ans))
            print()
            history = [*history[-2:], (ans.resolved or question, ans.answer)]


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_report

    kb = _kb(args)
    result = evaluate(kb, Path(args.file), limit=args.limit)
    print(format_report(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from .rebuild import rebuild

    settings = _settings(args)
    n = rebuild(settings)
    print(f"re-embedded {n} chunks with the configured embedder")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check, repair
    from .service import KnowledgeBase

    kb = KnowledgeBase(_settings(args), cleanup=False)
    report = check(kb.stores)
    for line in report.lines():
        print(line)
    if report.ok or not args.repair:
        return 0 if report.ok else 1
    print("repairing …")
    after = repair(kb.stores, kb.embedder)
    for line in after.lines():
        print(line)
    return 0 if after.ok else 1


def cmd_bot(args: argparse.Namespace) -> int:
    try:
        from bot.app import main as bot_main
    except ImportError as exc:
        print(f"the Telegram bot is not available: {exc}", file=sys.stderr)
        return 2
    from bot.settings import BotSettings

    return bot_main(BotSettings(data_dir=_settings(args).data_dir))


EXAMPLES = {
    "ingest": """examples:
  reportbot ingest ../shared/reports/                 every report file under a folder
  reportbot ingest 2025_四川省_政府工作报告.docx          one file (an unchanged file is skipped)
  reportbot --data-dir /srv/reportbot ingest -q *.pdf  another index, no progress bar""",
    "reports": """examples:
  reportbot reports
  reportbot reports --json""",
    "remove": """examples:
  reportbot remove 12                                 by id (see `reportbot reports`)
  reportbot remove 2025_四川省_政府工作报告.txt          by file name
  reportbot remove 四川省2025                          a unique part of the title""",
    "ask": """examples:
  reportbot ask "四川2025年营商环境要做哪些事？"
  reportbot ask --json "开发区2014年GDP预期增长多少？"
  echo '{"id": 1, "question": "今年固投目标多少？"}' | reportbot ask --json -""",
    "trend": """examples:
  reportbot trend GDP 湖南                      actual and target per year, each with its source
  reportbot trend 固定资产投资 四川 --png fi.png  the chart the bot sends, as a file
  reportbot trend GDP增长目标                    the issuer with the most years when none is named""",
    "compare": """examples:
  reportbot compare GDP增长目标 2026             every issuer's target, highest first; 未提及 for the rest
  reportbot compare 地区生产总值 2025 --png t.png""",
    "chat": """examples:
  reportbot chat                                 then type questions; "那去年呢？" follows up""",
    "eval": """examples:
  reportbot eval ../shared/eval/dev.jsonl
  reportbot eval dev.jsonl --limit 50 --out results.json""",
    "rebuild": """examples:
  REPORTBOT_EMBEDDER=openai reportbot rebuild     after changing the embedder""",
    "check": """examples:
  reportbot check                                 exit status 1 when SQL and Chroma disagree
  reportbot check --repair""",
    "bot": """examples:
  reportbot bot                                   settings from the environment and .env (see .env.example)
  LOG_LEVEL=DEBUG reportbot bot
  TELEGRAM_PROXY=socks5://127.0.0.1:1080 reportbot bot""",
}


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("reportbot")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="index location (default: $REPORTBOT_DATA_DIR or ./data)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log what happens (INFO; LOG_LEVEL sets it too)")
    p = argparse.ArgumentParser(prog="reportbot", description="Questions answered from work reports, with citations.",
                                parents=[common], epilog="`reportbot COMMAND --help` shows each command's options and "
                                "examples.")
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add = sub.add_parser

    def add_parser(name, **kw):
        return _add(name, parents=[common], epilog=EXAMPLES.get(name), formatter_class=argparse.RawDescriptionHelpFormatter,
                    description=kw.get("help"), **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]  # every sub-command takes the common options too

    s = sub.add_parser("ingest", help="add report files or folders to the index")
    s.add_argument("paths", nargs="+", help="files or folders (.txt .md .docx .pdf .html .csv)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar (there is none when not on a terminal)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("reports", help="list indexed reports")
    s.add_argument("--json", action="store_true", help="one JSON array")
    s.set_defaults(func=cmd_reports)

    s = sub.add_parser("remove", help="remove a report (id, file name or title)")
    s.add_argument("report")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("ask", help="answer a question; --json for one JSON object, '-' for JSON lines on stdin")
    s.add_argument("question", help="the question, or - to read JSON lines from stdin")
    s.add_argument("--json", action="store_true", help="one JSON object per answer")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("trend", help="an indicator's actual and target figures per year, with sources")
    s.add_argument("indicator", help="e.g. 地区生产总值, GDP, 固投目标")
    s.add_argument("region", nargs="?", help="an issuer as staff write it (湖南, 广西); default: the one with most years")
    s.add_argument("--png", help="also write the chart to this file")
    s.add_argument("--json", action="store_true", help="one JSON object, points included")
    s.set_defaults(func=cmd_trend)

    s = sub.add_parser("compare", help="every issuer's figure of an indicator for one year, sorted")
    s.add_argument("indicator", help="e.g. GDP增长目标, 固定资产投资")
    s.add_argument("year", type=int)
    s.add_argument("--png", help="also write the table picture to this file")
    s.add_argument("--json", action="store_true", help="one JSON object, rows included")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("chat", help="interactive questions in the terminal")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("eval", help="score answers against an eval file (dev.jsonl format)")
    s.add_argument("file")
    s.add_argument("--limit", type=int, default=0, help="only the first N questions")
    s.add_argument("--out", help="write per-question results as JSON")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("rebuild", help="re-embed every indexed chunk with the configured embedder")
    s.set_defaults(func=cmd_rebuild)

    s = sub.add_parser("check", help="verify that SQL and Chroma agree (every chunk has its vector and back)")
    s.add_argument("--repair", action="store_true", help="fix what the check finds")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("bot", help="run the Telegram bot (LOG_LEVEL, default INFO)")
    s.set_defaults(func=cmd_bot)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.verbose = getattr(args, "verbose", False)
    args.data_dir = getattr(args, "data_dir", None)
    if args.command != "bot":  # the bot sets up its own logging (LOG_LEVEL, default INFO, local times)
        level = os.environ.get("LOG_LEVEL", "").strip().upper() or ("INFO" if args.verbose else "WARNING")
        logging.basicConfig(level=level if level in logging.getLevelNamesMapping() else "WARNING",
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ReportBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
