"""How cost grows with the corpus: 10, 100 and 1,000 reports, embedded or server mode.

    python scripts/bench_scale.py --vectors-from bench-out/ingest2 --out bench-out/scale
    python scripts/bench_scale.py --vectors-from bench-out/ingest2 --out bench-out/scale-server --server

The corpus is the real reports, then copies of them with another issuer and other years (a fake place
name of the same length in place of the issuer's name, every "19xx年/20xx年" moved on by 1–13 years), so
that a 1,000-report index holds 923 reports that compete with the real ones for every question.

Sizes are reached in one growing index (10, then 90 more, then 900 more), through the real ingest path
(read, structure, figures, SQL, Chroma) one file at a time. Embedding a thousand reports takes one
to two hours on a 2-core machine, so chunk vectors come from an index of the real reports built by
`reportbot ingest` (`--vectors-from`): a copy's chunk is looked up by its text with the substitution
undone, and only a chunk not found there is embedded for real. The table says how many vectors were
reused; embedding them costs what `scripts/bench_ingest.py` measures for the real reports.

At each size: ingest time of the step, index size on disk (SQLite + Chroma files, or the PostgreSQL
schema + the Chroma server's directory), the time to load the index into a fresh process's memory, answer
latency p50/p95 and quality on the eval file in the warm process, and the process's memory.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.evaluation import evaluate  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from knowledge.query import _ISSUER_SUFFIXES  # noqa: E402
from knowledge.service import KnowledgeBase, embedding_text, iter_report_files  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import ChunkRow, ReportRow, Stores  # noqa: E402
from tests.bot_harness import free_port  # noqa: E402

# characters for fake place names: none is common in these reports, so a name is easy to undo
POOL = "甄氪氙钋钌钯铑铱锇镧铈镨钕钷钐铕钆铽镝钬铒铥镱镥钍镤铀镎钚镅锔锫锎锿镄钔锘铹鑫淼焱垚"
YEAR = re.compile(r"(?<!\d)((?:18|19|20)\d\d)(?=年)")
FILE_YEAR = re.compile(r"^(\d{4})(?=_)")


class ReusingEmbedder:
    """The real embedder, except that a chunk already embedded in the source index reuses its vector."""

    def __init__(self, real, cache: dict[str, np.ndarray]):
        self.real, self.cache = real, cache
        self.name, self.dim, self.meaningful = real.name, real.dim, real.meaningful
        self.undo: Callable[[str], str] = lambda t: t
        self.hits = self.misses = 0
        self.chars_reused = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.embed_queries(texts)  # vocabulary terms: few, and shared by the copies

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = []
        for i, t in enumerate(texts):
            v = self.cache.get(self.undo(t))
            if v is None:
                todo.append(i)
            else:
                out[i] = v
                self.hits += 1
                self.chars_reused += len(t)
        if todo:
            out[todo] = self.real.embed_documents([texts[i] for i in todo])
            self.misses += len(todo)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


def load_vector_cache(source: Path, embedder) -> dict[str, np.ndarray]:
    stores = Stores(Settings(data_dir=source, database_url="", chroma_url=""), embedder.name, embedder.dim,
                    check_embedder=False, cleanup=False)
    with stores.session() as s:
        from sqlmodel import select

        titles = {r.id: r.title for r in s.exec(select(ReportRow).where(ReportRow.status == "ready")).all()}
        rows = [r for r in s.exec(select(ChunkRow)).all() if r.report_id in titles]
    vectors = stores.vectors.get_vectors([r.vector_id for r in rows])
    cache = {}
    for r in rows:
        v = vectors.get(r.vector_id)
        if v is not None and len(v) == embedder.dim:
            cache[embedding_text(titles[r.report_id], json.loads(r.section_path), r.text)] = v
    return cache


def fake_name(j: int, length: int, avoid: str) -> str:
    for salt in range(len(POOL)):
        k = j + salt * 7919
        name = "".join(POOL[(k // len(POOL) ** i + i * 3) % len(POOL)] for i in range(length))
        if name not in avoid:
            return name
    raise RuntimeError("no fake name fits")


@functools.cache
def _issuer(original: Path) -> str:
    return parse_report(original).meta.issuer or "国务院"


def make_copy(original: Path, j: int, shift: int, out_dir: Path) -> tuple[Path, Callable[[str], str]]:
    """A copy of a report under another issuer and other years, and the function that undoes it on a text."""
    text = original.read_text(encoding="utf-8")
    issuer = _issuer(original)
    core = _ISSUER_SUFFIXES.sub("", issuer)
    core = core if len(core) >= 2 else issuer
    name = fake_name(j, len(core), text + original.name)

    def forward(t: str) -> str:
        return YEAR.sub(lambda m: str(int(m.group(1)) + shift), t.replace(core, name))

    def undo(t: str) -> str:
        return YEAR.sub(lambda m: str(int(m.group(1)) - shift), t).replace(name, core)

    stem, dot, ext = original.name.partition(".")
    stem = FILE_YEAR.sub(lambda m: str(int(m.group(1)) + shift), forward(stem))
    path = out_dir / f"{stem}{dot}{ext}"
    if path.exists() or path.name == original.name:
        path = out_dir / f"{stem}-{j}{dot}{ext}"
    path.write_text(forward(text), encoding="utf-8")
    return path, undo


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_chroma(path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(path.with_suffix(".log"), "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    import urllib.request

    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the Chroma server did not start")


def pg_schema_bytes(engine_url: str, schema: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url)
    with engine.connect() as c:
        got = c.execute(text("select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
                             "join pg_namespace n on n.oid = c.relnamespace where n.nspname = :s and c.relkind = 'r'"),
                        {"s": schema}).scalar()
    engine.dispose()
    return int(got or 0)


def reset_pg_schema(engine_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url)
    with engine.begin() as c:
        c.execute(text(f'drop schema if exists "{schema}" cascade'))
        c.execute(text(f'create schema "{schema}"'))
    engine.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reports", default=str(ROOT.parent / "shared" / "reports"))
    p.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    p.add_argument("--vectors-from", required=True, help="data dir of an index of the real reports (reportbot ingest)")
    p.add_argument("--out", default="bench-out/scale")
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    p.add_argument("--server", action="store_true", help="PostgreSQL + a Chroma server started here")
    p.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    p.add_argument("--originals", type=int, default=0, help="use only the first N real reports (a quick try)")
    p.add_argument("--json", help="write the table as JSON here too")
    args = p.parse_args()

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copies_dir = out / "copies"
    copies_dir.mkdir()
    real = get_embedder(Settings())
    cache = load_vector_cache(Path(args.vectors_from), real)
    print(f"vector cache: {len(cache)} chunks from {args.vectors_from}", file=sys.stderr)

    chroma_proc = None
    if args.server:
        schema = "reportbot_scale"
        reset_pg_schema(args.pg_url, schema)
        chroma_dir = out / "chroma-server"
        chroma_dir.mkdir()
        chroma_proc, chroma_url = start_chroma(chroma_dir)
        settings = Settings(data_dir=out / "data", database_url=f"{args.pg_url}?options=-csearch_path%3D{schema}",
                            chroma_url=chroma_url, chroma_collection="scale")
    else:
        settings = Settings(data_dir=out / "data", database_url="", chroma_url="")
    embedder = ReusingEmbedder(real, cache)
    kb = KnowledgeBase(settings, embedder=embedder)

    originals = [f for f in iter_report_files([Path(args.reports)]) if "originals" not in f.parts]
    originals = originals[:args.originals] if args.originals else originals

    rows = []
    done = 0
    try:
        for size in sorted(args.sizes):
            started = time.perf_counter()
            embedder.hits = embedder.misses = embedder.chars_reused = 0
            failed = 0
            while done < size:
                if done < len(originals):
                    path, undo = originals[done], (lambda t: t)
                else:
                    j = done - len(originals)
                    path, undo = make_copy(originals[j % len(originals)], j, j // len(originals) + 1, copies_dir)
                embedder.undo = undo
                result = kb.ingest_file(path)
                failed += result.status == "failed"
                done += 1
            ingest_s = time.perf_counter() - started
            # a fresh replica's start: the whole index into memory (SQL rows, BM25, vectors)
            load_started = time.perf_counter()
            kb.index.invalidate()
            kb.index.refresh()
            load_s = time.perf_counter() - load_started
            result = evaluate(kb, Path(args.eval))
            lat = [r["latency_ms"] for r in result["rows"]]
            s = result["summary"]
            if args.server:
                disk = pg_schema_bytes(args.pg_url, "reportbot_scale") + dir_size(out / "chroma-server")
            else:
                disk = dir_size(out / "data")
            row = {
                "reports": len(kb.index.reports), "chunks": len(kb.index.chunks), "figures": len(kb.index.figures),
                "step_reports": size - (rows[-1]["reports"] if rows else 0), "failed": failed,
                "ingest_s": round(ingest_s, 1), "vectors_reused": embedder.hits, "vectors_embedded": embedder.misses,
                "chars_reused": embedder.chars_reused,
                "disk_mb": round(disk / 1048576, 1), "load_s": round(load_s, 1),
                "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(s["latency_p95_ms"], 1),
                "hit@5": round(s["hit@5"][0], 3), "values": round(s["values"][0], 3), "refused": round(s["refused"][0], 3),
                "rss_mb": round(rss_mb(), 0), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
            }
            if chroma_proc is not None:
                row["chroma_server_rss_mb"] = round(rss_mb(chroma_proc.pid), 0)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        if chroma_proc is not None:
            chroma_proc.terminate()
            chroma_proc.wait(timeout=30)

    mode = "server (PostgreSQL + Chroma server)" if args.server else "embedded (SQLite + Chroma)"
    print(f"\nmode: {mode}\n")
    print("| reports | chunks | figures | ingest of the step | vectors reused | disk | index load "
          "| p50 | p95 | hit@5 | values | refused | RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['reports']:,} | {r['chunks']:,} | {r['figures']:,} | {r['ingest_s']:.0f} s ({r['step_reports']} reports, "
              f"{r['vectors_embedded']} chunks embedded) | {r['vectors_reused']:,} | {r['disk_mb']:.0f} MB "
              f"| {r['load_s']:.1f} s | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['hit@5']:.3f} | {r['values']:.3f} "
              f"| {r['refused']:.3f} | {r['rss_mb']:.0f} MB |")
    if args.json:
        Path(args.json).write_text(json.dumps({"mode": mode, "rows": rows}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
