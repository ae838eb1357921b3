"""Near-duplicate families: the same passage copied, with small edits, across the corpus.

The scraped corpus holds the same text many times (DOMAIN.md). Retrieval uses
families to keep one copy from crowding out other sources, while every copy
keeps its own source. Similarity is Jaccard over character 3-grams of the text
with whitespace and punctuation removed, estimated by MinHash and found with
MinHashLSH, then confirmed pairwise.
"""
from __future__ import annotations

import unicodedata
from typing import Hashable, Mapping

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 3
DEFAULT_THRESHOLD = 0.7  # the DUP_THRESHOLD setting's default

# datasketch 2 changed its default permutation scheme; a stored signature
# says which one made it, so a future change is detected instead of silently
# producing wrong similarities. Layout: b"mh1" + scheme code + num_perm
# little-endian uint32 hash values.
_SCHEME = "affine32"
_HEADER = b"mh1\x01"
_DTYPE = np.dtype("<u4")
_SIGNATURE_BYTES = len(_HEADER) + NUM_PERM * _DTYPE.itemsize


def normalise(text: str) -> str:
    """The text with whitespace, punctuation and symbols removed (full- or half-width)."""
    return "".join(
        c for c in unicodedata.normalize("NFKC", text)
        if not c.isspace() and unicodedata.category(c)[0] not in "PSZC"
    )


def shingles(text: str) -> set[str]:
    s = normalise(text)
    if len(s) < SHINGLE:
        return {s} if s else set()
    return {s[i : i + SHINGLE] for i in range(len(s) - SHINGLE + 1)}


def signature(text: str) -> bytes:
    """A serialisable MinHash of ``text``; ``b""`` for a text with nothing to compare."""
    grams = shingles(text)
    if not grams:
        return b""
    m = MinHash(num_perm=NUM_PERM, scheme=_SCHEME)
    m.update_batch([g.encode("utf-8") for g in grams])
    return _HEADER + np.asarray(m.hashvalues).astype(_DTYPE).tobytes()


def is_current(sig: bytes | None) -> bool:
    """True if ``sig`` was made by this version of :func:`signature` (or is empty)."""
    return sig is not None and (sig == b"" or (len(sig) == _SIGNATURE_BYTES and sig.startswith(_HEADER)))


def _hashvalues(sig: bytes) -> np.ndarray:
    if not sig.startswith(_HEADER) or len(sig) != _SIGNATURE_BYTES:
        raise ValueError("not a MinHash signature made by ingest.families.signature()")
    return np.frombuffer(sig, dtype=_DTYPE, offset=len(_HEADER))


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 if either text was empty)."""
    if not a or not b:
        return 0.0
    return float(np.mean(_hashvalues(a) == _hashvalues(b)))


def families(items: Mapping[Hashable, bytes], threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Group ids whose signatures are near-duplicates; id → family id.

    Candidates come from MinHashLSH; a pair joins a family only if its
    estimated Jaccard is at least ``threshold`` (families are the transitive
    closure of such pairs). A family's id is its smallest member id, so it is
    stable however the items are ordered; a singleton's family is itself.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    parent: dict = {key: key for key in items}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            # The smaller id becomes the root, so the root is the family id.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra

    values = {key: _hashvalues(sig) for key, sig in items.items() if sig}
    if len(values) > 1:
        # The candidates are MinHashLSH's (pairs that agree on a whole band), but found by
        # walking each band's buckets: querying the index once per item costs n² when one
        # passage is copied n times (a boilerplate heading repeated across thousands of files).
        for start, end in MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges:
            buckets: dict[bytes, list] = {}
            for key, hv in values.items():
                buckets.setdefault(hv[start:end].tobytes(), []).append(key)
            for members in buckets.values():
                if len(members) > 1:
                    _join(members, values, threshold, find, union)
    return {key: find(key) for key in items}


def _join(members: list, values: Mapping, threshold: float, find, union) -> None:
    """Union every pair of ``members`` (one LSH bucket) whose estimated Jaccard reaches ``threshold``.

    Members are grouped by family as they are seen; a new member is compared with a family
    until one of its members passes, so a bucket of n copies of one text costs n comparisons,
    and every pair that is not yet in one family is still checked, as pairwise would.
    """
    groups: dict = {}  # family root → the bucket's members seen so far in that family
    for key in members:
        mine = groups.pop(find(key), [])
        mine.append(key)
        for root in list(groups):
            if any(float(np.mean(values[key] == values[other])) >= threshold for other in groups[root]):
                union(key, root)
                other = groups.pop(root)
                if len(other) > len(mine):
                    mine, other = other, mine
                mine.extend(other)
        groups[find(key)] = mine
