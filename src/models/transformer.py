"""Fine-tuned transformer family: one shared encoder with a linear head per task head, trained with ``Trainer``.

Single-label heads use softmax + cross-entropy, multi-label heads sigmoid + binary cross-entropy; several heads
sum their losses weighted by ``head.loss_weight``. Batches are padded dynamically and grouped by length; the
epoch with the best dev macro-F1 (mean over heads) is kept in memory and restored, and training stops after
``early_stopping_patience`` epochs without improvement. A saved model is safetensors weights, the encoder
config, tokenizer files and label maps: it is rebuilt from those files alone, with no remote code and no pickle.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 - the usual torch alias

from src.config import ClassWeight, Pooling, TransformerConfig, choice
from src.errors import ConfigError, ModelError
from src.evaluate import macro_f1
from src.models.base import Examples, StanceModel
from src.models.encoder import (
    check_max_length,
    encode,
    length_sorted_batches,
    load_encoder_files,
    load_pretrained,
    load_state,
    out_of_memory_as_config_error,
    pool,
    resolve_device,
    save_encoder_files,
)
from src.models.labels import check_label_maps, write_label_maps
from src.tasks import Head

# Defaults: TransformerConfig, the schema of conf/model/transformer.yaml, holds each once.
_DEFAULTS = TransformerConfig()


class MultiHeadClassifier(nn.Module):
    """A shared encoder and one linear layer per head; the heads' logits are concatenated in head order.

    Labels travel the same way: one float row per sentence holding each head's one-hot (single-label) or
    multi-hot (multi-label) block, so ``Trainer`` sees a single ``labels`` tensor whatever the task.

    Args:
        encoder: An ``AutoModel`` returning ``last_hidden_state``.
        heads: The task's heads, in output order.
        pooling: ``mean`` (masked mean of token vectors) or ``cls`` (first token).
        class_weights: Head name to loss weights: per class for single-label heads, ``(2, n_labels)``
            negative/positive weights for multi-label heads. Training-only, so not part of the saved state.
    """

    # Tells Trainer that the loss is already a batch mean (it must not pass num_items_in_batch).
    accepts_loss_kwargs = False

    def __init__(
        self,
        encoder: nn.Module,
        heads: Sequence[Head],
        pooling: str = "mean",
        class_weights: dict[str, torch.Tensor] | None = None,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.head_specs = tuple(heads)
        self.pooling = pooling
        config = encoder.config
        hidden = config.hidden_size
        self.dropout = nn.Dropout(
            float(getattr(config, "hidden_dropout_prob", getattr(config, "dropout", 0.1)))
        )
        # A list, not a dict keyed by head name: names may hold characters that module names may not.
        self.classifiers = nn.ModuleList(nn.Linear(hidden, len(h.labels)) for h in self.head_specs)
        bounds = np.cumsum([0] + [len(h.labels) for h in self.head_specs]).tolist()
        self.slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.class_weights = class_weights or {}

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Concatenated logits of every head, plus the weighted loss when ``labels`` are given."""
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**inputs).last_hidden_state
        pooled = self.dropout(pool(hidden, attention_mask, self.pooling))
        logits = torch.cat([classifier(pooled) for classifier in self.classifiers], dim=-1)
        if labels is None:
            return {"logits": logits}
        return {"loss": self.loss(logits, labels), "logits": logits}

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Sum over heads of ``loss_weight`` x (cross-entropy, or binary cross-entropy for multi-label heads)."""
        total = logits.new_zeros(())
        for head, part in zip(self.head_specs, self.slices, strict=True):
            z, y = logits[:, part], labels[:, part].to(logits.dtype)
            weight = self.class_weights.get(head.name)
            if weight is not None:
                weight = weight.to(device=z.device, dtype=z.dtype)
            if head.multilabel:
                element_weight = None if weight is None else y * weight[1] + (1 - y) * weight[0]
                head_loss = F.binary_cross_entropy_with_logits(z, y, weight=element_weight)
            else:
                head_loss = F.cross_entropy(z, y.argmax(dim=-1), weight=weight)
            total = total + head.loss_weight * head_loss
        return total

    def probabilities(self, logits: torch.Tensor) -> list[torch.Tensor]:
        """Per head: softmax rows (single-label) or independent sigmoids (multi-label)."""
        return [
            torch.sigmoid(logits[:, part]) if head.multilabel else torch.softmax(logits[:, part], dim=-1)
            for head, part in zip(self.head_specs, self.slices, strict=True)
        ]


def label_matrix(heads: Sequence[Head], labels: dict[str, list[Any]], n: int) -> np.ndarray:
    """Gold labels as the concatenated one-hot / multi-hot rows that :class:`MultiHeadClassifier` trains on."""
    blocks = []
    for head in heads:
        index = {label: j for j, label in enumerate(head.labels)}
        block = np.zeros((n, len(head.labels)), dtype=np.float32)
        gold = labels[head.name]
        for i in range(n):
            row = gold[i] if head.multilabel else [gold[i]]
            for label in row:
                if label not in index:
                    raise ValueError(
                        f"head {head.name!r}: unknown label {label!r}; allowed: {', '.join(head.labels)}"
                    )
                block[i, index[label]] = 1.0
        blocks.append(block)
    return np.concatenate(blocks, axis=1)


def balanced_class_weights(heads: Sequence[Head], targets: np.ndarray) -> dict[str, torch.Tensor]:
    """scikit-learn's ``balanced`` weights, n / (n_classes x count), per head from the training labels.

    Multi-label heads get one binary problem per label: row 0 weighs negatives, row 1 positives.
    Counts are floored at 1 so a label absent from training does not divide by zero (it never occurs as a target).
    """
    out, start, n = {}, 0, len(targets)
    for head in heads:
        block = targets[:, start : start + len(head.labels)]
        start += len(head.labels)
        positives = block.sum(axis=0)
        if head.multilabel:
            negatives = n - positives
            weights = np.stack([n / (2 * np.maximum(negatives, 1)), n / (2 * np.maximum(positives, 1))])
        else:
            weights = n / (len(head.labels) * np.maximum(positives, 1))
        out[head.name] = torch.tensor(weights, dtype=torch.float32)
    return out


def head_macro_f1(heads: Sequence[Head], logits: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Dev macro-F1 per head and their mean (``macro_f1``), from concatenated logits and label rows.

    Multi-label heads are cut at probability 0.5 here; their tuned thresholds come after training. Label
    indices stand for labels: :func:`src.evaluate.macro_f1` averages over the same occurring labels either way.
    """
    scores, start = {}, 0
    for head in heads:
        part = slice(start, start + len(head.labels))
        start += len(head.labels)
        if head.multilabel:
            score = macro_f1(targets[:, part].astype(int), (logits[:, part] > 0).astype(int))
        else:
            score = macro_f1(targets[:, part].argmax(1), logits[:, part].argmax(1))
        scores[f"{head.name}/macro_f1"] = score
    scores["macro_f1"] = float(np.mean(list(scores.values())))
    return scores


