"""One search: query + filters → ranked, deduplicated chunks with scores and provenance.

Hybrid by default: dense (the configured embedder, through Chroma) and BM25 (jieba words and
character bigrams), each scaled to 0..1 over its candidates and averaged.  Then a
near-duplicate family appears once, with its other sources listed, and MMR keeps the top-k
varied.  Off-topic documents never appear unless asked for.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from vectorstore.glossary import expand
from ingest.tokens import char_bigrams, jaccard
from vectorstore.lexical import BM25Index

# Where to look when the requested level has too little (DOMAIN.md's table: the nearest
# bodies in size and vocabulary first).
LEVEL_NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "乡镇": ("街道", "县区"),
    "街道": ("乡镇", "县区"),
    "县区": ("市", "街道", "乡镇"),
    "市": ("县区", "省"),
    "省": ("市",),
    "界别专委": ("县区", "市"),
}
MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("mean", "rrf")
_RRF_K = 60  # the constant of Cormack et al.'s reciprocal-rank fusion
# Hybrid score = the mean of the dense and BM25 scores, each min-max scaled over its own
# candidates.  Equal weights, not tuned: against reciprocal-rank fusion it keeps how far
# ahead the best match is (a pasted sentence's BM25 score towers over the rest, which RRF
# reduced to "rank 1" and needed a separate boost for), and it scored higher on both query
# sets (docs/benchmarks.md).
_W_DENSE = 0.5
_MAX_LISTED_COPIES = 50
# A chunk with this share of its character pairs inside another (or holding this share of the
# other's) repeats it, chunked differently; below the minimum size a chunk is too short to tell.
_CONTAINED, _MIN_PAIRS_FOR_COPY = 0.8, 20


@dataclass
class SearchFilters:
    level: str | None = None
    kinds: tuple[str, ...] | None = None
    year_from: int | None = None
    year_to: int | None = None
    section_role: str | None = None
    on_topic_only: bool = True
    exclude_docs: tuple[str, ...] = ()
    own_docs: tuple[str, ...] = ()  # the requester's own documents: searched as of its level, whatever their label
    fallback: bool = True  # fill from neighbouring levels when the level has too little


@dataclass
class FamilyMember:
    chunk_id: str
    doc_id: str
    doc_title: str
    source: str


@dataclass
class SearchResult:
    chunk_id: str
    doc_id: str
    doc_title: str
    source: str
    text: str
    score: float
    level: str
    year: int | None
    kind: str
    section_role: str
    heading_path: list[str]
    span: tuple[int, int]
    family_id: str
    doc_family_id: str
    placeholders: list[str] = field(default_factory=list)
    foreign_names: list[str] = field(default_factory=list)
    also_in: list[FamilyMember] = field(default_factory=list)  # the family's other copies
    level_tier: int = 0  # 0: the requested level, 1: a neighbour, 2: any other

    def to_dict(self) -> dict:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "source": self.source,
            "text": self.text,
            "score": round(self.score, 6),
            "level": self.level,
            "year": self.year,
            "kind": self.kind,
            "section_role": self.section_role,
            "heading_path": self.heading_path,
            "family_id": self.family_id,
            "also_in": [m.__dict__ for m in self.also_in],
        }


class _Snapshot:
    """Every chunk with its document's metadata, as arrays for fast filtering."""

    def __init__(self, store):
        # Read the generation first: a commit landing while the rows below are read then makes
        # the snapshot look old, so the next search rebuilds it instead of keeping it for good.
        self.generation = store.generation()
        docs = {d.id: d for d in store.documents()}
        chunks = [c for c in store.chunks() if c.doc_id in docs]
        self.chunks = chunks
        self.docs = docs
        self.index_of = {c.id: i for i, c in enumerate(chunks)}
        self.level = np.array([docs[c.doc_id].level for c in chunks], dtype=object)
        self.kind = np.array([docs[c.doc_id].kind for c in chunks], dtype=object)
        self.role = np.array([c.section_role for c in chunks], dtype=object)
        self.on_topic = np.array([bool(docs[c.doc_id].on_topic) for c in chunks], dtype=bool)
        self.year = np.array([docs[c.doc_id].year or 0 for c in chunks], dtype=np.int32)
        self.doc_id = np.array([c.doc_id for c in chunks], dtype=object)
        self.family = [c.family_id or c.id for c in chunks]
        self.members: dict[str, list[int]] = {}
        for i, fam in enumerate(self.family):
            self.members.setdefault(fam, []).append(i)
        tokens = store.chunk_tokens()
        self.bm25 = BM25Index([c.id for c in chunks], [tokens.get(c.id, []) for c in chunks])
        counts = getattr(store, "signal_counts", dict)()  # fakes in unit tests have none
        self.signals = [counts.get(c.id, 0) for c in chunks]  # faults ingest found in each chunk's units
        self.bigrams = [None] * len(chunks)  # filled lazily for MMR
        self.tier_cache: dict[tuple, np.ndarray] = {}

    def cleanest(self, members: list[int], default: int) -> int:
        """Of copies of one passage, the one with fewest signals; among equals, the best-scoring
        one (``default``), then the most complete text."""
        if not members:
            return default
        return min(members, key=lambda j: (self.signals[j], j != default, -len(self.chunks[j].text)))

    def grams(self, i: int) -> set[str]:
        g = self.bigrams[i]
        if g is None:
            g = char_bigrams(self.chunks[i].text)
            self.bigrams[i] = g
        return g


