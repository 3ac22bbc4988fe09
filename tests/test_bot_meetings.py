"""End to end, for meetings and admins: trend charts, comparison tables, feedback that reaches every admin,
files back, exports in local time and a polite line for what the bot cannot read.

The real bot over real HTTP against the spec-checking local Bot API server; real reports from ../shared
with the fast fake embedder.
"""

from __future__ import annotations

import io
import time
from datetime import UTC

import pytest
from sqlmodel import select

from knowledge.charts import read_series
from knowledge.exchanges import ExchangeRow
from knowledge.series import trend_answer
from knowledge.types import Answer, Citation
from tests.bot_harness import ADMIN, STAFF, STRANGER, BotHarness
from tests.conftest import SAMPLE, shared_path
from tests.test_bot_e2e import make_settings

ADMIN2 = 1002
REPORTS = ("2025_四川省_政府工作报告.txt", "2026_四川省_政府工作报告.txt", "2025_江苏省_政府工作报告.txt",
           "2026_江苏省_政府工作报告.txt", "2026_河南省_政府工作报告.txt")


@pytest.fixture
def harness(store_config):
    from knowledge.embeddings import FakeEmbedder
    from knowledge.service import KnowledgeBase

    settings = make_settings(store_config, admin_user_ids=[ADMIN, ADMIN2])
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    for path in [*(shared_path("reports", name) for name in REPORTS), SAMPLE]:
        assert kb.ingest_file(path).status == "added"
    h = BotHarness(settings, kb, shared_path("telegram", "bot-api.json")).start()
    yield h
    h.stop()
    assert h.server.violations == [], h.server.violations


def exchange(h: BotHarness, kind: str) -> ExchangeRow:
    with h.kb.stores.session() as s:
        return s.exec(select(ExchangeRow).where(ExchangeRow.kind == kind).order_by(ExchangeRow.id.desc())).first()


def message_of(call) -> dict:
    return {"message_id": 1, "date": int(time.time()), "chat": {"id": int(call.params["chat_id"]), "type": "private"},
            "text": "x"}


def buttons(call) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row}


def test_trend_sends_a_chart_whose_points_are_the_cited_figures(harness):
    h = harness
    mark = h.say(STAFF, "/trend 地区生产总值 四川")
    photo = h.wait(lambda c: c.method == "sendPhoto", mark)
    png, params = h.server.photos_sent[-1]
    plotted = read_series(png)
    row = exchange(h, "trend")
    cites = {c.n: c for c in h.app.bot_data["services"].log.citations(row.id)}
    assert plotted and {s["n"] for s in plotted} == set(cites)
    for s in plotted:  # each point is a figure its citation states, from the report and section named
        cite = cites[s["n"]]
        assert s["label"].rstrip("以上左右") in cite.quote and s["report"] == cite.report and s["section"] == cite.section
        assert "四川" in cite.report
    assert {(s["year"], s["type"]) for s in plotted} >= {(2024, "actual"), (2025, "actual"), (2025, "target"),
                                                          (2026, "target")}
    text = params.get("caption", "") + "".join(c.params.get("text", "") for c in h.server.sent(chat_id=STAFF, since=mark))
    for n, cite in cites.items():
        assert f"[{n}] {cite.report}" in text
    keyboard = buttons(photo) if "reply_markup" in photo.params else buttons(h.server.sent(chat_id=STAFF, since=mark)[-1])
    assert {f"原文[{n}]" for n in cites} <= set(keyboard)
    mark = h.send(h.server.callback_update(STAFF, message_of(photo), keyboard["原文[1]"]))
    quote = h.reply_to(STAFF, mark, "<blockquote>").params["text"]
    assert cites[1].quote[:20] in quote.replace("&amp;", "&")


def test_trend_of_something_no_report_states_says_so(harness):
    h = harness
    mark = h.say(STAFF, "/trend 航天发射次数 四川")
    assert "没有找到" in h.reply_to(STAFF, mark, "没有找到").params["text"]
    mark = h.say(STAFF, "/trend")
    h.reply_to(STAFF, mark, "用法：/trend")


def test_compare_lists_every_issuer_with_a_figure_or_not_mentioned(harness):
    h = harness
    issuers = h.kb.issuers()
    mark = h.say(STAFF, "/compare GDP增长目标 2026")
    table = h.reply_to(STAFF, mark, "各地区比较").params["text"]
    for issuer in issuers:
        assert issuer in table
    lines = {line.split("：")[0].lstrip("0123456789. —").strip(): line for line in table.splitlines() if "：" in line}
    assert "5.5%左右" in lines["四川省"] and "未提及" in lines["临江经济技术开发区"]
    ranked = [line for line in table.splitlines() if line[:1].isdigit() and "增速目标" in line]
    values = [float(line.split("<b>")[1].split("%")[0].split("-")[0].split("—")[0]) for line in ranked]
    assert values == sorted(values, reverse=True)
    # a wide comparison (growth and level, actual and target) is a picture; its data lists every issuer too
    mark = h.say(STAFF, "/compare 地区生产总值 2025")
    h.wait(lambda c: c.method == "sendPhoto", mark)
    plotted = read_series(h.server.photos_sent[-1][0])
    assert {s["issuer"] for s in plotted} == set(issuers)
    silent = {r.issuer for r in h.kb.compare("地区生产总值", 2025).rows if not r.mentioned}
    assert {s["issuer"] for s in plotted if s["label"] == "未提及"} == silent
    sources = h.reply_to(STAFF, mark, "出处").params["text"]
    assert "[1]" in sources and "原文[1]" in buttons(h.server.sent(chat_id=STAFF, since=mark)[-1])


