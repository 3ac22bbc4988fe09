"""The `reportbot` command line as benchmarks and admins use it: a real subprocess each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE, store_env


def run(config: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", **store_env(config)}
    return subprocess.run([sys.executable, "-m", "knowledge.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture
def data_dir(store_config: dict) -> dict:
    res = run(store_config, "ingest", "-q", str(SAMPLE))
    assert res.returncode == 0, res.stderr
    assert "added 1, replaced 0, unchanged 0, failed 0" in res.stdout
    return store_config


def test_ingest_reports_a_bad_file_and_still_adds_the_good_ones(tmp_path, store_config):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a docx")
    res = run(store_config, "ingest", "-q", str(bad), str(SAMPLE), str(tmp_path / "missing.txt"))
    assert res.returncode == 1
    assert "added 1, replaced 0, unchanged 0, failed 2" in res.stdout
    assert "broken.docx: .docx 文件已损坏" in res.stderr
    assert "missing.txt: 找不到这个文件" in res.stderr


def test_ingest_again_is_unchanged(data_dir):
    res = run(data_dir, "ingest", "-q", str(SAMPLE))
    assert res.returncode == 0 and "unchanged 1" in res.stdout


def test_reports_and_remove(data_dir):
    listing = run(data_dir, "reports", "--json")
    (report,) = json.loads(listing.stdout)
    assert report["year"] == 2025 and report["source"] == SAMPLE.name
    res = run(data_dir, "remove", str(report["id"]))
    assert res.returncode == 0 and "removed" in res.stdout
    assert json.loads(run(data_dir, "reports", "--json").stdout) == []
    missing = run(data_dir, "remove", "不存在的报告")
    assert missing.returncode == 2 and "没有找到与“不存在的报告”对应的已收录报告" in missing.stderr


def test_ask_json_has_the_documented_fields(data_dir):
    res = run(data_dir, "ask", "--json", "临江开发区2025年GDP增长目标是多少？")
    out = json.loads(res.stdout)
    assert set(out) >= {"id", "answer", "found", "mode", "latency_ms", "citations", "figures"}
    assert out["found"] is True and out["mode"] == "extractive" and "7%左右" in out["answer"]
    cite = out["citations"][0]
    assert set(cite) == {"n", "report", "source", "section", "quote", "text", "page", "ocr_confidence", "table"}
    assert cite["n"] == 1 and cite["source"] == SAMPLE.name and cite["quote"] in cite["text"]
    fig = out["figures"][0]
    assert set(fig) == {"indicator", "value", "unit", "kind", "qualifier", "year", "type", "section", "quote",
                        "period_start"}


def test_ask_json_lines_from_stdin_answers_in_order(data_dir):
    lines = "\n".join(json.dumps({"id": i, "question": q}, ensure_ascii=False) for i, q in
                      enumerate(["临江开发区2024年GDP是多少？", "临江开发区的火星基地有多少个？", "临江今年固投目标多少"]))
    res = run(data_dir, "ask", "--json", "-", stdin=lines + "\n")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert rows[0]["found"] and "486.3亿元" in rows[0]["answer"]
    assert rows[1]["found"] is False
    assert rows[2]["found"] and "10%左右" in rows[2]["answer"]


def test_ask_prints_a_readable_answer_with_citations(data_dir):
    res = run(data_dir, "ask", "临江开发区去年引进了多少高层次人才？")
    assert "236名" in res.stdout and "出处：" in res.stdout and "[1] 临江经济技术开发区" in res.stdout


def test_chat_answers_until_exit(data_dir):
    res = run(data_dir, "chat", stdin="临江2024年GDP是多少？\nexit\n")
    assert res.returncode == 0 and "486.3亿元" in res.stdout


def test_eval_scores_a_file_in_the_dev_format(data_dir, tmp_path):
    items = [
        {"id": "t1", "question": "临江开发区2024年GDP是多少？", "type": "actual", "gold_quotes": ["全年实现地区生产总值486.3亿元"],
         "section": "一、2024年工作回顾", "answer_values": ["486.3亿元"]},
        {"id": "t2", "question": "临江开发区的总和生育率是多少？", "type": "unanswerable", "gold_quotes": [], "section": "",
         "answer_values": []},
    ]
    f = tmp_path / "eval.jsonl"
    f.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    res = run(data_dir, "eval", str(f), "--out", str(tmp_path / "out.json"))
    assert "hit@5 (answerable)   1.000 (n=1)" in res.stdout
    assert "unanswerable refused 1.000 (n=1)" in res.stdout
    rows = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["rows"]
    assert rows[0]["hit"] and rows[0]["section"] and rows[0]["values"]


def test_chat_reads_follow_ups_with_the_previous_question(data_dir):
    res = run(data_dir, "chat", stdin="临江开发区2025年地区生产总值增长目标是多少？\n那2024年呢？\nexit\n")
    first, second = res.stdout.split("问> ")[1:3]
    assert "7%左右" in first and "486.3亿元" in second


def test_version_and_help_with_examples(store_config):
    version = run(store_config, "--version")
    assert version.returncode == 0 and version.stdout.startswith("reportbot ")
    for command in ("ingest", "ask", "trend", "compare", "remove", "bot"):
        res = run(store_config, command, "--help")
        assert res.returncode == 0 and "examples:" in res.stdout and f"reportbot {command}" in res.stdout


def test_no_progress_bar_when_not_on_a_terminal(store_config):
    res = run(store_config, "ingest", str(SAMPLE))  # no -q: the output is a pipe, not a terminal
    assert res.returncode == 0 and "added 1" in res.stdout
    assert "\r" not in res.stderr and "file/s" not in res.stderr and "it/s" not in res.stderr


def test_trend_and_compare_from_the_terminal(data_dir, tmp_path):
    chart = tmp_path / "trend.png"
    res = run(data_dir, "trend", "地区生产总值", "临江", "--png", str(chart))
    assert res.returncode == 0 and "2024年实际 7.1%[1]" in res.stdout and "2025年目标 7%左右[2]" in res.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")
    res = run(data_dir, "compare", "GDP增长目标", "2025", "--json")
    rows = json.loads(res.stdout)["comparison"]["rows"]
    assert rows[0]["issuer"] == "临江经济技术开发区" and rows[0]["cells"][0]["value"] == "7%左右"
    assert run(data_dir, "trend", "火星基地数量").returncode == 1


def test_a_missing_postgresql_driver_is_one_clear_line(tmp_path):
    """DATABASE_URL names PostgreSQL but psycopg is not installed: say which extra to install, no traceback."""
    code = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg2'] = None; "
            "from knowledge.cli import main; sys.exit(main(['reports']))")
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", "REPORTBOT_DATA_DIR": str(tmp_path),
           "DATABASE_URL": "postgresql+psycopg://reportbot@127.0.0.1:5432/reportbot"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "pip install 'reportbot[server]'" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_run_in_heading_counts_as_the_section_its_line_starts():
    # the file's heading line is a paragraph ("（六）…底线。更好统筹…"); the answer cites its first sentence as the heading
    from knowledge.evaluation import score_one

    item = {"id": "x", "type": "plan", "gold_quotes": ["守住底线"],
            "section": "（六）有效防范化解重点领域风险，牢牢守住不发生系统性风险底线。更好统筹发展和安全，守住底线。"}

    def cited(section: str) -> dict:
        return {"found": True, "answer": "", "citations": [{"text": "守住底线", "section": section}]}

    assert score_one(item, cited("三、2025年政府工作任务 › （六）有效防范化解重点领域风险，牢牢守住不发生系统性风险底线"))["section"]
    assert not score_one(item, cited("三、2025年政府工作任务 › （七）持续用力推进区域协调发展"))["section"]
    assert not score_one(item, cited("三、2025年政府工作任务 › （六）有效防范化解重点领域风险"))["section"]
