"""Crash safety: ``plandraft ingest`` killed with SIGKILL at random points leaves a consistent store.

Each trial edits a few of the input files, starts the real command (real m3e-small embedder,
embedded Chroma) and kills it after a random delay drawn over the length of a whole run, so
kill points land during start-up, parsing, model loading, embedding, Chroma upserts, the
catalog commit, cleanup and the family refresh.  After every kill the catalog, the lexical
index (chunk_tokens) and Chroma must agree, and every file must be stored whole — either its
previous version or its new one — or not at all.  Trials run in two independent chains (two
data directories) side by side.  A final un-killed run must finish and report exactly the
files that were still to do.
"""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from hostile_inputs import PLAN
from ingest.pipeline import source_key
from reliability_support import ROOT, cli_env, consistency, expected_contents
from plandraft import settings
from plandraft.resources import make_embedder
from vectorstore.store import CorpusStore

pytestmark = pytest.mark.slow

KILLS = 20  # kill trials in all, over the chains
CHAINS = 2
FILES = 6
MAX_TRIALS = 40  # a trial whose run ends before its kill does not count; bound the total anyway
_CHECK_LOCK = threading.Lock()  # one Chroma reader at a time in this process
ENV = {"PLANDRAFT_EMBEDDING_BATCH": "4", "TOKENIZERS_PARALLELISM": "false"}


def plan_version(number: int, version: int) -> str:
    """File ``number`` at ``version``: same shape, different words, so chunk ids change."""
    text = PLAN.replace("青禾镇", f"第{number}镇") + f"附：本计划第{number}份，第{version}稿。\n"
    if version % 2:
        text += f"四、做好宣传信息工作\n及时报送工作动态，第{version}稿增加了这一部分，讲好委员履职故事。\n"
    return text


