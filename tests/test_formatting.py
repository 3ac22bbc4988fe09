"""Telegram formatting: escaping, citations, splitting under 4096 characters, argument parsing."""

from __future__ import annotations

from bot.formatting import LIMIT, answer_html, answer_keyboard, figures_html, source_html, split_message
from bot.handlers import parse_figure_args
from bot.settings import BotSettings
from knowledge.types import Answer, Citation, FigureHit
from tests.telegram_server import check_html, utf16_len


def cite(n: int, quote: str = "全年实现地区生产总值486.3亿元", section: str = "一、2024年工作回顾") -> Citation:
    return Citation(n=n, report="2025年<临江>开发区工作报告", source="r.txt", section=section, quote=quote,
                    text=quote + "，同比增长7.1%。")


def test_answer_is_escaped_and_lists_numbered_citations():
    ans = Answer(question="q", answer="地区生产总值 <b>486.3亿元</b> & 增长7.1%[1]", found=True, mode="extractive",
                 citations=[cite(1), cite(2, section="二、2025年工作安排 › （一）全力推动产业升级")])
    (html,) = answer_html(ans)
    text, errors = check_html(html)
    assert errors == []
    assert "&lt;b&gt;486.3亿元&lt;/b&gt; &amp; 增长7.1%[1]" in html
    assert "[2] 2025年&lt;临江&gt;开发区工作报告 › 二、2025年工作安排 › （一）全力推动产业升级" in html
    assert text.index("486.3") < text.index("出处")


def test_a_long_answer_splits_at_paragraph_boundaries_under_the_limit():
    paragraphs = [f"第{i}段：" + "经济社会发展稳中有进，" * 40 for i in range(30)]
    ans = Answer(question="q", answer="\n\n".join(paragraphs), found=True, mode="extractive", citations=[cite(1)])
    parts = answer_html(ans)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(check_html(part)[0]) <= LIMIT and check_html(part)[1] == []
    joined = "\n\n".join(parts)
    for p in paragraphs:
        assert p in joined  # no paragraph was cut in the middle


def test_one_huge_paragraph_is_still_split_without_breaking_entities():
    text = ("A&B<" * 3000)
    from bot.formatting import esc

    parts = split_message(esc(text))
    assert all(len(p) <= LIMIT for p in parts)
    assert all(check_html(p)[1] == [] for p in parts)
    assert "".join(parts).count("&amp;") == 3000


def test_keyboard_callback_data_fits_telegram_limits():
    kb = answer_keyboard(123456789, [cite(i) for i in range(1, 6)])
    for row in kb.inline_keyboard:
        for button in row:
            assert len(button.callback_data.encode()) <= 64


def test_source_shows_quote_and_passage():
    (html,) = source_html(cite(3))
    assert "<blockquote>全年实现地区生产总值486.3亿元</blockquote>" in html and "所在段落" in html
    assert check_html(html)[1] == []


def test_figures_table():
    figs = [FigureHit(indicator="全社会固定资产投资", value="10%左右", unit="%", kind="growth", qualifier="左右", year=2025,
                      type="target", section="二、2025年工作安排", quote="…", report="临江开发区工作报告")]
    (html,) = figures_html(figs, "2025年 固投 目标")
    assert "全社会固定资产投资：<b>10%左右</b>（2025年目标）" in html and "二、2025年工作安排" in html
    assert "没有找到" in figures_html([], "x")[0]


def test_figure_arguments_in_any_order():
    issuers = ["四川省", "广西壮族自治区"]
    assert parse_figure_args(["固定资产投资", "2025", "四川"], issuers) == ("固定资产投资", 2025, "四川省")
    assert parse_figure_args(["广西", "2026年", "GDP"], issuers) == ("GDP", 2026, "广西壮族自治区")
    assert parse_figure_args(["高企"], issuers) == ("高企", None, None)


def test_access_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_USER_IDS", "11, 12")
    monkeypatch.setenv("ALLOWED_USER_IDS", "21")
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-1001")
    s = BotSettings()
    assert s.admin_user_ids == [11, 12]
    assert s.is_allowed(11, 11) and s.is_allowed(21, 21) and s.is_allowed(99, -1001)
    assert not s.is_allowed(99, 99) and not s.is_allowed(99, -2002)
    assert not s.is_allowed(21, -2002) and not s.is_allowed(11, -2002)  # allowed people, but a group that is not
    assert s.is_allowed(21, None)  # inline mode has no chat: the user decides
    assert not s.is_admin(21)
    monkeypatch.setenv("ALLOW_EVERYONE", "true")
    assert BotSettings().is_allowed(99, 99)


def test_every_setting_is_described_in_env_example():
    from pathlib import Path

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    names = [f.validation_alias for f in BotSettings.model_fields.values() if f.validation_alias]
    assert names and [n for n in names if f"\n{n}=" not in example] == []