def _history_callback(patience: int | None, num_epochs: int) -> Any:
    """A ``TrainerCallback`` that records per-epoch losses and dev metrics and keeps the best weights in memory.

    Keeping the best state dict in memory costs one copy of the weights. When the run checkpoints
    (:meth:`StanceModel.checkpoint_into`), each checkpoint also gets this callback's state and the best weights
    (``on_save``), so that a resumed run continues with the same history and early-stopping state.
    """
    from transformers import TrainerCallback

    class EpochHistory(TrainerCallback):
        def __init__(self) -> None:
            self.rows: list[dict[str, float]] = []
            self.best_score = -math.inf
            self.best_epoch: int | None = None
            self.best_state: dict[str, torch.Tensor] | None = None
            self.epochs_without_gain = 0

        def on_save(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            from safetensors.torch import save_file

            from src.models.checkpoints import STATE_FILE, WEIGHTS_FILE, remove_older
            from src.tracking import atomic_write_json

            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            weights = self.best_state
            if weights is None:  # no dev split: the last epoch's weights are the model
                weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            partial = checkpoint / f".{WEIGHTS_FILE}.partial"
            save_file({k: v.contiguous() for k, v in weights.items()}, str(partial))
            partial.replace(checkpoint / WEIGHTS_FILE)
            epoch = int(round(state.epoch or 0))
            saved = {
                "epoch": epoch,
                "global_step": state.global_step,
                "rows": self.rows,
                "best_score": None if self.best_score == -math.inf else self.best_score,
                "best_epoch": self.best_epoch,
                "epochs_without_gain": self.epochs_without_gain,
                # Training ends after this epoch: a resumed run goes straight to prediction.
                "finished": bool(control.should_training_stop) or epoch >= num_epochs,
            }
            atomic_write_json(checkpoint / STATE_FILE, saved)  # last: marks the checkpoint complete
            remove_older(checkpoint.parent, keep=checkpoint)

        def restore(self, saved: dict[str, Any], weights: dict[str, torch.Tensor]) -> None:
            """Continue from a checkpoint's state and weights (:meth:`on_save`)."""
            self.rows = [dict(row) for row in saved["rows"]]
            self.best_score = -math.inf if saved["best_score"] is None else float(saved["best_score"])
            self.best_epoch = saved["best_epoch"]
            self.epochs_without_gain = int(saved["epochs_without_gain"])
            self.best_state = weights if self.best_epoch is not None else None

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
        ) -> None:
            if logs and "loss" in logs:
                self.rows.append({"epoch": int(round(state.epoch or 0)), "train_loss": float(logs["loss"])})

        def on_evaluate(
            self,
            args: Any,
            state: Any,
            control: Any,
            metrics: dict[str, float] | None = None,
            model: Any = None,
            **kwargs: Any,
        ) -> None:
            if not metrics:
                return
            dev = {"dev_loss": float(metrics.get("eval_loss", math.nan))}
            dev.update(
                {f"dev/{k[len('eval_') :]}": float(v) for k, v in metrics.items() if k.endswith("macro_f1")}
            )
            if self.rows and self.rows[-1]["epoch"] == int(round(state.epoch or 0)):
                self.rows[-1].update(dev)
            else:
                self.rows.append({"epoch": int(round(state.epoch or 0)), **dev})
            score = dev.get("dev/macro_f1", -math.inf)
            if score > self.best_score:
                self.best_score, self.best_epoch, self.epochs_without_gain = score, self.rows[-1]["epoch"], 0
                self.best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            else:
                self.epochs_without_gain += 1
                if patience is not None and self.epochs_without_gain >= patience:
                    control.should_training_stop = True

    return EpochHistory()


