#!/usr/bin/env python3
"""The production profile under load, on this machine: PostgreSQL (a throwaway cluster), a `chroma
run` server and gunicorn with 4 workers (as `make serve-prod`), the samples ingested with the real
embedder, then scripts/load_test.py (drafts, searches, saves of versions) while another process
ingests a folder of new plans, as a cron ingest would.  Afterwards the versions are counted in
PostgreSQL against what the clients were told (acknowledged 201s).

    .venv/bin/python scripts/load_prod.py                       # 20 clients × 60 s, ingest alongside
    .venv/bin/python scripts/load_prod.py --scale 100 --search-only --clients 4
                                                                # search latency over a 100× corpus

The servers use the test support's starters (tests/server_support.py) and stop at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "scripts"), str(ROOT)]

from bench_search import synthesize  # noqa: E402
from benchlib import machine  # noqa: E402
from server_support import Cluster, Gunicorn, chroma, cli, postgres_bin  # noqa: E402

ON_TOPIC_SAMPLE_DOCS = 33  # documents the sample corpus gives the synthesizer (bench_search: 3,283 at 100×)


def count_versions(cluster: Cluster, database: str, acknowledged: list[list]) -> dict:
    rows = cluster.sql("SELECT draft_id, number FROM draft_versions ORDER BY draft_id, number", database=database)
    by_draft: dict[str, list[int]] = {}
    for draft_id, number in rows:
        by_draft.setdefault(draft_id, []).append(number)
    gaps = [d for d, ns in by_draft.items() if ns != list(range(1, len(ns) + 1))]
    stored = {(d, n) for d, ns in by_draft.items() for n in ns}
    acked = [tuple(a) for a in acknowledged]
    return {
        "drafts": len(by_draft),
        "versions": len(rows),
        "saves_acknowledged": len(acked),
        "acknowledged_twice": len(acked) - len(set(acked)),
        "acknowledged_missing": len(set(acked) - stored),
        "drafts_with_gaps_or_duplicates": len(gaps),
        # Every request was answered (no kill here), so every version beyond a draft's first is one acknowledged save.
        "versions_nobody_was_told_of": len(rows) - len(by_draft) - len(set(acked)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--draft-share", type=float, default=0.25)
    ap.add_argument("--save-share", type=float, default=0.25)
    ap.add_argument("--ingest-docs", type=int, default=60, help="new plans another process ingests during the load (0: none)")
    ap.add_argument("--scale", type=int, default=0, help="also ingest a synthetic corpus this many times the sample before the load")
    ap.add_argument("--search-only", action="store_true", help="searches only (no drafts, saves or ingest alongside)")
    ap.add_argument("--workdir", type=Path, help="keep the data here (default: a temporary folder)")
    args = ap.parse_args()
    if postgres_bin() is None:
        raise SystemExit("load_prod: Debian's PostgreSQL is not installed (make postgres-deps)")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="prod-load-"))
    work.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(postgres_bin()).start()
    report: dict = {"machine": machine(), "clients": args.clients, "workers": args.workers, "threads": args.threads}
    try:
        database = cluster.create()
        with chroma(work / "chroma") as chroma_url:
            env = {"PLANDRAFT_DATA_DIR": str(work / "data"), "PLANDRAFT_CHROMA_URL": chroma_url,
                   "PLANDRAFT_DATABASE_URL": cluster.url(database), "PLANDRAFT_WARM_START": "on"}
            t0 = time.monotonic()
            cli(["ingest", str(ROOT / "data" / "samples")], env)
            if args.scale:
                corpus = work / f"synthetic-{args.scale}x"
                corpus.mkdir(exist_ok=True)
                synthesize(corpus, args.scale * ON_TOPIC_SAMPLE_DOCS)
                cli(["ingest", str(corpus)], env, timeout=6 * 3600)
            report["ingest_before_s"] = round(time.monotonic() - t0, 1)
            report["chunks"] = catalog_chunks(work / "data")
            cli(["users", "add", "loadtest", "--role", "staff"], env, stdin="load-test-only\n")
            token = cli(["users", "token", "loadtest"], env).strip().split()[-1]
            t0 = time.monotonic()
            server = Gunicorn(env, work / "gunicorn.log", workers=args.workers, threads=args.threads).start(seconds=900)
            report["start_s"] = round(time.monotonic() - t0, 1)
            ingest = None
            try:
                if args.ingest_docs and not args.search_only:
                    extra = work / "arriving"
                    extra.mkdir(exist_ok=True)
                    synthesize(extra, args.ingest_docs, seed=15)
                    ingest = subprocess.Popen([sys.executable, "-m", "plandraft.cli", "ingest", str(extra), "--json"], cwd=ROOT,
                                              env={**os.environ, "HF_HUB_OFFLINE": "1", **env}, stdout=subprocess.PIPE, text=True)
                    ingest_started = time.monotonic()
                report["load_average_before"] = os.getloadavg()
                record = work / "acknowledged.json"
                shares = ["--draft-share", "0", "--save-share", "0"] if args.search_only else [
                    "--draft-share", str(args.draft_share), "--save-share", str(args.save_share)]
                load = subprocess.run(
                    [sys.executable, str(ROOT / "scripts" / "load_test.py"), server.url, "--token", token, "--json",
                     "--clients", str(args.clients), "--seconds", str(args.seconds), "--record", str(record), *shares],
                    capture_output=True, text=True, timeout=args.seconds + 900)
                report["load_average_after"] = os.getloadavg()
                if load.returncode not in (0, 1):
                    raise SystemExit(f"load_test failed: {load.stderr[-2000:]}")
                report["load"] = json.loads(load.stdout)
                if ingest is not None:
                    out, _ = ingest.communicate(timeout=3600)
                    done = json.loads(out)
                    report["ingest_alongside"] = {
                        "files": args.ingest_docs, "exit": ingest.returncode, "seconds": round(time.monotonic() - ingest_started, 1),
                        "documents": len(done.get("documents", [])), "errors": len(done.get("errors", [])),
                    }
                report["versions"] = count_versions(cluster, database, json.loads(record.read_text()))
            finally:
                if ingest is not None and ingest.poll() is None:
                    ingest.kill()
                server.stop()
    finally:
        cluster.stop()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    errors = report.get("load", {}).get("endpoints", {}).get("all", {}).get("errors")
    v = report.get("versions", {})
    bad = errors or v.get("acknowledged_missing") or v.get("acknowledged_twice") or v.get("drafts_with_gaps_or_duplicates")
    return 1 if bad else 0


def catalog_chunks(data_dir: Path) -> int:
    """Chunks in the catalog (the corpus size the search figures are for)."""
    import sqlite3

    with sqlite3.connect(data_dir / "catalog.sqlite") as db:
        return db.execute("SELECT count(*) FROM chunks").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
