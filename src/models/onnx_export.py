"""int8 prediction for the transformer family: ONNX export, ONNX Runtime quantization, and a checked loader.

    python -m src.models.onnx_export outputs/runs/<run>      # export ahead of time (else: on first quantize=int8)

The fine-tuned encoder and its heads are exported to ONNX with torch's TorchScript-based exporter (eager attention,
whose graph ONNX Runtime's transformer optimizer recognizes and fuses into its Attention kernel), optimized, and
quantized with ONNX Runtime's dynamic quantization (int8 weights, activations quantized per batch at run time).

Two of the optimizer's fusions are left out on purpose, here and when the session is built: SkipLayerNormalization
and BiasGelu. Measured with onnxruntime 1.32 on the bundled corpus (2 cores, AVX-512 VNNI): the fused
SkipLayerNormalization kernel took 30% of the int8 model's time, about three times what the plain Add and
LayerNormalization it replaces take; without the two fusions the int8 model labels 1,300-1,360 sentences/s
instead of 940. Batches of 16 sentences (:data:`INT8_BATCH_SIZE`) keep the activations in cache: 990 sentences/s
against 870 at 64 and 580 at 256 with the fused graph. The result, ``model.int8.onnx``, lives in the model directory next to the
safetensors weights it came from; ``model_meta.json`` records its SHA-256, the SHA-256 of those weights, and the
versions that made it.

Loading is as strict as for the weights: the file's bytes are read once, checked against the recorded SHA-256 (a
changed or partly written file is refused), parsed as a plain ONNX protobuf (no pickle, no code), refused if it
points at external data files or uses operators outside the standard and ONNX Runtime domains, and only then
handed to ONNX Runtime, from memory. An export made from other weights than the directory's (a stale file) is
redone, and so is one built by another recipe (:data:`RECIPE`).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from src.errors import DiplostanceError, ModelError

INT8_FILE = "model.int8.onnx"
# The entry of model_meta.json that records the export.
META_KEY = "onnx"
OPSET = 17
# Operator domains an exported file may use: standard ONNX and ONNX Runtime's contrib operators (the fused and
# quantized kernels). Anything else would need a custom-operator library, which is never loaded.
ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "com.microsoft"})
TOKEN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# How the graph is built: an export whose recipe differs from this one (an older package's) is made again.
RECIPE = "eager-attention; fused Attention; unfused SkipLayerNorm and BiasGelu; dynamic int8 per channel"
# Fusions the session must not redo at load time (ONNX Runtime applies them again by default; see above).
UNFUSED = ["SkipLayerNormFusion", "BiasGeluFusion"]
# Sentences per ONNX Runtime call (the torch path keeps the model's eval_batch_size).
INT8_BATCH_SIZE = 16


class _Logits(nn.Module):
    """The classifier with positional inputs and the concatenated logits as its one output (what ONNX exports)."""

    def __init__(self, module: nn.Module, with_token_types: bool) -> None:
        super().__init__()
        self.module = module
        self.with_token_types = with_token_types

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, *rest: torch.Tensor
    ) -> torch.Tensor:
        token_type_ids = rest[0] if self.with_token_types else None
        return self.module(input_ids, attention_mask, token_type_ids)["logits"]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # The TorchScript exporter warns that it is deprecated in favour of the dynamo exporter (whose graphs the
    # transformer optimizer does not fuse yet), tracing warns about shape-dependent branches, and the quantizer
    # logs a suggestion to pre-process the model: none of it is actionable for a user.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def export_int8(module: nn.Module, tokenizer: Any, target: Path) -> list[str]:
    """Export ``module`` (a :class:`~src.models.transformer.MultiHeadClassifier`) to an int8 ONNX file.

    Args:
        module: The fine-tuned classifier (not changed: a CPU copy is exported).
        tokenizer: Its tokenizer (the inputs it produces become the graph's inputs).
        target: Where the quantized model is written (directly: callers write to a temporary name).

    Returns:
        The graph's input names.
    """
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    names = [n for n in TOKEN_INPUTS if n in tokenizer.model_input_names or n != "token_type_ids"]
    cpu = copy.deepcopy(module).to("cpu").eval()
    config = cpu.encoder.config
    # Eager attention exports as plain MatMul/Softmax nodes, the pattern the optimizer fuses; SDPA does not fuse.
    config._attn_implementation = "eager"
    sample = tokenizer(
        ["A short sentence.", "A second, slightly longer sentence."], padding=True, return_tensors="pt"
    )
    if "token_type_ids" in names and "token_type_ids" not in sample:
        sample["token_type_ids"] = torch.zeros_like(sample["input_ids"])
    wrapper = _Logits(cpu, "token_type_ids" in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    with tempfile.TemporaryDirectory(prefix="diplostance-onnx-") as work, _quiet():
        fp32 = Path(work) / "model.onnx"
        torch.onnx.export(
            wrapper,
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**axes, "logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
        optimized = Path(work) / "model.optimized.onnx"
        heads = getattr(config, "num_attention_heads", 0)
        hidden = getattr(config, "hidden_size", 0)
        fusions = FusionOptions("bert")
        fusions.enable_skip_layer_norm = False
        fusions.enable_bias_gelu = False
        try:
            optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=heads,
                hidden_size=hidden,
                optimization_options=fusions,
            ).save_model_to_file(str(optimized))
        except (ValueError, KeyError, AttributeError, RuntimeError):
            # The fusions follow BERT's graph; an encoder they do not understand still quantizes, unfused.
            optimized = fp32
        quantize_dynamic(
            str(optimized),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # The fused operators are outside ONNX's shape inference: their outputs' type must be given.
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
        )
    return names


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def checked_model_bytes(path: Path, expected_sha256: str) -> bytes:
    """The bytes of an exported file, after checking its checksum and that it loads nothing but itself.

    Raises:
        ModelError: Checksum mismatch, not an ONNX model, external data, or an operator domain outside
            :data:`ALLOWED_DOMAINS`.
    """
    import onnx

    data = path.read_bytes()
    if _sha256(data) != expected_sha256:
        raise ModelError(
            f"{path}: SHA-256 does not match {META_KEY}.int8.sha256 in model_meta.json (changed or partly "
            f"written); delete {path.name} to export it again"
        )
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and friends: any parse failure means "not a model"
        raise ModelError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
    graph = proto.graph
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in graph.initializer):
        raise ModelError(f"{path}: refers to external data files; refused")
    # The operators used count (the optimizer declares more domains in opset_import than the graph uses).
    foreign = sorted({node.domain for node in graph.node} - ALLOWED_DOMAINS)
    if foreign or proto.functions:
        raise ModelError(
            f"{path}: uses operators outside the ONNX and ONNX Runtime domains ({', '.join(foreign)})"
        )
    return data


class Int8Predictor:
    """ONNX Runtime in place of the torch module in ``TransformerModel.predict_proba``.

    Called with the padded batch tensors, it returns ``{"logits": tensor}`` as the torch module does, so that
    batching, probabilities and decoding stay the family's own code.

    Args:
        model_bytes: The checked ONNX model (see :func:`checked_model_bytes`).
        input_names: The graph's inputs.
    """

    def __init__(self, model_bytes: bytes, input_names: Sequence[str]) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # As many threads as torch uses here (OMP_NUM_THREADS, a Dask worker's thread count, the `threads` option).
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = ort.InferenceSession(
            model_bytes, options, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED
        )
        self.input_names = list(input_names)
        self.batch_size = INT8_BATCH_SIZE

    def eval(self) -> Int8Predictor:
        return self

    @contextlib.contextmanager
    def holding_cores(self) -> Iterator[None]:
        """While ONNX Runtime labels, torch (which only pads batches and takes softmaxes) runs on one thread.

        torch's idle pool threads wait spinning between batches and compete with ONNX Runtime's for the same
        cores: measured on the bundled raw documents (2 cores), the int8 pipeline ran at 870 sentences/s with
        torch's default threads and 1,220 with one.
        """
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    def __call__(self, **batch: torch.Tensor) -> dict[str, torch.Tensor]:
        ids = batch["input_ids"]
        feeds = {
            name: (batch[name] if name in batch else torch.zeros_like(ids)).cpu().numpy().astype(np.int64)
            for name in self.input_names
        }
        (logits,) = self.session.run(["logits"], feeds)
        return {"logits": torch.from_numpy(logits)}


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime

    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def ensure_int8_export(model: Any, directory: Path) -> tuple[bytes, list[str]]:
    """The checked int8 export of ``model``, saved in its model ``directory`` (exported there first if needed).

    Args:
        model: A fitted :class:`~src.models.transformer.TransformerModel` loaded from ``directory``.
        directory: Its model directory (``model_meta.json`` and ``model.safetensors``).

    Returns:
        ``(model bytes, input names)`` for :class:`Int8Predictor`.

    Raises:
        ModelError: A recorded export fails its checks, or the directory cannot be written.
    """
    from src.models.base import META_FILE, read_meta
    from src.models.encoder import WEIGHTS_FILE
    from src.tracking import atomic_write_json, sha256_file

    meta = read_meta(directory)
    weights = sha256_file(directory / WEIGHTS_FILE)
    entry = meta.get(META_KEY, {}).get("int8")
    path = directory / INT8_FILE
    if entry and entry.get("weights_sha256") == weights and entry.get("recipe") == RECIPE and path.is_file():
        return checked_model_bytes(path, entry["sha256"]), list(entry["inputs"])
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{INT8_FILE}.", dir=directory)
    except OSError as exc:
        raise ModelError(
            f"{directory}: cannot write the int8 ONNX export ({exc.strerror or exc}); export it where the "
            f"model directory is writable (python -m src.models.onnx_export {directory}) or copy the directory"
        ) from None
    os.close(fd)
    try:
        names = export_int8(model.model_, model.tokenizer_, Path(tmp))
        data = Path(tmp).read_bytes()
        os.replace(tmp, path)
        meta[META_KEY] = {
            "int8": {
                "file": INT8_FILE,
                "sha256": _sha256(data),
                "weights_sha256": weights,
                "inputs": names,
                "opset": OPSET,
                "recipe": RECIPE,
                **_versions(),
            }
        }
        atomic_write_json(directory / META_FILE, meta)
    except OSError as exc:
        raise ModelError(f"{directory}: cannot write the int8 ONNX export ({exc.strerror or exc})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return checked_model_bytes(path, meta[META_KEY]["int8"]["sha256"]), names


def int8_predictor(model: Any, directory: str | os.PathLike[str] | None) -> Int8Predictor:
    """An :class:`Int8Predictor` for a fitted transformer: from its model directory, or exported in memory.

    A model that was never saved (``directory`` None) is exported into a temporary folder that is removed again.
    """
    if directory is not None:
        return Int8Predictor(*ensure_int8_export(model, Path(directory)))
    with tempfile.TemporaryDirectory(prefix="diplostance-onnx-") as work:
        target = Path(work) / INT8_FILE
        names = export_int8(model.model_, model.tokenizer_, target)
        return Int8Predictor(target.read_bytes(), names)


def main(argv: Sequence[str] | None = None) -> int:
    """Export a saved transformer run's int8 ONNX model into its model directory (what quantize=int8 uses)."""
    parser = argparse.ArgumentParser(prog="python -m src.models.onnx_export", description=main.__doc__)
    parser.add_argument("model_dir", type=Path, help="a run directory or its model/ directory")
    args = parser.parse_args(argv)
    from src.labelling.labeller import resolve_model_dir
    from src.models import load_model

    try:
        directory = resolve_model_dir(args.model_dir)
        model = load_model(directory)
        if not model.supports_int8:
            raise ModelError(f"{directory}: quantize: the {model.family} family has no int8 mode")
        ensure_int8_export(model, directory)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    entry = json.loads((directory / "model_meta.json").read_text())[META_KEY]["int8"]
    size = (directory / INT8_FILE).stat().st_size / 2**20
    print(f"{directory / INT8_FILE}: {size:.1f} MiB, sha256 {entry['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
