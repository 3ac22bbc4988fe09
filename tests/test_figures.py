"""Figures: each quantitative statement with value, unit, kind, qualifier, year and actual/target."""

from __future__ import annotations

from functools import cache

import pytest

from knowledge.parse import parse_report, parse_text
from knowledge.textnorm import parse_cn_number, parse_number, to_halfwidth
from tests.conftest import SAMPLE, shared_path


@cache
def figures_of(name: str):
    path = SAMPLE if name == "sample" else shared_path("reports", name)
    return parse_report(path).figures


def find(figs, raw: str, indicator_part: str = ""):
    hits = [f for f in figs if f.raw == raw and indicator_part in f.indicator]
    assert hits, f"no figure {raw!r} ({indicator_part}) among {[(f.indicator, f.raw) for f in figs][:40]}"
    return hits[0]


def test_seed_review_sentence_gives_two_actual_figures_for_2013():
    figs = figures_of("000_79fffe570bc6bca6.txt")
    level = find(figs, "114.23亿元", "财政总收入")
    growth = find(figs, "8.75%", "财政总收入")
    assert (level.value, level.unit, level.kind, level.type, level.year) == (114.23, "亿元", "level", "actual", 2013)
    assert (growth.value, growth.unit, growth.kind, growth.type, growth.year) == (8.75, "%", "growth", "actual", 2013)
    assert "完成财政总收入114.23亿元,同比增长8.75%" in level.sentence


def test_seed_plan_sentence_gives_a_2014_growth_target_of_at_least_15_percent():
    f = find(figures_of("000_79fffe570bc6bca6.txt"), "15%以上", "全社会固定资产投资")
    assert (f.value, f.unit, f.kind, f.qualifier, f.type, f.year) == (15, "%", "growth", "以上", "target", 2014)
    assert f.section_path[0] == "三、推进四大工程,再创发展优势"


def test_steadying_expectations_in_a_review_is_not_a_target():
    # "稳预期" is a policy aim, not 预期目标: the 2025 growth it leads into is what happened
    figs = figures_of("2026_陕西省_政府工作报告.txt")
    done = find(figs, "5.1％", "地区生产总值")
    assert (done.type, done.year) == ("actual", 2025)
    planned = [f for f in figs if f.raw == "5％左右" and f.section_path[0] == "三、2026年重点工作"]
    assert [(f.indicator, f.type, f.year, f.qualifier) for f in planned] == [("生产总值", "target", 2026, "左右")]
    five_years = find(figs, "5％左右")  # the same growth asked of "二、“十五五”时期主要目标和重大举措": 2026—2030
    assert (five_years.section_path[0], five_years.type, five_years.year) == ("二、“十五五”时期主要目标和重大举措", "target", 2030)


def test_a_target_met_in_the_clause_before_does_not_make_the_next_figure_a_target():
    # "…超过预期目标；城镇居民人均可支配收入9422元": the target belongs to the clause before the ；
    figs = figures_of("2005_国务院_政府工作报告.txt")
    assert (find(figs, "9422元", "城镇居民人均可支配收入").type, find(figs, "9422元").year) == ("actual", 2004)
    seed = find(figures_of("000_79fffe570bc6bca6.txt"), "289.2亿元", "全社会固定资产投资")
    assert (seed.type, seed.year) == ("actual", 2013)


def test_the_year_s_tasks_named_in_a_review_do_not_make_the_figures_after_them_targets():
    # "聚焦“1+2+4+N”目标任务体系，…生产总值增长5.6%": what 2025 achieved, not a goal for 2026
    henan = find(figures_of("2026_河南省_政府工作报告.txt"), "5.6%", "生产总值")
    assert (henan.type, henan.year) == ("actual", 2025)
    # "…均超额完成国家下达目标任务，粮食单产增长2.5%"
    guizhou = find(figures_of("2025_贵州省_政府工作报告.txt"), "2.5%", "粮食单产")
    assert (guizhou.type, guizhou.year) == ("actual", 2024)
    # a programme carried out in the year reviewed, named before what it achieved
    sichuan = find(figures_of("2026_四川省_政府工作报告.txt"), "107万人", "城镇新增就业")
    assert (sichuan.type, sichuan.year) == ("actual", 2025)
    # tasks named as what is aimed at still set the figures after them
    report = parse_text("青川市2025年政府工作报告\n一、2024年工作回顾\n全年完成地区生产总值300亿元。"
                        "上级下达的主要目标任务是：粮食产量稳定在50万吨以上。\n", "2025_青川市_政府工作报告.txt")
    assert find(report.figures, "50万吨以上").type == "target"
    assert find(report.figures, "300亿元").type == "actual"