def test_a_plain_question_answered_with_a_trend_is_sent_like_trend(harness, monkeypatch):
    h = harness
    trend = h.kb.trend("地区生产总值", "四川")

    def routed(question, *args, **kwargs):  # what the question routing will return for such a question
        return trend_answer(question, trend)

    monkeypatch.setattr(h.kb, "ask", routed)
    mark = h.say(STAFF, "四川GDP这几年怎么变的？")
    h.wait(lambda c: c.method == "sendPhoto", mark)
    assert {s["n"] for s in read_series(h.server.photos_sent[-1][0])} == {c.n for c in trend.citations}
    row = exchange(h, "question")
    assert row.mode == "trend" and row.citations.count('"n"') == len(trend.citations)
    mark = h.say(STAFF, "/source 1")
    assert trend.citations[0].quote[:15] in h.reply_to(STAFF, mark, "<blockquote>").params["text"]


def test_a_flag_reaches_every_admin_who_can_open_the_sources_and_close_it(harness):
    h = harness
    mark = h.say(STAFF, "临江开发区2025年地区生产总值增长目标是多少？")
    answer = h.reply_to(STAFF, mark, "7%左右")
    mark = h.send(h.server.callback_update(STAFF, message_of(answer), buttons(answer)["数字有误"]))
    ack = h.wait(lambda c: c.method == "answerCallbackQuery", mark)
    assert "管理员" in ack.params["text"]
    notices = {}
    for admin in (ADMIN, ADMIN2):
        notice = h.wait(lambda c, a=admin: c.method == "sendMessage" and str(c.params["chat_id"]) == str(a)
                        and "数字有误" in c.params["text"], mark)
        text = notice.params["text"]
        assert "临江开发区2025年地区生产总值增长目标是多少？" in text and "7%左右" in text and "张三" in text
        assert str(STAFF) in text
        notices[admin] = notice
    keys = buttons(notices[ADMIN])
    mark = h.send(h.server.callback_update(ADMIN, message_of(notices[ADMIN]), keys["查看出处"]))
    assert "7%左右" in h.reply_to(ADMIN, mark, "<blockquote>").params["text"]
    mark = h.say(ADMIN2, "/feedback")
    listing = h.reply_to(ADMIN2, mark, "待处理的反馈")
    assert "数字有误" in listing.params["text"] and "共 1 条" in listing.params["text"]
    mark = h.send(h.server.callback_update(ADMIN, message_of(notices[ADMIN]), keys["标为已处理"]))
    assert "已标为已处理" in h.wait(lambda c: c.method == "answerCallbackQuery", mark).params["text"]
    mark = h.send(h.server.callback_update(ADMIN2, message_of(notices[ADMIN2]), buttons(notices[ADMIN2])["标为已处理"]))
    assert str(ADMIN) in h.wait(lambda c: c.method == "answerCallbackQuery", mark).params["text"]  # who handled it
    mark = h.say(ADMIN2, "/feedback")
    h.reply_to(ADMIN2, mark, "没有待处理的反馈")
    # staff cannot use the admin buttons, and a 👍 troubles nobody
    mark = h.send(h.server.callback_update(STAFF, message_of(answer), keys["查看出处"]))
    assert "管理员" in h.wait(lambda c: c.method == "answerCallbackQuery", mark).params["text"]
    mark = h.send(h.server.callback_update(STAFF, message_of(answer), buttons(answer)["👍"]))
    h.wait(lambda c: c.method == "answerCallbackQuery", mark)
    h.settle(0.5)
    assert h.server.sent(chat_id=ADMIN, since=mark) == [] and h.server.sent(chat_id=ADMIN2, since=mark) == []


def test_unanswered_questions_are_grouped_and_counted(harness):
    h = harness
    for question in ("临江开发区有几个码头？", "临江开发区码头有多少个", "开发区的码头数量是多少？", "临江开发区有多少名宇航员？"):
        mark = h.say(STAFF, question)
        h.reply_to(STAFF, mark, "没有找到")
    mark = h.say(ADMIN, "/unanswered")
    text = h.reply_to(ADMIN, mark, "找不到答案").params["text"]
    assert "3 次" in text and "1 次" in text and "宇航员" in text