class Chain:
    """One data directory, its input files and what the store is known to hold."""

    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.data_dir = root / "store"
        self.folder = root / "in"
        self.folder.mkdir(parents=True)
        self.paths = [self.folder / f"plan{n}.txt" for n in range(FILES)]
        self.version = {p: 0 for p in self.paths}
        self.known: dict[str, object] = {source_key(p): None for p in self.paths}
        self.full_run = 15.0
        self.kills: list[dict] = []
        self.completed_trials = 0
        self.problems: list[str] = []
        self.pending = 0

    def write(self, path: Path) -> None:
        path.write_text(plan_version(self.paths.index(path), self.version[path]), encoding="utf-8")

    def run(self, kill_after: float | None):
        proc = subprocess.Popen(
            [sys.executable, "-m", "plandraft.cli", "ingest", str(self.folder), "--json"],
            cwd=ROOT, env=cli_env(self.data_dir, **ENV),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        t0 = time.monotonic()
        try:
            out, err = proc.communicate(timeout=kill_after)
            return proc.returncode, out, err, time.monotonic() - t0, False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=60)
            return proc.returncode, out, err, time.monotonic() - t0, True

    def expected_now(self) -> dict:
        return {s: (docs, chunks) for s, (docs, chunks) in expected_contents(self.paths).items()}

    def check(self, acceptable: dict):
        with _CHECK_LOCK:
            return consistency(self.data_dir, acceptable)

    def start(self) -> None:
        """Version 0 of every file, ingested by an un-killed run that also times a full run."""
        for p in self.paths:
            self.write(p)
        code, out, err, seconds, _ = self.run(None)
        assert code == 0, err[-2000:]
        self.full_run = seconds
        result = self.check(self.expected_now())
        assert result.ok and len(result.complete) == FILES, result.problems[:5]
        self.known = {s: result.state[s] for s in self.known}

    def trial(self) -> None:
        changed = self.rng.sample(self.paths, self.rng.randint(1, 3))
        for p in changed:
            self.version[p] += 1
            self.write(p)
        new = self.expected_now()
        acceptable = {s: [self.known[s], new[s]] for s in new}
        # Mostly past start-up (imports take the first ~10% of a run), sometimes anywhere.
        fraction = self.rng.uniform(0.0, 1.0) if self.rng.random() < 0.2 else self.rng.uniform(0.12, 1.0)
        delay = fraction * self.full_run
        code, out, err, seconds, killed = self.run(delay)
        if not killed:
            assert code == 0, err[-2000:]
            self.completed_trials += 1
            self.full_run = max(self.full_run * 0.8, seconds)
        result = self.check(acceptable)
        self.problems += result.problems
        if killed:
            updated = sum(1 for s in new if result.state.get(s) == (frozenset(new[s][0]), frozenset(new[s][1])) and self.known[s] != result.state.get(s))
            self.kills.append({
                "at": round(delay, 2),
                "files_to_store": sum(1 for s in new if self.known[s] != (frozenset(new[s][0]), frozenset(new[s][1]))),
                "files_stored": updated,
                "pending_vectors": result.pending - self.pending,
                "orphan_vectors": result.orphan_vectors,
                "problems": len(result.problems),
            })
        self.known = {s: result.state.get(s) for s in self.known}
        self.pending = result.pending

    def finish(self) -> dict:
        """An un-killed run: it must finish and report exactly the files still to do."""
        final = self.expected_now()
        todo = {s for s in final if self.known[s] != (frozenset(final[s][0]), frozenset(final[s][1]))}
        code, out, err, _, _ = self.run(None)
        assert code == 0, err[-2000:]
        report = json.loads(out)
        assert set(report["unchanged"]) == set(final) - todo
        reported_new = {d["source"] for d in report["documents"]} - set(report["unchanged"])
        assert reported_new == todo
        assert report["errors"] == []
        result = self.check(final)
        assert result.ok and sorted(result.complete) == sorted(final), result.problems[:5]
        # Old vectors of a file whose new version was committed just before a kill are never
        # pending, so only vacuum() finds them; it must leave nothing unreferenced.
        # The embedder the command itself used (the settings' backend and precision), so the
        # store's record of who built it matches.
        embedder = make_embedder(settings.load({"DATA_DIR": str(self.data_dir)}))
        with _CHECK_LOCK, CorpusStore(self.data_dir, embedder=embedder) as store:
            vacuumed = store.vacuum()
        after = self.check(final)
        assert after.ok and after.orphan_vectors == 0 and after.pending == 0, after.problems[:5]
        return {"todo": len(todo), "orphans_before_vacuum": result.orphan_vectors, "vacuumed": vacuumed,
                "unreachable_vectors": len(after.unreachable)}


def test_sigkill_during_ingest_leaves_a_consistent_store(tmp_path):
    chains = [Chain(tmp_path / f"chain{n}", seed=20260 + n) for n in range(CHAINS)]
    errors: list[BaseException] = []
    finals: list[dict] = []

    def drive(chain: Chain, kills: int) -> None:
        try:
            chain.start()
            trials = 0
            while len(chain.kills) < kills and trials < MAX_TRIALS // CHAINS:
                chain.trial()
                trials += 1
            finals.append(chain.finish())
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    threads = [threading.Thread(target=drive, args=(c, KILLS // CHAINS)) for c in chains]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]

    kills = [k for c in chains for k in c.kills]
    problems = [p for c in chains for p in c.problems]
    phases = Counter(
        "during embedding/upserts (new vectors pending)" if k["pending_vectors"] > 0 else
        "before anything was stored" if k["files_stored"] == 0 else
        "after every file was stored (cleanup, families)" if k["files_stored"] == k["files_to_store"] else
        "between files"
        for k in kills
    )
    summary = {
        "kills": len(kills),
        "completed_trials": sum(c.completed_trials for c in chains),
        "inconsistencies": len(problems),
        "kill_points": dict(phases),
        "full_run_seconds": [round(c.full_run, 1) for c in chains],
        "final_runs": finals,
    }
    print("\ncrash trials:", json.dumps(summary, ensure_ascii=False))
    (tmp_path / "summary.json").write_text(json.dumps({"summary": summary, "kills": kills}, ensure_ascii=False, indent=1))
    assert len(kills) >= KILLS, summary
    assert problems == [], problems[:10]