def test_a_figure_after_a_bare_verb_takes_its_subject_from_the_clause_before():
    report = parse_text("内蒙古自治区2025年政府工作报告\n一、2024年工作回顾\n新能源装机在全国率先破亿、达到1.35亿千瓦，"
                        "超过火电装机。", "2025_内蒙古自治区_政府工作报告.txt")
    f = find(report.figures, "1.35亿千瓦")
    assert f.indicator.startswith("新能源装机") and (f.type, f.year, f.unit) == ("actual", 2024, "亿千瓦")


def test_a_count_before_its_subject_is_named_by_what_follows():
    # "其中20家企业实现两位数以上增长": the 20 are companies that grew by two digits, not the subsidy before
    f = find(figures_of("000_79fffe570bc6bca6.txt"), "20家")
    assert f.indicator == "企业实现两位数以上增长" and (f.type, f.year) == ("actual", 2013)


def test_figures_keep_the_section_they_came_from():
    f = find(figures_of("000_79fffe570bc6bca6.txt"), "30家", "国家高企")
    assert f.type == "target" and f.year == 2014 and f.kind == "count"
    assert f.section_path[-1] == "2、集聚高端要素"


def test_fullwidth_digits_and_chinese_numerals_are_read_and_the_original_kept():
    figs = figures_of("1995_国务院_政府工作报告.txt")
    gdp = find(figs, "４３８００亿元", "国内生产总值")
    assert gdp.value == 43800 and gdp.unit == "亿元" and gdp.year == 1994 and gdp.type == "actual"
    growth = find(figs, "百分之十一点八", "国内生产总值")
    assert growth.value == pytest.approx(11.8) and growth.unit == "%" and growth.kind == "growth"


def test_old_reports_in_chinese_numerals():
    steel = find(figures_of("1959_国务院_政府工作报告.txt"), "一千一百零八万吨", "钢产量")
    assert steel.value == 1108 and steel.unit == "万吨" and steel.type == "actual"


def test_ranges_and_qualifiers():
    gd = find(figures_of("2026_广东省_政府工作报告.txt"), "4.5%—5%", "地区生产总值")
    assert (gd.value, gd.value_high, gd.qualifier, gd.type, gd.year) == (4.5, 5.0, "4.5%—5%", "target", 2026)
    sample = figures_of("sample")
    assert find(sample, "7%左右", "地区生产总值").qualifier == "左右"
    assert find(sample, "3%以内", "城镇登记失业率").qualifier == "以内"
    assert find(sample, "3.5亿美元以上", "实际使用外资").unit == "亿美元"
    assert find(sample, "1450亿元", "主导产业").qualifier == "突破"


@pytest.mark.parametrize(
    "raw,indicator,value,unit,kind,ftype,year",
    [
        ("486.3亿元", "地区生产总值", 486.3, "亿元", "level", "actual", 2024),
        ("57家", "国家高新技术企业", 57, "家", "count", "actual", 2024),
        ("68.5%", "比重", 68.5, "%", "share", "actual", 2024),
        ("236名", "高层次人才", 236, "名", "count", "actual", 2024),
        ("18.6万平方米", "拆迁房屋", 18.6, "万平方米", "level", "actual", 2024),
        ("2860亩", "征地", 2860, "亩", "level", "actual", 2024),
        ("10%左右", "全社会固定资产投资", 10, "%", "growth", "target", 2025),
        ("60家", "国家高新技术企业", 60, "家", "count", "target", 2025),
        ("250名以上", "高层次人才", 250, "名", "count", "target", 2025),
    ],
)
def test_sample_report_figures(raw, indicator, value, unit, kind, ftype, year):
    f = find(figures_of("sample"), raw, indicator)
    assert (f.value, f.unit, f.kind, f.type, f.year) == (value, unit, kind, ftype, year)


