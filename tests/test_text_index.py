"""The substring index behind figure lookup and the coverage bound: it must agree with `in` exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest

from knowledge.retrieval import TextIndex

TEXTS = [
    "完成财政总收入114.23亿元,同比增长8.75%",
    "全社会固定资产投资同比增长15%以上",
    "",
    "启动实施大企业“572”培育计划",
    "增长",
    "长增",  # the pair 增长 is not in here, only 长增
    "pm2.5年均浓度下降",
    "𠀀𠀁 outside the basic plane 𠀀",  # characters beyond U+FFFF
    "增x长",
]


def expected(sub: str, texts: list[str]) -> list[int]:
    return [i for i, t in enumerate(texts) if sub in t]


@pytest.mark.parametrize("sub", ["增长", "增长8", "572", "“572”", "长", "pm2.5", "𠀀𠀁", "𠀀", "同比增长", "不存在的词", "x"])
def test_lookups_agree_with_in(sub):
    assert TextIndex(TEXTS).containing(sub).tolist() == expected(sub, TEXTS)


def test_spans_keep_only_those_runs_of_texts():
    index = TextIndex(TEXTS)
    assert index.containing("增长", [(0, 2)]).tolist() == [0, 1]
    assert index.containing("增长", [(2, 4), (4, 9)]).tolist() == [4]
    assert index.containing("增长", []).tolist() == []


def test_random_texts_and_substrings_agree_with_in():
    rng = random.Random(7)
    alphabet = "增长收入企业投资亿元%.0123456789的"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    index = TextIndex(texts)
    for _ in range(300):
        t = rng.choice([t for t in texts if t])
        a = rng.randrange(len(t))
        sub = t[a:a + rng.randint(1, 6)]
        assert index.containing(sub).tolist() == expected(sub, texts), sub


def test_an_empty_index_finds_nothing():
    assert TextIndex([]).containing("增长").tolist() == []
    assert isinstance(TextIndex(["增长"]).containing(""), np.ndarray)
