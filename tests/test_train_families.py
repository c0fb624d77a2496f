"""Every model family through the real config and `train()`: run directory, training curves, and
train -> save -> load -> predict equal to the run's stored predictions (tiny random BERT, fixture corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.data.context import build_contexts
from src.data.corpus import load_corpus
from src.labelling import load_labeller
from src.train import train
from tests.tiny_bert import build_tiny_bert


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert") / "model")


def _family_overrides(family: str, tiny_bert: Path) -> list[str]:
    if family == "tfidf":
        return ["model=tfidf"]
    common = [f"model={family}", f"model.pretrained={tiny_bert}", "model.device=cpu"]
    if family == "transformer":
        return [*common, "model.num_epochs=2", "model.batch_size=8", "model.max_length=64"]
    return common


@pytest.mark.parametrize(
    ("family", "task", "context"),
    [
        ("transformer", "stance", "none"),
        ("transformer", "multitask", "previous"),
        ("transformer", "stance_multilabel", "none"),
        ("embedding_logreg", "multitask", "previous"),
        ("tfidf", "multitask", "previous"),
        ("transformer", "multitask", "speaker"),
        ("tfidf", "speaker_role", "speaker"),
    ],
)
def test_family_trains_saves_and_reproduces_its_predictions(
    compose_cfg, tmp_path, tiny_bert, family, task, context
):
    cfg = compose_cfg(f"task={task}", f"data.context={context}", *_family_overrides(family, tiny_bert))
    metrics = train(cfg)
    run_dir = tmp_path / "run"
    heads = [h.name for h in cfg.task.heads]
    assert all(0.0 <= metrics[f"test/{h}/macro_f1"] <= 1.0 for h in heads)
    meta = json.loads((run_dir / "model" / "model_meta.json").read_text())
    assert meta["family"] == family and meta["uses_context"] == (context != "none")
    assert meta["context"] == context
    if family == "transformer":
        log = (run_dir / "training_log.csv").read_text().splitlines()
        assert log[0].startswith("epoch") and len(log) >= 2
        assert (run_dir / "training_curve.png").read_bytes()[:4] == b"\x89PNG"

    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    labeller = load_labeller(run_dir)
    for split in ("dev", "test", "seed_test"):
        split_rows = [r for r in rows if r["split"] == split]
        texts = [r["text"] for r in split_rows]
        contexts = None
        docs = [r["id"].rsplit("-s", 1)[0] for r in split_rows]
        if context == "previous":
            # Rebuild each sentence's previous sentence within its document, as training did.
            contexts = [texts[i - 1] if i and docs[i - 1] == docs[i] else "" for i in range(len(texts))]
        elif context == "speaker":
            # The words naming each sentence's speaker, from the same attribution labelling runs.
            corpus = load_corpus(cfg.data.sentences, [], cfg.data.documents)
            contexts = build_contexts(
                "speaker", docs, texts, corpus.documents, Path(cfg.data.sentences).parent / "raw"
            )
            assert any(c != "narrator" for c in contexts)
        predicted = labeller.predict(texts, contexts)
        assert [p["labels"] for p in predicted] == [r["pred"] for r in split_rows], split


def test_transformer_labels_the_seed_article_and_int8_agrees_in_form(compose_cfg, tmp_path, tiny_bert):
    train(compose_cfg("task=multitask", *_family_overrides("transformer", tiny_bert)))
    raw = (
        Path(__file__)
        .resolve()
        .parents[1]
        .joinpath("data/corpus/raw/seed-000.txt")
        .read_text(encoding="utf-8")
    )
    fp32 = load_labeller(tmp_path / "run").predict_article(raw)
    int8 = load_labeller(tmp_path / "run", quantize="int8").predict_article(raw)
    assert len(fp32) == len(int8) == 22
    assert [r["text"] for r in fp32] == [r["text"] for r in int8]
    assert all(r["speaker_role"] is not None for r in int8)


def test_context_is_dropped_when_the_sentence_fills_max_length(tiny_bert):
    from transformers import AutoTokenizer

    from src.models.encoder import encode

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    sentence = "The United States and Japan reaffirmed their alliance at the summit in Tokyo."
    own = len(tokenizer(sentence, add_special_tokens=False)["input_ids"])
    exact = own + tokenizer.num_special_tokens_to_add(pair=True)
    rows = encode(tokenizer, [sentence, sentence], ["Officials met.", "Officials met."], max_length=exact)
    assert all(len(row["input_ids"]) <= exact for row in rows)
    roomy = encode(tokenizer, [sentence], ["Officials met."], max_length=exact + 2)[0]
    assert len(roomy["input_ids"]) == exact + 2  # context kept, truncated to what fits