def test_years_dates_and_list_numbers_are_not_figures():
    report = parse_text("测试报告\n一、2024年工作回顾\n2024年1月20日召开会议，第5次全会提出十四五规划，全年完成投资12亿元。", "2025_测试市_政府工作报告.txt")
    assert [f.raw for f in report.figures] == ["12亿元"]


def test_a_decrease_is_a_negative_growth():
    report = parse_text("测试报告\n一、2025年工作安排\n单位地区生产总值能耗下降3.5%左右。", "2025_测试市_政府工作报告.txt")
    (f,) = report.figures
    assert f.value == -3.5 and f.kind == "growth" and f.qualifier == "左右" and f.type == "target"


@pytest.mark.parametrize("text,value", [("十一点八", 11.8), ("一千一百零八", 1108), ("两千", 2000), ("一九五八", 1958),
                                        ("４３８００", 43800), ("1,234.5", 1234.5), ("十", 10), ("二十万零五", 200005)])
def test_number_parsing(text, value):
    assert (parse_number(text) if text[0].isdigit() or text[0] in "４" else parse_cn_number(text)) == value


def test_halfwidth_keeps_length_so_positions_map_back():
    s = "国内生产总值４３８００亿元，增长百分之十一点八。"
    assert len(to_halfwidth(s)) == len(s)


def test_every_real_report_yields_figures_with_a_year(reports_dir):
    for path in sorted(reports_dir.glob("*.txt")):
        figs = parse_report(path).figures
        assert len(figs) >= 10, path.name
        assert sum(1 for f in figs if f.year) / len(figs) > 0.95, path.name


def test_a_five_year_plans_targets_are_dated_by_its_last_year_not_the_plan_year():
    # "二、“十五五”时期主要目标任务" holds 城镇新增就业500万人以上 over 2026—2030; the 2026 target is 110万人以上
    figs = figures_of("2026_河南省_政府工作报告.txt")
    five_years = find(figs, "500万人以上", "城镇新增就业")
    assert (five_years.type, five_years.year) == ("target", 2030)
    this_year = find(figs, "110万人以上", "城镇新增就业")
    assert (this_year.type, this_year.year) == ("target", 2026)


def test_a_plan_year_heading_under_a_period_dates_its_targets_by_the_plan_year():
    report = parse_text("某市2026年政府工作报告\n二、“十五五”时期主要目标任务\n到2030年，地区生产总值年均增长5%左右。"
                        "城镇新增就业50万人以上。\n三、2026年工作安排\n（一）主要预期目标\n城镇新增就业11万人以上。",
                        "2026_某市_政府工作报告.txt")
    years = {f.raw: f.year for f in report.figures}
    assert years["50万人以上"] == 2030 and years["11万人以上"] == 2026


def test_a_heading_naming_the_period_and_the_plan_year_dates_this_year_s_targets_by_the_plan_year():
    # 内蒙古 2026: "“十五五”时期主要目标和2026年重点工作" › "今年…主要预期目标是：…城镇调查失业率5.7%左右"
    figs = figures_of("2026_内蒙古自治区_政府工作报告.txt")
    assert (find(figs, "5.7%左右", "城镇调查失业率").type, find(figs, "5.7%左右", "城镇调查失业率").year) == ("target", 2026)


def test_a_heading_about_the_plan_s_opening_year_dates_its_targets_by_the_plan_year():
    report = parse_text("某省2026年政府工作报告\n一、2025年工作回顾\n城镇新增就业52万人。\n"
                        "二、全力推动“十五五”开好局、起好步\n今年主要预期目标是：城镇新增就业50万人以上。"
                        "粮食播种面积稳定在1255万亩以上。", "2026_某省_政府工作报告.txt")
    assert {f.raw: f.year for f in report.figures}["1255万亩以上"] == 2026


