"""Lexical side of retrieval: jieba tokens and an in-memory BM25 over them."""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
from collections import Counter, defaultdict

import numpy as np

from .textnorm import normalize_for_match

_JIEBA_LOCK = threading.Lock()
_jieba = None

# Terms reports use that jieba's general dictionary splits badly; kept whole so BM25 can match them.
DOMAIN_TERMS = [
    "地区生产总值", "国内生产总值", "固定资产投资", "社会消费品零售总额", "规模以上工业增加值", "规上工业",
    "一般公共预算收入", "地方财政收入", "财政总收入", "城镇调查失业率", "城镇登记失业率", "居民消费价格",
    "居民人均可支配收入", "高新技术企业", "高层次人才", "外贸进出口", "实际使用外资", "研发经费投入强度",
    "新能源汽车", "超长期特别国债", "地方政府专项债券", "赤字率", "全员劳动生产率", "单位地区生产总值",
    "粮食产量", "空气质量优良天数比例", "二氧化碳排放", "营商环境", "低空经济", "新质生产力", "专精特新",
    "城镇新增就业", "农村居民人均可支配收入", "城镇居民人均可支配收入", "旅游总收入", "游客", "固投",
]

STOPWORDS = set(
    "的 了 和 与 及 等 是 在 对 为 把 将 要 以 中 上 下 年 我们 我 全 各 其 其中 并 也 都 又 这 那 之 而 或 于 "
    "有 个 着 就 从 向 到 被 让 使 给 比 进一步 多少 什么 哪些 怎么 如何 吗 呢 吧 啊 哪 几 是否 么 怎样 有没有 "
    "请问 一下 报告 里 方面".split()
)
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def _get_jieba():
    global _jieba
    with _JIEBA_LOCK:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            for term in DOMAIN_TERMS:
                jieba.add_word(term, freq=20000, tag="n")
            jieba.initialize()
            import jieba.posseg as pseg

            pseg.dt.makesure_userdict_loaded()  # the terms' tags, before any part-of-speech cut asks for them
            _jieba = jieba
    return _jieba


@functools.lru_cache(maxsize=4096)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """The words of text with the general dictionary's part of speech of each (jieba's), remembered: the same short
    phrase is asked about once per passage scored."""
    _get_jieba()
    import jieba.posseg as pseg

    return tuple((w.word, w.flag) for w in pseg.lcut(text))


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of the normalized text, without punctuation and stopwords."""
    jieba = _get_jieba()
    norm = normalize_for_match(text)
    return [t for t in jieba.lcut_for_search(norm) if _KEEP.search(t) and t not in STOPWORDS and t.strip()]


class BM25:
    """Okapi BM25 over an inverted index; scoring a query touches only the postings of its terms."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg_len = float(self.doc_len.mean()) if self.n else 1.0
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                p = postings[term]
                p[0].append(i)
                p[1].append(tf)
        self.postings = {t: (np.array(d, dtype=np.int32), np.array(f, dtype=np.float32)) for t, (d, f) in postings.items()}
        self.norm = self.k1 * (1 - self.b + self.b * self.doc_len / max(self.avg_len, 1e-9))

    def df(self, term: str) -> int:
        """In how many passages the term is."""
        p = self.postings.get(term)
        return len(p[0]) if p else 0

    def idf(self, term: str) -> float:
        p = self.postings.get(term)
        df = len(p[0]) if p else 0
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query_terms: list[str], weights: dict[str, float] | None = None) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query_terms):
            p = self.postings.get(term)
            if p is None:
                continue
            docs, tf = p
            w = (weights or {}).get(term, 1.0) * self.idf(term)
            out[docs] += w * tf * (self.k1 + 1) / (tf + self.norm[docs])
        return out
