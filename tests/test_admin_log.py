"""What admins read from the log: local times, date ranges, grouped questions, flags with a state, files kept."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from knowledge.exchanges import ExchangeLog, ExchangeRow
from knowledge.settings import Settings
from knowledge.types import Answer
from tests.conftest import SAMPLE


def asked(log: ExchangeLog, question: str, at: datetime | None = None, found: bool = False, user: int = 7) -> int:
    ex = log.record(user_id=user, user_name="张三", chat_id=user, chat_type="private", question=question,
                    answer=Answer(question=question, answer="…", found=found, mode="extractive"))
    if at is not None:
        with log.stores.session() as s:
            row = s.get(ExchangeRow, ex)
            row.created_at = at
            s.add(row)
            s.commit()
    return ex


def test_stats_count_days_in_the_local_time_zone(kb):
    log = ExchangeLog(kb.stores)
    evening_utc = (datetime.now(UTC) - timedelta(days=2)).replace(hour=20, minute=0, second=0, microsecond=0)
    asked(log, "今年固投目标多少？", at=evening_utc, found=True)
    (day, n, found), = log.stats().days
    assert day == (evening_utc + timedelta(hours=8)).strftime("%Y-%m-%d") and (n, found) == (1, 1)  # Shanghai: next day
    (utc_day, _, _), = ExchangeLog(kb.stores, ZoneInfo("UTC")).stats().days
    assert utc_day == evening_utc.strftime("%Y-%m-%d")


def test_exports_cover_local_calendar_days_with_local_times_and_chinese_headers(kb):
    log = ExchangeLog(kb.stores)
    asked(log, "三月最后一晚的问题", at=datetime(2025, 3, 31, 20, 0, tzinfo=UTC))  # 2025-04-01 04:00 in Shanghai
    asked(log, "四月中的问题", at=datetime(2025, 4, 15, 2, 0, tzinfo=UTC))
    april = [r[7] for r in log.export_rows(date(2025, 4, 1), date(2025, 4, 30))]
    assert april == ["三月最后一晚的问题", "四月中的问题"]
    assert [r[7] for r in log.export_rows(date(2025, 3, 1), date(2025, 3, 31))] == []
    rows = list(csv.reader(io.StringIO(log.export_csv(date(2025, 4, 1), date(2025, 4, 1)).decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "时间（Asia/Shanghai）", "用户ID"] and rows[1][1] == "2025-04-01 04:00:00"
    assert rows[1][11] == "否"


def test_the_excel_export_survives_pasted_control_characters_and_formula_like_text(kb):
    from openpyxl import load_workbook

    log = ExchangeLog(kb.stores)
    asked(log, "=HYPERLINK(\"http://x\")\x07 固投目标")
    sheet = load_workbook(io.BytesIO(log.export_xlsx())).active
    assert sheet.freeze_panes == "A2"
    question = sheet.cell(row=2, column=8).value
    assert question.startswith("'=") and "\x07" not in question


def test_unanswered_questions_that_ask_the_same_thing_are_counted_together(kb):
    log = ExchangeLog(kb.stores)
    for i, q in enumerate(["湖南2025年城镇居民人均可支配收入是多少？", "湖南城镇居民人均可支配收入多少",
                           "湖南城镇居民收入有多少？", "临江开发区有几个码头？", "开发区码头数量"]):
        asked(log, q, user=i % 2 + 1)
    asked(log, "回答过的问题", found=True)
    groups = log.unanswered_groups()
    assert [(g.count, g.users) for g in groups] == [(3, 2), (2, 2)]
    assert "码头" in groups[1].question and all("码头" not in w for w in groups[0].wordings)


def test_a_flag_stays_open_until_an_admin_handles_it_once(kb):
    log = ExchangeLog(kb.stores)
    ex = asked(log, "临江2025年GDP目标？", found=True)
    assert log.feedback(ex, 7, "up", "张三") and log.open_flags() == []  # a 👍 is no flag
    fid = log.feedback(ex, 7, "wrong_number", "张三")
    (flag,) = log.open_flags()
    assert (flag.id, flag.label, flag.user_name, flag.question) == (fid, "数字有误", "张三", "临江2025年GDP目标？")
    assert flag.created_at.tzinfo == ZoneInfo("Asia/Shanghai")
    assert log.mark_handled(fid, 1001).handled_by == 1001
    assert log.mark_handled(fid, 1002).handled_by == 1001  # the second admin learns who did
    assert log.open_flags() == [] and log.count_open_flags() == 0
    assert log.feedback(999999, 7, "down") == 0 and log.mark_handled(999999, 1) is None


def test_originals_are_kept_where_the_settings_say_and_go_with_their_report(kb):
    assert kb.stores.originals.where == ("database" if kb.settings.database_url else "files")
    res = kb.ingest_file(SAMPLE)
    assert kb.original(res.report_id) == (SAMPLE.name, SAMPLE.read_bytes())
    digest = next(r.content_hash for r in kb.reports())
    if not kb.settings.database_url:
        assert (kb.settings.data_dir / "originals" / digest[:2] / digest).read_bytes() == SAMPLE.read_bytes()
    changed = SAMPLE.read_bytes() + "\n四、附则\n本计划自发布之日起施行。\n".encode()
    replaced = kb.ingest_file(SAMPLE, data=changed)
    assert replaced.status == "replaced" and not kb.stores.originals.has(digest)  # the old version's file went too
    assert kb.original(replaced.report_id) == (SAMPLE.name, changed)
    kb.remove(str(replaced.report_id))
    assert kb.original(replaced.report_id) is None and kb.stores.originals.get(digest) is None


def test_originals_can_be_switched_off(store_config):
    from knowledge.embeddings import FakeEmbedder
    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase(Settings(embedder="fake", originals="off", **store_config), embedder=FakeEmbedder())
    res = kb.ingest_file(SAMPLE)
    assert res.status == "added" and kb.original(res.report_id) is None


def test_ingest_errors_admins_see_are_in_chinese(store_config, tmp_path):
    from knowledge.embeddings import FakeEmbedder
    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase(Settings(embedder="fake", max_file_mb=1, **store_config), embedder=FakeEmbedder())
    big = kb.ingest_file(SAMPLE, data=b"x" * (2 * 1024 * 1024), name="大文件.txt")
    assert big.status == "failed" and "超过了 1 MB 的上限" in big.error
    missing = kb.ingest_paths([tmp_path / "不存在.txt"])
    assert missing.results[0].error == "找不到这个文件"
    assert kb.reports() == []


def test_settings_reject_an_unknown_time_zone_or_proxy_scheme():
    from bot.settings import BotSettings

    with pytest.raises(ValidationError, match="Asia/Shanghai"):
        Settings(timezone="China/Beijing")
    with pytest.raises(ValidationError, match="socks5://"):
        BotSettings(telegram_proxy="ftp://proxy:21")
    assert BotSettings(telegram_proxy="socks5://u:p@127.0.0.1:1080").telegram_proxy.get_secret_value().startswith("socks5")