def test_a_five_year_review_s_totals_cover_the_five_years_and_the_year_s_own_figures_do_not():
    # 河南 2026: "过去的五年…城镇新增就业603.7万人" then "刚刚过去的2025年…城镇新增就业121.7万人"
    figs = figures_of("2026_河南省_政府工作报告.txt")
    five_years = find(figs, "603.7万人", "城镇新增就业")
    assert (five_years.type, five_years.period_start, five_years.year) == ("actual", 2021, 2025)
    assert find(figs, "121.7万人", "城镇新增就业").period_start is None
    # where things stood at the end of the five years is the last year's level, not a total
    assert find(figs, "6.66万亿元", "生产总值").period_start is None


def test_a_paragraph_opening_on_the_year_reviewed_leaves_the_five_years():
    report = parse_text("某省2026年政府工作报告\n一、“十四五”时期和2025年工作回顾\n过去五年，我们砥砺奋进。"
                        "城镇新增就业300万人，地区生产总值年均增长5.5%，生产总值达到3万亿元。\n"
                        "刚刚过去的2025年很不平凡。城镇新增就业62万人，地区生产总值增长5.2%。\n"
                        "三、2026年重点工作\n城镇新增就业60万人以上。", "2026_某省_政府工作报告.txt")
    spans = {f.raw: (f.period_start, f.year, f.type) for f in report.figures}
    assert spans["300万人"] == (2021, 2025, "actual") and spans["5.5%"] == (2021, 2025, "actual")
    assert spans["3万亿元"] == (None, 2025, "actual")
    assert spans["62万人"] == (None, 2025, "actual") and spans["5.2%"] == (None, 2025, "actual")
    assert spans["60万人以上"] == (None, 2026, "target")


def test_a_review_of_the_past_plan_inside_a_part_that_plans_the_next_is_actual():
    # 广西 2026: "二、“十四五”时期发展成就和“十五五”时期主要目标任务" opens with "过去五年，…地区生产总值年均增长4.8%"
    figs = figures_of("2026_广西壮族自治区_政府工作报告.txt")
    done = find(figs, "4.8%", "地区生产总值")
    assert (done.type, done.period_start, done.year) == ("actual", 2021, 2025)
    aim = find(figs, "5%左右", "地区生产总值")
    assert (aim.type, aim.period_start, aim.year) == ("target", None, 2030)


def test_a_span_mentioned_on_the_way_or_a_level_reached_is_not_a_total():
    # "增幅均为近五年最高" in a one-year paragraph starts no span; "提高到76.58%" is where things stand, not a rise
    assert find(figures_of("2026_黑龙江省_政府工作报告.txt"), "800公顷", "新增绿地").period_start is None
    assert find(figures_of("2026_广东省_政府工作报告.txt"), "76.58%", "城镇化率").period_start is None
    # "累计接待游客17.52亿人次、旅游花费1.27万亿元": the running total leads the whole list
    assert find(figures_of("2026_甘肃省_政府工作报告.txt"), "1.27万亿元", "旅游花费").period_start == 2021
    # "力争投入强度高于“十三五”时期实际" in a plan: still a target
    aim = find(figures_of("2021_国务院_政府工作报告.txt"), "7%以上", "研发")
    assert (aim.type, aim.period_start) == ("target", None)


def test_the_five_years_a_paragraph_opens_go_on_under_the_sub_headings_that_follow():
    # 海南: "五年来…" then "就业形势保持稳定。…城镇新增就业86.22万人" under its own heading; the 2025 figure stays 2025's
    figs = figures_of("2026_海南省_政府工作报告.txt")
    assert find(figs, "86.22万人", "城镇新增就业").period_start == 2021
    assert find(figs, "17.78万人", "城镇新增就业").period_start is None
    # 广东: "这是经济实力持续提升的五年。" heads a theme of the five years
    assert find(figures_of("2026_广东省_政府工作报告.txt"), "1105万亩", "林分优化").period_start == 2021
    # a plan under way ("“十一五”规划纲要…" in the 2008 report) ends no five-year review
    assert find(figures_of("2008_国务院_政府工作报告.txt"), "2.43万亿元", "教育").period_start == 2003