def test_what_the_bot_cannot_read_gets_one_polite_line(harness):
    h = harness
    extras = {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
              "voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3},
              "sticker": {"file_id": "s1", "file_unique_id": "u3", "type": "regular", "width": 512, "height": 512,
                          "is_animated": False, "is_video": False}}
    for field, value in extras.items():
        update = h.server.message_update(STAFF, "")
        update["message"][field] = value
        mark = h.send(update)
        assert "文字" in h.reply_to(STAFF, mark).params["text"]
        h.settle(0.3)
        assert len(h.server.sent(chat_id=STAFF, since=mark)) == 1
    mark = h.say(STAFF, "", document=h.server.upload("我的材料.docx", b"PK"))
    assert "管理员" in h.reply_to(STAFF, mark).params["text"]
    update = h.server.message_update(STRANGER, "")
    update["message"]["photo"] = extras["photo"]
    mark = h.send(update)
    assert str(STRANGER) in h.reply_to(STRANGER, mark).params["text"]  # strangers still get the refusal only


def test_reports_filter_by_region_and_year_and_send_the_file_back(harness):
    h = harness
    mark = h.say(STAFF, "/reports 四川 2026")
    listing = h.reply_to(STAFF, mark, "份报告")
    text = listing.params["text"]
    assert "2026年四川省" in text and "江苏" not in text and "2025年四川" not in text
    (button,) = buttons(listing).values()
    mark = h.send(h.server.callback_update(STAFF, message_of(listing), button))
    h.wait(lambda c: c.method == "sendDocument", mark)
    name, data = h.server.documents_sent[-1]
    assert name == "2026_四川省_政府工作报告.txt"
    assert data == shared_path("reports", "2026_四川省_政府工作报告.txt").read_bytes()
    # a report indexed before originals were kept: a clear line, and re-sending the file fixes it
    report = next(r for r in h.kb.reports() if r.source == name)
    h.kb.stores.originals.delete(report.content_hash)
    mark = h.send(h.server.callback_update(STAFF, message_of(listing), button))
    assert "重新发送" in h.wait(lambda c: c.method == "answerCallbackQuery", mark).params["text"]
    assert h.kb.ingest_file(shared_path("reports", name)).status == "unchanged"
    assert h.kb.original(report.id or 0) == (name, data)


def test_export_is_an_excel_file_in_local_time_for_a_date_range(harness):
    from openpyxl import load_workbook

    h = harness
    mark = h.say(STAFF, "开发区2024年地区生产总值是多少？")
    h.reply_to(STAFF, mark, "486.3亿元")
    mark = h.say(ADMIN, "/export")
    menu = h.reply_to(ADMIN, mark, "导出对话记录")
    mark = h.send(h.server.callback_update(ADMIN, message_of(menu), buttons(menu)["Excel：最近 7 天"]))
    h.wait(lambda c: c.method == "sendDocument", mark)
    name, data = h.server.documents_sent[-1]
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["编号", "时间（Asia/Shanghai）", "用户ID", "用户名"] and "问题" in header
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    asked = next(r for r in rows if r[header.index("问题")] == "开发区2024年地区生产总值是多少？")
    row = exchange(h, "question")
    local = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC).astimezone(h.kb.settings.tz)
    assert asked[1] == local.replace(tzinfo=None, microsecond=0)
    assert asked[header.index("找到答案")] == "是"
    mark = h.say(ADMIN, "/export xlsx 2001-01-01 2001-12-31")
    h.wait(lambda c: c.method == "sendDocument", mark)
    assert load_workbook(io.BytesIO(h.server.documents_sent[-1][1])).active.max_row == 1  # the header only
    mark = h.say(ADMIN, "/export 下个月")
    h.reply_to(ADMIN, mark, "没看懂")


def test_source_shows_the_page_a_quote_is_on(harness):
    h = harness
    svc = h.app.bot_data["services"]
    cite = Citation(n=1, report="2025年测试报告", source="t.pdf", section="一、回顾", quote="全年增长5%。", text="全年增长5%。",
                    page=7)
    svc.log.record(user_id=STAFF, user_name="张三", chat_id=STAFF, chat_type="private", question="q",
                   answer=Answer(question="q", answer="全年增长5%。[1]", found=True, mode="extractive", citations=[cite]))
    mark = h.say(STAFF, "/source 1")
    assert "第7页" in h.reply_to(STAFF, mark, "<blockquote>").params["text"]


def test_admin_messages_are_in_chinese(harness):
    h = harness
    mark = h.say(ADMIN, "/remove 不存在的报告")
    text = h.reply_to(ADMIN, mark, "没有删除").params["text"]
    assert "没有找到" in text and "no indexed report" not in text
    mark = h.say(ADMIN, "/remove 四川")
    assert "请用编号指定" in h.reply_to(ADMIN, mark, "没有删除").params["text"]
    mark = h.say(ADMIN, "/stats")
    assert "Asia/Shanghai" in h.reply_to(ADMIN, mark, "近 7 天").params["text"]
