"""Calibrate the meaning look-up of vocabulary.py on an index: how its CSLS scores separate the domain's
standard short forms from chance.

Positives are the expert table of short forms (query.ABBREVIATIONS: 固投 → 固定资产投资, 社零 → 社会消费品零售总额 …):
the short form, with itself left out of the vocabulary, should find one of its full forms. Chance is a
random term of the vocabulary looked up with every term sharing a character with it left out: the best
score such a term still gets is what an unrelated phrase gets. No eval question is used.

    .venv/bin/python scripts/calibrate_vocabulary.py --data-dir bench-out/ingest3
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--chance", type=int, default=400, help="random terms for the chance distribution")
    args = parser.parse_args()
    os.environ["REPORTBOT_DATA_DIR"] = args.data_dir

    from knowledge.query import ABBREVIATIONS
    from knowledge.service import KnowledgeBase
    from knowledge.vocabulary import Vocabulary

    kb = KnowledgeBase()
    kb.index.refresh()
    vocab = kb.index.vocabulary
    print(f"vocabulary: {len(vocab)} terms")
    index = {t: i for i, t in enumerate(vocab.terms)}

    def without(keep: np.ndarray) -> Vocabulary:
        sub = Vocabulary.__new__(Vocabulary)
        sub.terms = [t for t, k in zip(vocab.terms, keep, strict=True) if k]
        sub.matrix, sub.hub, sub.min_score = vocab.matrix[keep], vocab.hub[keep], vocab.min_score
        return sub

    positives = []
    for short, fulls in ABBREVIATIONS.items():
        targets = [f for f in fulls if f in index and f != short]
        if not targets or not short.strip():
            continue
        keep = np.array([t != short for t in vocab.terms])
        found = without(keep).nearest(kb.embedder.embed_queries([short])[0], k=3)
        hit = next((m for m in found if m.term in targets), None)
        positives.append((short, hit.score if hit else None, found[0].term, found[0].score))
    rng = np.random.default_rng(1)
    chance = []
    for i in rng.choice(len(vocab), size=min(args.chance, len(vocab)), replace=False):
        term = vocab.terms[i]
        keep = np.array([not (set(term) & set(t)) for t in vocab.terms])
        found = without(keep).nearest(vocab.matrix[i], k=1)
        if found:
            chance.append(found[0].score)
    chance_arr = np.array(chance)
    print(f"chance best score: median {np.median(chance_arr):.3f}, p90 {np.percentile(chance_arr, 90):.3f}, "
          f"p95 {np.percentile(chance_arr, 95):.3f}")
    hits = [p for p in positives if p[1] is not None]
    print(f"short forms finding a full form in their top 3: {len(hits)}/{len(positives)}")
    for short, score, top, top_score in positives:
        print(f"  {short:8} {'-' if score is None else f'{score:.3f}':>6}   top: {top} {top_score:.3f}")
    print(f"chance level in use (vocabulary.CHANCE_QUANTILE): {vocab.min_score:.3f}")
    for threshold in (0.0, 0.02, 0.03, 0.04, 0.05, vocab.min_score, 0.07, 0.09):
        kept = sum(1 for p in hits if p[1] >= threshold)
        print(f"threshold {threshold:.2f}: positives kept {kept}/{len(positives)}, "
              f"chance above {np.mean(chance_arr >= threshold):.2f}")


if __name__ == "__main__":
    main()