def test_a_round_number_and_more_is_read_as_at_least_the_number():
    report = parse_text("青川市2025年政府工作报告\n一、2024年工作回顾\n交通、能源、水利完成投资5400多亿元，"
                        "新增经营主体100余家，带动就业三百多万人。\n", "2025_青川市_政府工作报告.txt")
    money = find(report.figures, "5400多亿元")
    assert (money.value, money.unit, money.qualifier, money.type) == (5400, "亿元", "多", "actual")
    assert (find(report.figures, "100余家").value, find(report.figures, "100余家").unit) == (100, "家")
    assert (find(report.figures, "三百多万人").value, find(report.figures, "三百多万人").unit) == (300, "万人")
    # a magnitude before 多 joins the unit after it
    report = parse_text("青川市2025年政府工作报告\n一、2024年工作回顾\n减税降费3万多亿元，培训8.6万余名。"
                        "历时2000多年，推动多元化发展，十多年来坚持不懈。\n", "2025_青川市_政府工作报告.txt")
    assert [(f.raw, f.value, f.unit) for f in report.figures] == [("3万多亿元", 3, "万亿元"), ("8.6万余名", 8.6, "万名")]


def test_a_two_character_noun_names_its_own_figure_and_a_verb_or_an_aspect_leans_on_the_one_before():
    figs = figures_of("2016_国务院_政府工作报告.txt")  # "…炼钢炼铁产能9000万吨以上、水泥2.3亿吨"
    assert find(figs, "2.3亿吨").indicator == "水泥"
    figs = figures_of("2026_浙江省_政府工作报告.txt")  # "经营主体…，其中企业410.1万户"
    assert find(figs, "410.1万户").indicator == "企业"
    report = parse_text("青川市2025年政府工作报告\n一、2024年工作回顾\n地区生产总值增长5%，总量突破3000亿元；"
                        "新增公共充电桩2万个，其中农村1万个。\n", "2025_青川市_政府工作报告.txt")
    assert find(report.figures, "3000亿元").indicator == "地区生产总值"  # 总量 is the GDP's
    assert find(report.figures, "1万个").indicator == "新增公共充电桩"  # 农村 is where, not what


def test_an_aside_inside_a_name_is_read_through():
    figs = figures_of("2025_四川省_政府工作报告.txt")  # "天然气（页岩气）产量562亿立方米"
    assert find(figs, "562亿立方米").indicator == "天然气产量"
    # an aside after a number ends the clause before it: "在全省183个县（市、区）划分县域内义务教育学区732个"
    assert find(figs, "732个").indicator == "划分县域内义务教育学区"


def test_a_clause_of_only_a_verb_setting_a_figure_takes_its_subject_from_the_clause_before():
    # "今年经济增长速度的宏观调控目标，定为百分之八至九"
    f = find(figures_of("1995_国务院_政府工作报告.txt"), "百分之八")
    assert (f.indicator, f.type, f.year) == ("经济增长速度的宏观调控目标", "target", 1995)


def test_a_year_a_span_starts_from_does_not_date_the_figure_after_it():
    # "从1999年起连续扩大招生规模，高考录取率从36%提高到59%": 59% is where things stood in the year reviewed
    report = parse_text("青川市2003年政府工作报告\n一、过去五年工作回顾\n高等学校从1999年起连续扩大招生规模，"
                        "高考录取率从36%提高到59%。1999年全市粮食产量达到50万吨。\n", "2003_青川市_政府工作报告.txt")
    assert find(report.figures, "59%").year == 2002
    assert find(report.figures, "50万吨").year == 1999  # a year the figure's own sentence names still dates it
    ahead = parse_text("青川市2026年政府工作报告\n二、2026年工作安排\n自2027年起，城乡居民基础养老金最低标准提高到每人每月200元。\n",
                       "2026_青川市_政府工作报告.txt")
    assert find(ahead.figures, "200元").year == 2027  # a start still ahead dates what starts then