class Searcher:
    """Hybrid search over a CorpusStore.  Thread-safe; rebuilds its lexical index when the store changes."""

    def __init__(self, store, *, candidates: int = 60, mmr_lambda: float = 0.75, use_glossary: bool = True,
                 use_units: bool = True, fusion: str = "mean", dense_weight: float = _W_DENSE, collapse_copies: bool = True):
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}")
        self.store = store
        self.fusion = fusion  # "rrf" is kept for the ablation in scripts/bench_fusion.py
        self.dense_weight = dense_weight
        self.collapse_copies = collapse_copies  # off only for the ablation in scripts/bench_fusion.py
        self.candidates = candidates
        self.mmr_lambda = mmr_lambda
        self.use_glossary = use_glossary  # plain words → 公文 terms (vectorstore/glossary.py)
        self.use_units = use_units  # sentence vectors beside chunk vectors
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> _Snapshot:
        generation = self.store.generation()
        snap = self._snapshot
        if snap is None or snap.generation != generation:
            with self._lock:
                snap = self._snapshot
                if snap is None or snap.generation != generation:
                    snap = _Snapshot(self.store)
                    self._snapshot = snap
        return snap

    # -- the one search -------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None, mode: str = "hybrid", diversify: bool = True) -> list[SearchResult]:
        """Ranked results for ``query``; see the module docstring for what "ranked" means."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        filters = filters or SearchFilters()
        snap = self.snapshot()
        if not snap.chunks or not query.strip():
            return []
        tiers = self._tiers(snap, filters)
        allowed = tiers < 3
        fused = self._fused(snap, query, allowed, mode)
        if not fused:
            return []
        order = sorted(fused, key=lambda i: -fused[i])
        picked: list[int] = []
        copies: dict[int, list[int]] = {}  # a result → candidates repeating it, chunked differently
        seen_families: set[str] = set()
        for tier in (0, 1, 2):
            if tier > 0 and (not filters.fallback or len(picked) >= k):
                break
            pool = [i for i in order if tiers[i] == tier and snap.family[i] not in seen_families]
            # Collapse families: the family's best score, shown on its cleanest copy (fewest
            # signals ingest found — a damaged copy never stands for a clean one).
            uniq: list[int] = []
            for i in pool:
                if snap.family[i] in seen_families:
                    continue
                seen_families.add(snap.family[i])
                rep = snap.cleanest([j for j in snap.members[snap.family[i]] if tiers[j] == tier], i)
                fused[rep] = max(fused.get(rep, 0.0), fused[i])
                uniq.append(rep)
            need = k - len(picked)
            chosen = self._select(snap, uniq, fused, need, picked, copies, diversify)
            picked.extend(chosen)
            for i in uniq:
                if i not in chosen:
                    seen_families.discard(snap.family[i])
            for i in chosen:
                seen_families.add(snap.family[i])
        return [self._result(snap, i, fused[i], int(tiers[i]), copies.get(i, [])) for i in picked[:k]]

    def _tiers(self, snap: _Snapshot, f: SearchFilters) -> np.ndarray:
        """0 for the requested level, 1 for neighbours, 2 for the rest, 3 for excluded (cached per filter)."""
        key = (f.level, f.kinds, f.year_from, f.year_to, f.section_role, f.on_topic_only, f.exclude_docs, f.own_docs)
        tiers = snap.tier_cache.get(key)
        if tiers is None:
            tiers = self._compute_tiers(snap, f)
            if len(snap.tier_cache) < 256:
                snap.tier_cache[key] = tiers
        return tiers

    def _compute_tiers(self, snap: _Snapshot, f: SearchFilters) -> np.ndarray:
        n = len(snap.chunks)
        ok = np.ones(n, dtype=bool)
        if f.on_topic_only:
            ok &= snap.on_topic
        if f.kinds:
            ok &= np.isin(snap.kind, list(f.kinds))
        if f.section_role:
            ok &= snap.role == f.section_role
        if f.year_from is not None:
            ok &= snap.year >= f.year_from
        if f.year_to is not None:
            ok &= (snap.year <= f.year_to) & (snap.year > 0)
        if f.exclude_docs:
            ok &= ~np.isin(snap.doc_id, list(f.exclude_docs))
        tiers = np.full(n, 2, dtype=np.int8)
        if f.level:
            tiers[snap.level == f.level] = 0
            neighbours = list(LEVEL_NEIGHBOURS.get(f.level, ()))
            if neighbours:
                tiers[np.isin(snap.level, neighbours)] = 1
        else:
            tiers[:] = 0
        if f.own_docs:
            tiers[np.isin(snap.doc_id, list(f.own_docs))] = 0
        tiers[~ok] = 3
        return tiers

    def _fused(self, snap: _Snapshot, query: str, allowed: np.ndarray, mode: str) -> dict[int, float]:
        """Chunk index → score: dense and BM25 scores scaled to 0..1, then averaged (hybrid)."""
        expanded = expand(query) if self.use_glossary else query
        lexical: dict[int, float] = {}
        dense: dict[int, float] = {}
        if mode in ("hybrid", "bm25"):
            lexical = {snap.index_of[cid]: s for cid, s in snap.bm25.top(expanded, self.candidates, allowed)}
        if mode in ("hybrid", "dense"):
            dense = self._dense_scores(snap, expanded, allowed)
        scale = _reciprocal_ranks if self.fusion == "rrf" else _scaled
        lexical, dense = scale(lexical), scale(dense)
        w = {"hybrid": self.dense_weight, "dense": 1.0, "bm25": 0.0}[mode]
        return {i: w * dense.get(i, 0.0) + (1 - w) * lexical.get(i, 0.0) for i in lexical.keys() | dense.keys()}

    def _dense_scores(self, snap: _Snapshot, query: str, allowed: np.ndarray) -> dict[int, float]:
        """The best chunks by the mean of their own similarity and their best sentence's."""
        vector = self.store.embedder.embed_query(query)
        # Filtering happens here, against the catalog (corrections by hand included),
        # not in Chroma's metadata; so ask Chroma for a wider pool.
        if self.use_units:
            chunk_sims, unit_sims = self.store.dense_search_both(vector, self.candidates * 10)
        else:
            chunk_sims, unit_sims = dict(self.store.dense_search(vector, self.candidates * 4)), {}
        floor_c = min(chunk_sims.values(), default=0.0)
        floor_u = min(unit_sims.values(), default=floor_c)
        scored = []
        for cid in set(chunk_sims) | set(unit_sims):
            i = snap.index_of.get(cid)
            if i is None or not allowed[i]:
                continue
            c = chunk_sims.get(cid, floor_c)
            scored.append(((c + unit_sims.get(cid, floor_u)) / 2 if self.use_units else c, i))
        scored.sort(reverse=True)
        return {i: score for score, i in scored[: self.candidates]}

    def _select(self, snap: _Snapshot, pool: list[int], fused: dict[int, float], need: int, kept: list[int],
                copies: dict[int, list[int]], diversify: bool) -> list[int]:
        """Up to ``need`` of ``pool``, best first (MMR when ``diversify``), none a copy of another.

        Families catch copies chunked alike; a passage that is one chunk in one plan and part
        of a longer chunk in another is caught here: a candidate whose character pairs lie
        mostly inside a result already kept is listed with it (``copies``) instead.
        """
        chosen: list[int] = []
        pool = pool[: max(need * 4, 20)] if diversify else list(pool)
        top = max((fused[i] for i in pool), default=0.0) or 1.0  # scaled scores may all be 0 in a fallback tier
        while pool and len(chosen) < need:
            if diversify:
                best = max(pool, key=lambda i: self.mmr_lambda * fused[i] / top - (1 - self.mmr_lambda) * max(
                    (jaccard(snap.grams(i), snap.grams(j)) for j in chosen), default=0.0))
            else:
                best = pool[0]
            pool.remove(best)
            host = _copy_of(snap, best, kept + chosen) if self.collapse_copies else None
            if host is None:
                chosen.append(best)
            elif host in chosen and snap.cleanest([host, best], host) == best:
                # The same passage chunked another way, and this copy is the clean one: it
                # takes the place, the damaged one is listed with it.
                chosen[chosen.index(host)] = best
                copies.setdefault(best, []).extend([host, *copies.pop(host, [])])
            else:
                copies.setdefault(host, []).append(best)
        return chosen

    def _result(self, snap: _Snapshot, i: int, score: float, tier: int, contained: list[int]) -> SearchResult:
        c = snap.chunks[i]
        d = snap.docs[c.doc_id]
        # A passage copied into hundreds of files lists its first copies, not all of them.
        copies = [j for f in [snap.family[i]] + [snap.family[c] for c in contained] for j in snap.members.get(f, [])[: _MAX_LISTED_COPIES + 1]]
        others = [
            FamilyMember(snap.chunks[j].id, snap.chunks[j].doc_id, snap.docs[snap.chunks[j].doc_id].title, snap.chunks[j].source)
            for j in dict.fromkeys(copies)
            if j != i
        ][:_MAX_LISTED_COPIES]
        return SearchResult(
            chunk_id=c.id,
            doc_id=c.doc_id,
            doc_title=d.title,
            source=c.source,
            text=c.text,
            score=score,
            level=d.level,
            year=d.year,
            kind=d.kind,
            section_role=c.section_role,
            heading_path=list(c.heading_path),
            span=tuple(c.span),
            family_id=snap.family[i],
            doc_family_id=d.family_id or d.id,
            placeholders=list(c.placeholders),
            foreign_names=list(c.foreign_names),
            also_in=others,
            level_tier=tier,
        )


def _copy_of(snap: _Snapshot, i: int, kept: list[int]) -> int | None:
    """The kept result whose text holds most of candidate ``i``'s character pairs, or of
    whose pairs ``i`` holds most (one passage chunked two ways), if there is one."""
    mine = snap.grams(i)
    for j in kept:
        theirs = snap.grams(j)
        smaller = min(len(mine), len(theirs))
        if smaller >= _MIN_PAIRS_FOR_COPY and len(mine & theirs) >= _CONTAINED * smaller:
            return j
    return None


def _scaled(scores: dict[int, float]) -> dict[int, float]:
    """Min-max scaling over one ranking's candidates (all 1.0 when they tie)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    return {i: (v - lo) / (hi - lo) if hi > lo else 1.0 for i, v in scores.items()}


def _reciprocal_ranks(scores: dict[int, float]) -> dict[int, float]:
    """1 / (k + rank): reciprocal-rank fusion's view of one ranking."""
    order = sorted(scores, key=lambda i: -scores[i])
    return {i: 1.0 / (_RRF_K + r + 1) for r, i in enumerate(order)}
