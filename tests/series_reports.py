"""Small work reports written in the test: one zone over several years, and a second issuer, with the
figures a trend must keep apart (人均, 单位…能耗, 年均, a start value) beside the ones it plots."""

from __future__ import annotations

from pathlib import Path

ZONE = "临江经济技术开发区"
OTHER = "云川高新技术产业开发区"

# (report year, actual GDP level of the year before, its growth, the year's growth target)
ZONE_YEARS = [(2022, "402.5亿元", "6.2%", "7%以上"), (2023, "431.8亿元", "6.8%", "6.5%左右"),
              (2025, "486.3亿元", "7.1%", "7%左右")]


def zone_report(year: int, level: str, growth: str, target: str, place: str = ZONE) -> str:
    last = year - 1
    return "\n".join([
        f"{place}{last}年工作总结和{year}年工作计划",
        f"——{year}年1月16日在{place}工作会议上",
        "同志们：",
        f"现在，我代表管委会，回顾{last}年主要工作，部署{year}年工作任务。",
        f"一、{last}年工作回顾",
        f"全年实现地区生产总值{level}，同比增长{growth}；一般公共预算收入42.6亿元，同比增长5.8%。",
        "人均地区生产总值12.5万元，增长6.9%；单位地区生产总值能耗下降3.2%。",
        "过去五年，地区生产总值从300亿元增加到现在的规模，年均增长8.8%。",
        "（一）产业发展提质增效",
        "1、先进制造业加快集聚。三大主导产业完成产值1286亿元，同比增长12.4%。",
        f"二、{year}年工作安排",
        f"主要预期目标是：地区生产总值增长{target}；全社会固定资产投资增长10%左右；城镇新增就业6000人以上。",
        "（一）全力推动产业升级",
        "1、做强主导产业。实施主导产业倍增计划，力争三大主导产业产值突破1450亿元。",
    ]) + "\n"


def write_zone_reports(folder: Path) -> list[Path]:
    """Three years of the zone (2024's report missing: a gap) and one year of another zone."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year, level, growth, target in ZONE_YEARS:
        path = folder / f"{year}_{ZONE}_工作报告.txt"
        path.write_text(zone_report(year, level, growth, target), encoding="utf-8")
        paths.append(path)
    other = folder / f"2025_{OTHER}_工作报告.txt"
    other.write_text(zone_report(2025, "215.0亿元", "8.4%", "8%左右", place=OTHER), encoding="utf-8")
    paths.append(other)
    return paths
