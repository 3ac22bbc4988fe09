"""Quality and latency on an eval file: our pipeline next to the LangChain tutorial pipeline.

The baseline is what a user would build from the LangChain RAG tutorial with the same embedder:
RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) + Chroma + top-5 similarity search.
Without a model it can only show the passages it found: its "answer" is the top passage, it never
refuses, and its chunks know no section. Both are scored by the same `score_one`.

    python scripts/bench_quality.py --data-dir data --baseline-dir bench-out/baseline
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import LangChainEmbeddings, get_embedder  # noqa: E402
from knowledge.evaluation import evaluate, score_one, summarize  # noqa: E402
from knowledge.readers import read_file  # noqa: E402
from knowledge.service import KnowledgeBase, iter_report_files  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def baseline_store(settings: Settings, directory: Path, reports: Path):
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    store = Chroma(collection_name="tutorial", embedding_function=LangChainEmbeddings(get_embedder(settings)),
                   persist_directory=str(directory))
    if store._collection.count() == 0:
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        docs = []
        for f in iter_report_files([reports]):
            if "originals" in f.parts:
                continue
            docs.append(Document(page_content=read_file(f).text, metadata={"source": f.name}))
        chunks = splitter.split_documents(docs)
        started = time.perf_counter()
        for i in range(0, len(chunks), 256):
            store.add_documents(chunks[i:i + 256])
            print(f"baseline: embedded {min(i + 256, len(chunks))}/{len(chunks)} chunks", file=sys.stderr)
        print(f"baseline ingest: {time.perf_counter() - started:.0f} s for {len(chunks)} chunks", file=sys.stderr)
    return store


def run_baseline(store, items: list[dict]) -> dict:
    rows = []
    store.similarity_search("预热", k=5)
    for item in items:
        started = time.perf_counter()
        docs = store.similarity_search(item["question"], k=5)
        latency = (time.perf_counter() - started) * 1000
        answer = {
            "answer": docs[0].page_content if docs else "",
            "found": bool(docs),
            "latency_ms": latency,
            "citations": [{"n": i + 1, "report": d.metadata.get("source", ""), "source": d.metadata.get("source", ""),
                           "section": "", "quote": d.page_content, "text": d.page_content} for i, d in enumerate(docs)],
        }
        rows.append(score_one(item, answer))
    return {"summary": summarize(rows), "rows": rows}


def table(ours: dict, base: dict) -> str:
    def cell(pair):
        v, n = pair
        return f"{v:.3f}" if n else "-"

    s, b = ours["summary"], base["summary"]
    lines = ["| measure | ours | LangChain tutorial |", "|---|---|---|"]
    for key, label in (("hit@5", "hit@5 (answerable)"), ("section", "section right"),
                       ("values", "answer values (actual + target)"), ("values_compare", "answer values (compare)"),
                       ("refused", "unanswerable refused")):
        lines.append(f"| {label} | {cell(s[key])} | {cell(b[key])} |")
    lines.append(f"| latency p50 (ms) | {s['latency_p50_ms']:.0f} | {b['latency_p50_ms']:.0f} |")
    lines.append(f"| latency p95 (ms) | {s['latency_p95_ms']:.0f} | {b['latency_p95_ms']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="data", help="our index, with ../shared/reports ingested")
    p.add_argument("--baseline-dir", default="bench-out/baseline", help="the tutorial pipeline's Chroma dir")
    p.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    p.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    p.add_argument("--out", default="bench-out/quality.json")
    p.add_argument("--skip-baseline", action="store_true")
    args = p.parse_args()

    settings = Settings(data_dir=Path(args.data_dir))
    kb = KnowledgeBase(settings)
    if not kb.reports():
        print(f"no reports in {args.data_dir}: run `reportbot --data-dir {args.data_dir} ingest {args.reports}` first",
              file=sys.stderr)
        return 1
    kb.ask("预热")  # warm process: index in memory, jieba and the model loaded
    items = [json.loads(line) for line in Path(args.eval).read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = evaluate(kb, Path(args.eval))
    base = {"summary": summarize([]), "rows": []}
    if not args.skip_baseline:
        base = run_baseline(baseline_store(settings, Path(args.baseline_dir), Path(args.reports)), items)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"ours": ours, "baseline": base}, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(ours, base))
    lat = [r["latency_ms"] for r in ours["rows"]]
    print(f"\nours: {len(lat)} questions, mean {statistics.mean(lat):.0f} ms; per-type: "
          + json.dumps(ours["summary"]["by_type"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
