"""ONNX Runtime and OpenVINO runs of a sentence-transformers model, exported once from its folder.

sentence-transformers' own ``backend="onnx"|"openvino"`` goes through optimum, whose ONNX
exporter (optimum-onnx 0.1) requires transformers < 4.58 while this project runs
transformers 5; so the export is done here, with ``torch.onnx.export``, of the whole
sentence-transformers pipeline (transformer, pooling and any Dense/Normalize modules), and
run with the plain runtimes.  The graph takes the tokenizer's arrays and gives the
sentence embedding, so the runtime needs only the tokenizer at query time, not torch.

OpenVINO is given the model by its own PyTorch frontend instead (``openvino-float32-v1/``
beside the ONNX file): that keeps each attention block one ScaledDotProductAttention op, which
the ONNX graph spells out in MatMuls and a Softmax, and ran about 10% faster here at fp32
with the same vectors (docs/benchmarks.md).

Exports live under ``<cache>/<model folder name>-<sha256 of its files>/``: a model edited in
place gets a new folder, never a stale graph.  int8 is ONNX Runtime's dynamic quantisation
(weights int8, activations quantised per batch): it needs no calibration texts, so no data
set is read from anywhere.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

# Files that do not change the vectors; a README edit must not force a new export.
_NOT_WEIGHTS = {".gitattributes", "README.md", "LICENSE", "LICENSE.txt"}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Bump when the exported graph changes shape or meaning, so old caches are not reused.
EXPORT_FORMAT = 1
OPENVINO_FORMAT = 1


class RuntimeMissing(RuntimeError):
    """The package a backend needs is not installed; the message says which."""


def model_fingerprint(folder: Path) -> str:
    """SHA-256 over the model folder's files (names and bytes), README and licence aside."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel in _NOT_WEIGHTS or rel.startswith("."):
            continue
        digest.update(rel.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def export_dir(cache_root: Path, folder: Path, fingerprint: str) -> Path:
    return Path(cache_root) / f"{Path(folder).name}-{fingerprint[:16]}"


def ensure_exported(st, folder: Path, cache_root: Path, fingerprint: str, precision: str) -> Path:
    """The ONNX file for ``precision`` ("float32" or "int8"), exported on first use.

    ``st`` is the model loaded in torch float32 (only needed when nothing is cached yet).
    Written to a temporary name and renamed, so a crash never leaves a half file in place.
    """
    target = export_dir(cache_root, folder, fingerprint)
    target.mkdir(parents=True, exist_ok=True)
    fp32 = target / f"model-float32-v{EXPORT_FORMAT}.onnx"
    if not fp32.is_file():
        _export_fp32(st() if callable(st) else st, fp32)
        _record(target, folder, fingerprint)
    if precision == "float32":
        return fp32
    if precision != "int8":
        raise ValueError(f"no ONNX export for precision {precision!r}")
    int8 = target / f"model-int8-v{EXPORT_FORMAT}.onnx"
    if not int8.is_file():
        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError as exc:
            raise RuntimeMissing(f"int8 needs onnxruntime's quantisation tools and `onnx` (pip install onnx): {exc}") from exc
        with _temporary(int8) as tmp:
            # Signed int8 weights suit VNNI (AVX-512 or AVX-VNNI); on older CPUs ONNX Runtime
            # falls back to slower kernels but the numbers are the same.
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
    return int8


def ensure_openvino(st, folder: Path, cache_root: Path, fingerprint: str) -> Path:
    """The OpenVINO model (``model.xml`` and its weights), converted on first use.

    Converted in a temporary folder that is renamed into place whole, so a crash or a second
    worker converting at the same moment never leaves half a model where a run would read it.
    The weights stay float32 (``save_model`` halves them to fp16 unless told not to); bf16 is
    chosen when the model is compiled, not stored.
    """
    target = export_dir(cache_root, folder, fingerprint)
    model_dir = target / f"openvino-float32-v{OPENVINO_FORMAT}"
    xml = model_dir / "model.xml"
    if xml.is_file():
        return xml
    try:
        import openvino as ov
    except ImportError as exc:
        raise RuntimeMissing(f"PLANDRAFT_EMBEDDING_BACKEND=openvino needs openvino (pip install --no-deps openvino openvino-telemetry): {exc}") from exc
    import torch

    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target, prefix=model_dir.name + ".", suffix=".tmp"))
    try:
        model = st() if callable(st) else st
        log.info("converting %s for OpenVINO (once; cached)", target.name)
        with torch.no_grad(), warnings.catch_warnings(), _quiet_transformers():
            warnings.simplefilter("ignore")  # the tracer's shape-check warnings, as for ONNX below
            converted = ov.convert_model(_sentence_graph(model), example_input=_sample_inputs(model))
        ov.save_model(converted, str(work / "model.xml"), compress_to_fp16=False)
        for path in work.iterdir():
            os.chmod(path, 0o644)
        os.chmod(work, 0o755)
        try:
            os.rename(work, model_dir)
        except OSError:
            if not xml.is_file():  # not another worker's finished copy: a real failure
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gone already when it became the model
    _record(target, folder, fingerprint)
    return xml


class _quiet_transformers:
    """transformers' logger at errors only while the model is traced: tracing reads a config
    field m3e's config lacks, and transformers then logs a line about a causal-LM loss, which
    an admin running ingest would take for a fault."""

    def __enter__(self):
        from transformers.utils import logging as hf_logging

        self._logging, self._was = hf_logging, hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()

    def __exit__(self, *exc):
        self._logging.set_verbosity(self._was)
        return False


