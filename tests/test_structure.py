"""Structure: metadata, section paths from the numbering real reports use, and section-bound chunks."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from knowledge.parse import parse_report, parse_text
from knowledge.structure import CHUNK_MAX
from knowledge.types import PATH_SEP
from tests.conftest import SAMPLE, shared_path


@cache
def parsed(name: str):
    return parse_report(shared_path("reports", name))


def section_paths(report) -> set[str]:
    return {c.section for c in report.chunks}


def chunk_with(report, text: str):
    return next(c for c in report.chunks if text in c.text)


def test_seed_metadata_says_what_the_report_reviews_and_plans():
    meta = parsed("000_79fffe570bc6bca6.txt").meta
    assert meta.kind == "计划总结"
    assert meta.review_year == 2013 and meta.plan_year == 2014 and meta.year == 2014
    assert "开发区" in meta.issuer
    assert "20XX" not in meta.title


def test_seed_section_path_has_three_levels():
    report = parsed("000_79fffe570bc6bca6.txt")
    expected = PATH_SEP.join(["三、推进四大工程,再创发展优势", "(一)深入推进大引擎驱动工程,着力促进创新发展", "1、做优创新平台"])
    assert expected in section_paths(report)
    assert chunk_with(report, "要健全完善平台建设和管理机制").section == expected


def test_seed_review_figures_sit_under_the_review_heading():
    report = parsed("000_79fffe570bc6bca6.txt")
    assert chunk_with(report, "完成财政总收入114.23亿元,同比增长8.75%").section_path[0] == "一、充分肯定成绩,增强发展信心"


@pytest.mark.parametrize(
    "name,quote,path",
    [
        ("2026_海南省_政府工作报告.txt", "零关税", ["一、2025年和“十四五”时期工作回顾", "这一年，我们感恩奋进、埋头苦干，封关运作如期实现。"]),
        ("2026_青海省_政府工作报告.txt", "盐湖", ["三、2026年重点工作任务", "（三）聚焦创新驱动，加紧培育壮大新动能", "加强盐湖资源综合开发利用。"]),
        ("1978_国务院_政府工作报告.txt", "农业是国民经济的基础。我们的农业如果", ["三、加快社会主义经济建设", "第一，全国动员，大办农业"]),
        ("2025_四川省_政府工作报告.txt", "营商环境", ["2025年工作安排建议", "（六）深化重点领域改革，激发市场活力和发展动力"]),
        ("2025_西藏自治区_政府工作报告.txt", "全社会固定资产投资增长15%以上", ["2025年工作安排"]),
        ("2022_平潭综合实验区_国民经济和社会发展统计公报.txt", "游客", ["十、旅游、文化和体育"]),
        ("2019_国务院_政府工作报告.txt", "我国有上亿市场主体", ["三、2019年政府工作任务", "（二）激发市场主体活力，着力优化营商环境。"]),
        ("2003_国务院_政府工作报告.txt", "7%左右", ["二、对今年政府工作的建议", "（一）继续扩大国内需求，实现经济稳定较快增长"]),
        ("1984_国务院_政府工作报告.txt", "利改税第二步", ["一、认真地有步骤地改革城市经济中普遍存在的吃“大锅饭”的弊端，更好地调动企业和职工的积极性"]),
        ("2026_浙江省_政府工作报告.txt", "消费", ["三、2026年重点工作", "（四）着力推动消费转型升级"]),
        ("2025_平潭综合实验区管委会_政府工作报告.txt", "台胞", ["二、2025年工作安排", "（一）强化先行示范促融合，奋力打造两岸共同市场先行区域"]),
        ("2026_内蒙古自治区_政府工作报告.txt", "防沙治沙", ["（一）坚持生态优先、绿色发展，筑牢我国北方重要生态安全屏障"]),
    ],
)
def test_real_reports_get_their_section_paths(name, quote, path):
    report = parsed(name)
    holders = [c for c in report.chunks if quote in c.text]
    assert holders, f"{quote!r} not in any chunk"
    assert any(all(h in c.section_path for h in path) for c in holders), [c.section for c in holders][:5]


def test_end_matter_is_its_own_top_section():
    report = parsed("2025_四川省_政府工作报告.txt")
    assert any(c.section_path and c.section_path[0] == "名词解释" for c in report.chunks)
    assert not any("名词解释" in c.section and c.section_path[0] != "名词解释" for c in report.chunks)


def test_every_real_report_has_sections_and_bounded_chunks(reports_dir):
    for path in sorted(reports_dir.glob("*.txt")):
        report = parse_report(path)
        assert report.chunks, path.name
        if "\n一、" in path.read_text(encoding="utf-8"):  # 1975's report is a speech with no numbered parts
            assert len({c.section for c in report.chunks}) >= 3, path.name
        assert max(len(c.text) for c in report.chunks) <= CHUNK_MAX + 2, path.name
        assert report.meta.issuer and report.meta.year, path.name


def test_chunks_never_straddle_sections_and_keep_every_paragraph():
    text = SAMPLE.read_text(encoding="utf-8")
    report = parse_text(text, SAMPLE.name)
    joined = "\n".join(c.text for c in report.chunks)
    for line in text.splitlines()[5:]:
        body = line.split("。", 1)[-1] if line.startswith(("1、", "2、", "3、")) else line
        if len(body) > 30:
            assert body[:30] in joined
    by_section: dict[int, list[int]] = {}
    for c in report.chunks:
        by_section.setdefault(c.section_idx, []).append(c.idx)
    for idxs in by_section.values():  # a section's chunks are consecutive: nothing interleaves
        assert idxs == list(range(idxs[0], idxs[0] + len(idxs)))


def test_sample_report_metadata():
    meta = parse_report(SAMPLE).meta
    assert meta.issuer == "临江经济技术开发区" and meta.year == 2025
    assert meta.review_year == 2024 and meta.plan_year == 2025


def test_a_200000_character_line_is_cut_into_bounded_chunks():
    line = "全年实现地区生产总值486.3亿元，同比增长7.1%，" * 8000
    report = parse_text("测试报告\n一、工作回顾\n" + line, "long.txt")
    assert max(len(c.text) for c in report.chunks) <= CHUNK_MAX
    assert sum(len(c.text) for c in report.chunks) == len(line)


def test_page_without_breaks_keeps_its_structure():
    report = parse_report(shared_path("reports", "originals", "2025_平潭综合实验区管委会_政府工作报告.page.txt"))
    tops = {c.section_path[0] for c in report.chunks if c.section_path}
    assert {"一、2024年工作回顾", "二、2025年工作安排"} <= tops


def test_traditional_report_gets_structure(tmp_path: Path):
    text = "政府工作報告\n各位代表：\n一、過去一年工作回顧\n全年地區生產總值增長百分之五點二，財政收入穩步增長，民生持續改善，各項事業全面發展，社會大局保持穩定。\n二、今年工作安排\n經濟增長目標為百分之五左右，城鎮新增就業一千二百萬人以上，居民消費價格漲幅控制在百分之三左右。"
    report = parse_text(text, "2024_台州市_政府工作报告.txt")
    assert [c.section_path[0] for c in report.chunks] == ["一、過去一年工作回顧", "二、今年工作安排"]


def test_a_list_of_short_numbered_items_keeps_every_item_as_text():
    # each line reads like a heading, but with no body under it the line itself is the content
    text = "二、2025年民生实事\n1、新建幼儿园3所。\n2、改造老旧小区20个。\n名词解释\n1.一企一策：根据企业实际情况量身制定服务措施的工作机制。\n"
    parsed = parse_text(text, "2025_某区_工作报告.txt")
    indexed = " ".join(c.text for c in parsed.chunks)
    for item in ("新建幼儿园3所", "改造老旧小区20个", "一企一策：根据企业实际情况"):
        assert item in indexed
    assert {f.raw for f in parsed.figures} >= {"3所", "20个"}
    glossary = next(c for c in parsed.chunks if "一企一策" in c.text)
    assert glossary.section_path[0] == "名词解释"