class _Collator:
    """Dynamic padding for token features plus a float ``labels`` matrix (which the tokenizer must not pad)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        labels = [f["labels"] for f in features]
        batch = self.tokenizer.pad(
            [{k: v for k, v in f.items() if k != "labels"} for f in features], return_tensors="pt"
        )
        batch["labels"] = torch.tensor(np.asarray(labels), dtype=torch.float32)
        return dict(batch)


class TransformerModel(StanceModel):
    """Fine-tunes a pretrained encoder with one classification head per task head.

    Args:
        heads: What to predict; all heads share the encoder.
        seed: Seeds head initialization, dropout and batch order (same seed, same CPU -> same metrics).
        pretrained: ``default`` (the packaged all-MiniLM-L6-v2), a local model directory or a model id.
        num_layers: Keep only the encoder's first ``num_layers`` layers (``None`` keeps all): a cheaper model.
        learning_rate: Peak AdamW learning rate.
        num_epochs: Maximum epochs (early stopping may end training sooner).
        batch_size: Training sentences per step.
        eval_batch_size: Sentences per forward pass when evaluating and predicting.
        max_length: Token limit of an input (sentence + context + special tokens); context is truncated first.
        warmup_ratio: Share of the training steps spent warming the learning rate up linearly from 0.
        weight_decay: AdamW weight decay (not applied to biases and LayerNorm weights).
        early_stopping_patience: Stop after this many epochs without a better dev macro-F1; ``None`` never stops
            early (the best dev epoch is still restored).
        class_weight: ``balanced`` weighs each class's loss by inverse frequency; ``None`` weighs all alike.
        pooling: ``mean`` or ``cls`` sentence vector.
        group_by_length: Batch sentences of similar length together (less padding, faster epochs).
        device: ``auto`` (a GPU when one is visible), ``cpu`` or ``cuda``.
    """

    family: ClassVar[str] = "transformer"
    multithreaded: ClassVar[bool] = True
    supports_int8: ClassVar[bool] = True
    supports_checkpoints: ClassVar[bool] = True

    def __init__(
        self,
        heads: Sequence[Head],
        seed: int = 0,
        pretrained: str = _DEFAULTS.pretrained,
        num_layers: int | None = _DEFAULTS.num_layers,
        learning_rate: float = _DEFAULTS.learning_rate,
        num_epochs: int = _DEFAULTS.num_epochs,
        batch_size: int = _DEFAULTS.batch_size,
        eval_batch_size: int = _DEFAULTS.eval_batch_size,
        max_length: int = _DEFAULTS.max_length,
        warmup_ratio: float = _DEFAULTS.warmup_ratio,
        weight_decay: float = _DEFAULTS.weight_decay,
        early_stopping_patience: int | None = _DEFAULTS.early_stopping_patience,
        class_weight: str | None = _DEFAULTS.class_weight,
        pooling: str = _DEFAULTS.pooling,
        group_by_length: bool = _DEFAULTS.group_by_length,
        device: str = _DEFAULTS.device,
    ) -> None:
        super().__init__(heads, seed)
        self.pretrained = pretrained
        self.num_layers = num_layers
        self.learning_rate = learning_rate
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.max_length = max_length
        self.warmup_ratio = warmup_ratio
        self.weight_decay = weight_decay
        self.early_stopping_patience = early_stopping_patience
        self.class_weight = class_weight
        self.pooling = pooling
        self.group_by_length = group_by_length
        self.device = device
        self.history_: list[dict[str, float]] = []
        self.best_epoch_: int | None = None
        self.model_: MultiHeadClassifier | None = None
        self.tokenizer_: Any = None
        self._inference_model: nn.Module | None = None

    # ----------------------------------------------------------------- training
    def _check_params(self) -> None:
        """Check what composition cannot: ranges of numbers, and choices given as plain strings from Python."""
        if self.class_weight is not None:
            choice(ClassWeight, self.class_weight, "model.class_weight")
        choice(Pooling, self.pooling, "model.pooling")
        checks = [
            (0 <= self.warmup_ratio < 1, "warmup_ratio", f"must be in [0, 1), got {self.warmup_ratio}"),
            (self.learning_rate > 0, "learning_rate", f"must be positive, got {self.learning_rate}"),
            (self.num_epochs >= 1, "num_epochs", f"must be at least 1, got {self.num_epochs}"),
            (self.batch_size >= 1, "batch_size", f"must be at least 1, got {self.batch_size}"),
            (self.eval_batch_size >= 1, "eval_batch_size", f"must be at least 1, got {self.eval_batch_size}"),
            (
                self.early_stopping_patience is None or self.early_stopping_patience >= 1,
                "early_stopping_patience",
                f"must be at least 1 or null, got {self.early_stopping_patience}",
            ),
        ]
        for ok, key, problem in checks:
            if not ok:
                raise ConfigError(f"model.{key}: {problem}")

    def _features(self, examples: Examples, with_labels: bool) -> list[dict[str, Any]]:
        contexts = examples.contexts if self.uses_context_ else None
        if self.uses_context_ and contexts is None:
            contexts = [""] * len(examples)
        features = encode(self.tokenizer_, examples.texts, contexts, self.max_length)
        if with_labels:
            targets = label_matrix(self.heads, examples.labels or {}, len(examples))
            for feature, row in zip(features, targets, strict=True):
                feature["labels"] = row
        return features

    def _training_arguments(
        self, work_dir: Path, device: torch.device, has_dev: bool, checkpoint: bool = False
    ) -> Any:
        """``TrainingArguments``: epoch-wise logging and evaluation; a checkpoint each epoch into ``work_dir`` when
        ``checkpoint`` (the best state stays in memory either way)."""
        import dataclasses

        from transformers import TrainingArguments

        options: dict[str, Any] = {
            "output_dir": str(work_dir),
            "num_train_epochs": self.num_epochs,
            "per_device_train_batch_size": self.batch_size,
            "per_device_eval_batch_size": self.eval_batch_size,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "lr_scheduler_type": "linear",
            "optim": "adamw_torch",
            "eval_strategy": "epoch" if has_dev else "no",
            "logging_strategy": "epoch",
            "save_strategy": "epoch" if checkpoint else "no",
            # Older checkpoints are removed by the history callback once a newer one is complete, never before.
            "save_total_limit": None,
            "report_to": "none",
            "seed": self.seed,
            "data_seed": self.seed,
            "use_cpu": device.type == "cpu",
            "disable_tqdm": False,
            "remove_unused_columns": False,
            "label_names": ["labels"],
            "dataloader_pin_memory": device.type == "cuda",
        }
        # Early 5.x releases still spell two options the 4.x way; newer ones fold them into other arguments.
        names = {f.name for f in dataclasses.fields(TrainingArguments)}
        if "train_sampling_strategy" in names:
            options["train_sampling_strategy"] = "group_by_length" if self.group_by_length else "random"
        else:
            options["group_by_length"] = bool(self.group_by_length)
        if "warmup_ratio" in names:
            options["warmup_ratio"] = float(self.warmup_ratio)
        else:
            # A float below 1 is read as a share of all training steps.
            options["warmup_steps"] = float(self.warmup_ratio)
        return TrainingArguments(**options)

    def _fit(self, train: Examples, dev: Examples | None) -> None:
        from transformers import Trainer, set_seed

        self._check_params()
        device = resolve_device(self.device)
        tokenizer, encoder = load_pretrained(self.pretrained, self.num_layers)
        self.tokenizer_ = tokenizer
        has_dev = dev is not None and len(dev) > 0 and dev.labels is not None
        check_max_length(
            tokenizer,
            list(train.texts) + (list(dev.texts) if has_dev else []),  # type: ignore[union-attr]
            pair=self.uses_context_,
            max_length=int(self.max_length),
            max_positions=getattr(encoder.config, "max_position_embeddings", None),
        )
        train_features = self._features(train, with_labels=True)
        targets = np.stack([f["labels"] for f in train_features])
        weights = balanced_class_weights(self.heads, targets) if self.class_weight == "balanced" else None
        # Seeded before the heads are created: their random initialization is part of what the seed fixes.
        set_seed(self.seed)
        module = MultiHeadClassifier(encoder, self.heads, pooling=self.pooling, class_weights=weights)
        eval_features = None
        if has_dev:
            # Longest first: evaluation batches then pad little; metrics do not depend on the order.
            eval_features = sorted(self._features(dev, with_labels=True), key=lambda f: -len(f["input_ids"]))  # type: ignore[arg-type]
        heads = self.heads
        history = _history_callback(self.early_stopping_patience if has_dev else None, int(self.num_epochs))
        checkpoint, resume_weights, finished = None, None, False
        if self._checkpoint_dir is not None:
            from safetensors.torch import load_file

            from src.models.checkpoints import WEIGHTS_FILE, last_checkpoint, read_state

            checkpoint = last_checkpoint(self._checkpoint_dir)
            if checkpoint is not None:
                saved = read_state(checkpoint)
                resume_weights = load_file(str(checkpoint / WEIGHTS_FILE))
                history.restore(saved, resume_weights)
                finished = bool(saved["finished"])
                print(
                    f"[diplostance] resuming from {checkpoint} (epoch {saved['epoch']} of {self.num_epochs}"
                    + (", training had ended)" if finished else ")"),
                    flush=True,
                )
        work_dir = self._checkpoint_dir or Path(tempfile.mkdtemp(prefix="diplostance-trainer-"))
        try:
            args = self._training_arguments(
                work_dir, device, has_dev, checkpoint=self._checkpoint_dir is not None
            )
            trainer = Trainer(
                model=module,
                args=args,
                data_collator=_Collator(tokenizer),
                train_dataset=train_features,  # type: ignore[arg-type]
                eval_dataset=eval_features,  # type: ignore[arg-type]
                processing_class=tokenizer,
                compute_metrics=lambda p: head_macro_f1(
                    heads, np.asarray(p.predictions), np.asarray(p.label_ids)
                ),
                callbacks=[history],
            )
            # CPU kernels are deterministic already; this also makes the few that are not raise a warning on GPU.
            was_deterministic = torch.are_deterministic_algorithms_enabled()
            torch.use_deterministic_algorithms(True, warn_only=True)
            try:
                with out_of_memory_as_config_error(self.batch_size, device, "training"):
                    if finished:  # interrupted after its last epoch: nothing left to train
                        assert resume_weights is not None
                        module.load_state_dict(resume_weights)
                    else:
                        trainer.train(resume_from_checkpoint=None if checkpoint is None else str(checkpoint))
            finally:
                torch.use_deterministic_algorithms(was_deterministic)
        finally:
            if self._checkpoint_dir is None:
                shutil.rmtree(work_dir, ignore_errors=True)
        if history.best_state is not None:
            module.load_state_dict(history.best_state)
        self.history_ = history.rows
        self.best_epoch_ = history.best_epoch
        self.model_ = module.eval()
        self._inference_model = None

    # ----------------------------------------------------------------- prediction
    @torch.inference_mode()
    def predict_proba(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        if self.model_ is None:
            raise ModelError("the transformer model is not fitted")
        model = self._inference_model or self.model_
        model.eval()
        device = next(model.parameters()).device if self._inference_model is None else torch.device("cpu")
        features = self._features(
            Examples(texts=list(texts), contexts=list(contexts) if contexts is not None else None), False
        )
        out = [np.zeros((len(features), len(h.labels))) for h in self.heads]
        # ONNX Runtime's int8 model runs fastest on smaller batches than torch (see src.models.onnx_export).
        batch_size = getattr(self._inference_model, "batch_size", self.eval_batch_size)
        holding_cores = getattr(self._inference_model, "holding_cores", contextlib.nullcontext)
        with out_of_memory_as_config_error(batch_size, device, "prediction"), holding_cores():
            for indices, batch in length_sorted_batches(self.tokenizer_, features, batch_size, device):
                logits = model(**batch)["logits"].float()
                for block, proba in zip(out, self.model_.probabilities(logits), strict=True):
                    block[indices] = proba.cpu().numpy()
        return {head.name: block for head, block in zip(self.heads, out, strict=True)}

    def quantize(self, directory: str | Path | None = None) -> TransformerModel:
        """Predict through ONNX Runtime with int8 weights on the CPU (faster, slightly different numbers).

        The export lives in the model ``directory`` (made there on first use; see :mod:`src.models.onnx_export`).
        The full-precision weights stay in place and are what :meth:`save` writes.

        Returns:
            ``self``.
        """
        if self.model_ is None:
            raise ModelError("the transformer model is not fitted")
        from src.models.onnx_export import int8_predictor

        self._inference_model = int8_predictor(self, directory)  # type: ignore[assignment]
        return self

    def training_history(self) -> list[dict[str, float]]:
        """Per epoch: ``epoch``, ``train_loss``, ``dev_loss`` and dev macro-F1 per head and overall."""
        return list(self.history_)

    # ----------------------------------------------------------------- persistence
    def _save_weights(self, directory: Path) -> None:
        if self.model_ is None:
            raise ModelError("the transformer model is not fitted")
        save_encoder_files(directory, self.model_.encoder.config, self.tokenizer_, self.model_.state_dict())
        write_label_maps(directory, self.heads, self.pooling)

    def _load_weights(self, directory: Path) -> None:
        check_label_maps(directory, self.heads)
        tokenizer, encoder, state = load_encoder_files(directory)
        module = MultiHeadClassifier(encoder, self.heads, pooling=self.pooling)
        load_state(module, state, directory)
        self.tokenizer_ = tokenizer
        self.model_ = module.to(resolve_device(self.device)).eval()
        self._inference_model = None