def _record(target: Path, folder: Path, fingerprint: str) -> None:
    note = target / "export.json"
    if not note.is_file():
        note.write_text(json.dumps({"model": str(folder), "sha256": fingerprint, "format": EXPORT_FORMAT,
                                    "openvino_format": OPENVINO_FORMAT}, indent=1))


class _temporary:
    """A temporary path beside ``target`` that becomes ``target`` only if the block succeeds."""

    def __init__(self, target: Path):
        self.target = target

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=self.target.stem + ".", suffix=".tmp")
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, kind, value, tb):
        if kind is None:
            os.chmod(self.tmp, 0o644)  # mkstemp makes it private; the export is no secret
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def _sentence_graph(model):
    """The whole sentence-transformers pipeline as one torch module of the tokenizer's arrays,
    in float32 on the CPU, for either exporter (torch is imported only when exporting)."""
    import torch

    class SentenceGraph(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.model(features)["sentence_embedding"]

    return SentenceGraph(model.cpu().float().eval())


def _sample_inputs(st) -> tuple:
    import torch

    sample = st.tokenizer(["政协工作计划", "围绕中心、服务大局，开展民主监督。"], padding=True, return_tensors="pt")
    return tuple(sample.get(name, torch.zeros_like(sample["input_ids"])) for name in _INPUTS)


def _export_fp32(st, target: Path) -> None:
    import torch

    args = _sample_inputs(st)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    axes["sentence_embedding"] = {0: "batch"}
    log.info("exporting %s to ONNX (once; cached)", target.parent.name)
    with _temporary(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        # The tracer warns that transformers' and pooling's shape checks become constants; with
        # an attention mask always given they are (tests/test_embedder_backends.py checks the
        # graph against torch on texts of other lengths than the sample's).
        warnings.simplefilter("ignore")
        # The TorchScript exporter: the dynamo one needs onnxscript and gave nothing more here.
        torch.onnx.export(
            _sentence_graph(st), args, str(tmp), dynamo=False,
            input_names=list(_INPUTS), output_names=["sentence_embedding"],
            dynamic_axes=axes, opset_version=17,
        )


class OnnxSession:
    """One ONNX Runtime session on the CPU provider, named explicitly: onnxruntime lists
    others first where they are installed (AzureExecutionProvider here), and a session
    given no providers takes the first."""

    def __init__(self, path: Path, threads: int):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise RuntimeMissing(f"PLANDRAFT_EMBEDDING_BACKEND=onnx needs onnxruntime (pip install onnxruntime): {exc}") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def run(self, features: dict[str, np.ndarray]) -> np.ndarray:
        return self._session.run(None, {name: features[name] for name in self._inputs})[0]


class OpenVinoSession:
    """The converted model compiled by OpenVINO for the CPU, at the precision asked for:
    OpenVINO runs bf16 by default where the CPU has it, so float32 must be requested."""

    _HINTS = {"float32": "f32", "bfloat16": "bf16"}

    def __init__(self, path: Path, threads: int, precision: str):
        try:
            import openvino as ov
        except ImportError as exc:
            raise RuntimeMissing(f"PLANDRAFT_EMBEDDING_BACKEND=openvino needs openvino (pip install --no-deps openvino openvino-telemetry): {exc}") from exc
        core = ov.Core()
        config = {
            "INFERENCE_PRECISION_HINT": self._HINTS[precision],
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY",
        }
        self._compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
        self._inputs = [port.get_any_name() for port in self._compiled.inputs]

    def run(self, features: dict[str, np.ndarray]) -> np.ndarray:
        return self._compiled({name: features[name] for name in self._inputs})[0]


def plan_batches(lengths: Sequence[int], most_texts: int, most_tokens: int) -> list[list[int]]:
    """Indices of the texts in batches, longest first, each of at most ``most_texts`` texts and
    (padded to its longest) at most ``most_tokens`` tokens; a text longer than that alone.

    Sorting makes each batch pad little; the token budget keeps a batch of long texts small:
    32 texts of 500 tokens make activations of tens of MB, past the CPU's caches, and ran
    about a quarter slower than batches of about 1,000 tokens (docs/benchmarks.md).
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        current = batches[-1] if batches else None
        # The first text of a batch is its longest, so it sets the padded width.
        if current and len(current) < most_texts and (len(current) + 1) * lengths[current[0]] <= most_tokens:
            current.append(i)
        else:
            batches.append([i])
    return batches


def encode(tokenizer, texts: Sequence[str], max_tokens: int) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids and token type ids of each text, cut at ``max_tokens``, not padded."""
    found = tokenizer(list(texts), truncation=True, max_length=max_tokens, verbose=False)
    ids = found["input_ids"]
    return ids, found.get("token_type_ids") or [[0] * len(row) for row in ids]


def pad(ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]], pad_id: int, left: bool = False) -> dict[str, np.ndarray]:
    """The arrays the exported graph takes (int64), padded to the batch's longest text on the
    side the tokenizer pads, with the attention mask that tells the model which tokens are pads."""
    width = max(len(row) for row in ids)
    arrays = {name: np.zeros((len(ids), width), dtype=np.int64) for name in _INPUTS}
    arrays["input_ids"].fill(pad_id)
    for r, (row, kinds) in enumerate(zip(ids, types)):
        cols = slice(width - len(row), width) if left else slice(0, len(row))
        arrays["input_ids"][r, cols] = row
        arrays["token_type_ids"][r, cols] = kinds
        arrays["attention_mask"][r, cols] = 1
    return arrays
