"""/trend and /compare through the bot, timed from the message to the last message of the answer (chart included).

    python scripts/bench_trend.py --data-dir bench-out/ingest3
    python scripts/bench_trend.py --data-dir bench-out/ingest3 --users 5

The bot runs as it is deployed (`python -m bot`, its own process, index loaded and charts warm) and long-polls
the spec-checking local Bot API server in this process. Every issuer in the index is asked for a trend of each
indicator below, and every indicator is compared across issuers for each year; users take turns through the
list (--users at once), each request from a chat of its own. Timed twice: to the answer's first message (the
chart, the table or the line saying nothing was found) and to its last (the one carrying the 原文/feedback
buttons; a second message waits for Telegram's one-message-a-second-per-chat limit). Reports p50/p95/max per
command, photos sent, spec violations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from knowledge.settings import Settings  # noqa: E402
from knowledge.store import ReportRow, make_engine  # noqa: E402
from tests.telegram_server import FakeTelegram  # noqa: E402

# indicators most reports state, in the words staff use
INDICATORS = ["地区生产总值", "固定资产投资", "一般公共预算收入", "社会消费品零售总额", "城镇居民人均可支配收入"]


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))] if values else float("nan")


def summary(latencies: list[float]) -> dict:
    return {"n": len(latencies), "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(p95(latencies), 1), "max_ms": round(max(latencies), 1) if latencies else None}


async def run(args) -> dict:
    settings = Settings(data_dir=Path(args.data_dir))
    engine = make_engine(settings)  # the database only: the bot process started below holds the vectors
    with Session(engine) as s:
        from sqlmodel import select

        reports = s.exec(select(ReportRow).where(ReportRow.status == "ready")).all()
    issuers = sorted({r.issuer for r in reports if r.issuer})
    years = sorted({y for r in reports for y in (r.review_year, r.plan_year) if y and y >= 2024})
    requests = [f"/trend {i} {issuer}" for issuer in issuers for i in INDICATORS]
    requests += [f"/compare {i} {year}" for i in INDICATORS for year in years]

    server = FakeTelegram(Path(args.spec))
    await server.start()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-trend-"))
    env = {**os.environ, "REPORTBOT_DATA_DIR": args.data_dir, "TELEGRAM_BOT_TOKEN": server.token,
           "TELEGRAM_BASE_URL": server.base_url, "TELEGRAM_BASE_FILE_URL": server.base_file_url, "ALLOW_EVERYONE": "true"}
    bot_log = open(log_dir / "bot.log", "w")  # noqa: SIM115 - closed below
    bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=bot_log, stderr=subprocess.STDOUT)
    await server.wait_for(lambda c: c.method == "getUpdates", timeout=300)  # index loaded, model and charts warm

    first: dict[str, list[float]] = {"trend": [], "compare": []}
    charts: list[float] = []  # /trend answers that are a chart (the others say no report states the figure)
    last: dict[str, list[float]] = {"trend": [], "compare": []}
    found = {"trend": 0, "compare": 0}
    timeouts = 0
    queue = list(enumerate(requests))

    async def user() -> None:
        nonlocal timeouts
        while queue:
            i, text = queue.pop(0)
            uid = 200_000 + i  # each request from its own chat: Telegram's one message a second per chat is not ours
            command = text.split()[0].lstrip("/")
            mark = len(server.calls)
            started = time.monotonic()
            await server.push(server.message_update(uid, text))

            def ours(c, uid: int = uid) -> bool:
                return str(c.params.get("chat_id")) == str(uid) and c.method in ("sendMessage", "sendPhoto")

            try:
                opening = await server.wait_for(ours, timeout=30, since=mark)
                first[command].append((time.monotonic() - started) * 1000)
                if command == "trend" and opening.method == "sendPhoto":
                    charts.append(first[command][-1])
                closing = await server.wait_for(
                    lambda c: ours(c) and ("reply_markup" in c.params or "没有找到" in str(c.params.get("text", ""))),
                    timeout=30, since=mark)
            except AssertionError:
                timeouts += 1
                continue
            last[command].append((closing.at - started) * 1000 if closing.at >= opening.at else first[command][-1])
            found[command] += "reply_markup" in closing.params

    started = time.monotonic()
    await asyncio.gather(*(user() for _ in range(args.users)))
    wall = time.monotonic() - started
    bot.terminate()
    bot.wait(timeout=30)
    bot_log.close()
    await server.stop()
    return {"reports": len(reports), "issuers": len(issuers), "users": args.users,
            "trend_chart": summary(charts), "trend_first": summary(first["trend"]), "trend_last": summary(last["trend"]), "trend_with_figures": found["trend"],
            "compare_first": summary(first["compare"]), "compare_last": summary(last["compare"]),
            "compare_with_figures": found["compare"],
            "photos": len(server.photos_sent), "timeouts": timeouts, "spec_violations": len(server.violations),
            "wall_s": round(wall, 1), "log_dir": str(log_dir)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="data")
    p.add_argument("--users", type=int, default=1, help="users asking at once")
    p.add_argument("--spec", default=str(ROOT.parent / "shared" / "telegram" / "bot-api.json"))
    args = p.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["timeouts"] == 0 and result["spec_violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
