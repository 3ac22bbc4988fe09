"""Load through the local Bot API server: simulated users asking at once, timed from message to answer.

    python scripts/bench_bot.py --data-dir bench-out/ingest --users 20 --rounds 5 --think 0
    python scripts/bench_bot.py --data-dir bench-out/ingest --users 20 --rounds 5 --think 2
    python scripts/bench_bot.py --data-dir bench-out/ingest --users 50 --seconds 60 --think 2

Each user sends a question from the eval file, waits for the bot's answer (the message that carries the
buttons), reads it for --think seconds (random between half and one and a half times that), and asks the
next; --think 0 fires the next question at once (all users saturating the bot). Latency is from pushing the update to the server receiving that message.
The bot runs as it is deployed, `python -m bot` in a process of its own (started with its index loaded
and its model warm), long-polling the local Bot API server that lives in this process.
Reports p50/p95/max, errors (spec violations, error rows, timeouts), exchanges logged, and the bot's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, func, select  # noqa: E402

from knowledge.exchanges import ExchangeRow  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import make_engine  # noqa: E402
from tests.telegram_server import FakeTelegram  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(args) -> dict:
    questions = [json.loads(line)["question"] for line in Path(args.eval).read_text(encoding="utf-8").splitlines() if line.strip()]
    server = FakeTelegram(Path(args.spec))
    await server.start()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    settings = Settings(data_dir=Path(args.data_dir))
    engine = make_engine(settings)  # the database only: the bot process started below holds the vectors
    env = {**os.environ, "REPORTBOT_DATA_DIR": args.data_dir, "TELEGRAM_BOT_TOKEN": server.token,
           "TELEGRAM_BASE_URL": server.base_url, "TELEGRAM_BASE_FILE_URL": server.base_file_url, "ALLOW_EVERYONE": "true"}
    bot_log = open(log_dir / "bot.log", "w")  # noqa: SIM115 - closed below
    bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=bot_log, stderr=subprocess.STDOUT)
    await server.wait_for(lambda c: c.method == "getUpdates", timeout=300)  # index loaded, model warm
    with Session(engine) as s:
        logged_before = s.exec(select(func.count()).select_from(ExchangeRow).where(ExchangeRow.kind == "question")).one()

    latencies: list[float] = []
    timeouts = 0
    sent = 0
    deadline = time.monotonic() + args.seconds if args.seconds else None

    async def user(uid: int) -> None:
        nonlocal timeouts, sent
        i = uid
        rounds = 0
        rng = random.Random(uid)
        while (deadline and time.monotonic() < deadline) or (not deadline and rounds < args.rounds):
            if rounds and args.think:
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            question = questions[i % len(questions)]
            i += args.users
            rounds += 1
            mark = len(server.calls)
            started = time.monotonic()
            await server.push(server.message_update(uid, question))
            sent += 1
            try:
                await server.wait_for(lambda c: c.method == "sendMessage" and str(c.params.get("chat_id")) == str(uid)
                                      and "reply_markup" in c.params, timeout=30, since=mark)
                latencies.append((time.monotonic() - started) * 1000)
            except AssertionError:
                timeouts += 1

    started = time.monotonic()
    await asyncio.gather(*(user(100_000 + u) for u in range(args.users)))
    wall = time.monotonic() - started
    await asyncio.sleep(0.5)
    with Session(engine) as s:
        logged = s.exec(select(func.count()).select_from(ExchangeRow).where(ExchangeRow.kind == "question")).one() - logged_before
        errors = s.exec(select(func.count()).select_from(ExchangeRow).where(ExchangeRow.kind == "error")).one()
    rss = rss_mb(bot.pid)
    bot.terminate()
    bot.wait(timeout=30)
    bot_log.close()
    await server.stop()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))] if latencies else float("nan")
    return {"users": args.users, "think_s": args.think, "questions": sent, "answered": len(latencies), "timeouts": timeouts,
            "spec_violations": len(server.violations), "error_rows": errors, "logged": logged,
            "p50_ms": statistics.median(latencies) if latencies else float("nan"), "p95_ms": p95,
            "max_ms": latencies[-1] if latencies else float("nan"), "wall_s": wall,
            "throughput_qps": len(latencies) / wall if wall else 0, "bot_rss_mb": rss, "log_dir": str(log_dir)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="data")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5, help="questions per user (ignored with --seconds)")
    p.add_argument("--seconds", type=float, default=0, help="run for this long instead of a fixed number of rounds")
    p.add_argument("--think", type=float, default=0.0, help="seconds a user reads an answer before asking again")
    p.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    p.add_argument("--spec", default=str(ROOT.parent / "shared" / "telegram" / "bot-api.json"))
    args = p.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False))
    ok = result["timeouts"] == 0 and result["spec_violations"] == 0 and result["error_rows"] == 0 \
        and result["logged"] == result["questions"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
