"""Transformer and embedding + logistic regression families, on a tiny random BERT built in a temp dir.

Everything runs offline; only the test marked ``slow`` touches the real (packaged) default encoder.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path  # noqa: E402 - the hub must be told it is offline before transformers is imported

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from src.errors import ConfigError, ModelError  # noqa: E402
from src.models import load_model  # noqa: E402
from src.models.base import Examples, StanceModel  # noqa: E402
from src.tasks import Head  # noqa: E402
from tests.tiny_bert import FIXTURE_TEXT, build_tiny_bert  # noqa: E402

STANCE = Head(
    "primary_stance", "primary_stance", ("cooperative", "threat_framing", "human_rights_concern", "none")
)
STANCE_ML = Head(
    "stance", "stance", ("cooperative", "threat_framing", "human_rights_concern"), multilabel=True
)
ROLE = Head(
    "speaker_role", "speaker_role", ("us_government", "japan_government", "china_government", "narrator")
)
TASKS = {
    "stance": (STANCE,),
    "stance_multilabel": (STANCE_ML,),
    "speaker_role": (ROLE,),
    "multitask": (STANCE, Head(ROLE.name, ROLE.field, ROLE.labels, loss_weight=0.5)),
}

# (text, primary stance, stance labels, speaker role), written by hand so the tests need no corpus file.
ROWS = [
    (
        "The United States and Japan reaffirmed their alliance at the summit.",
        "cooperative",
        ["cooperative"],
        "us_government",
    ),
    (
        "China warned against provocative military drills near Taiwan.",
        "threat_framing",
        ["threat_framing"],
        "china_government",
    ),
    (
        "Officials expressed concern over the detention of rights lawyers.",
        "human_rights_concern",
        ["human_rights_concern"],
        "us_government",
    ),
    ("The meeting lasted about two hours.", "none", [], "narrator"),
    (
        "The two governments agreed to expand cooperation on energy.",
        "cooperative",
        ["cooperative"],
        "japan_government",
    ),
    (
        "Beijing accused Washington of interfering in its internal affairs.",
        "threat_framing",
        ["threat_framing"],
        "china_government",
    ),
    (
        "Rights groups urged the delegation to raise the treatment of Uyghurs.",
        "human_rights_concern",
        ["human_rights_concern"],
        "narrator",
    ),
    ("A spokesperson said the embassy would remain open.", "none", [], "narrator"),
    (
        "Tokyo pledged to share intelligence and deepen security cooperation.",
        "cooperative",
        ["cooperative", "threat_framing"],
        "japan_government",
    ),
    (
        "The minister described the missile launches as a grave threat.",
        "threat_framing",
        ["threat_framing"],
        "japan_government",
    ),
    (
        "Washington raised human rights in Xinjiang and called the drills a threat.",
        "human_rights_concern",
        ["human_rights_concern", "threat_framing"],
        "us_government",
    ),
    ("The foreign ministers discussed trade and climate change.", "none", [], "narrator"),
]


def make_examples(rows: list[tuple[str, str, list[str], str]], context: bool = False) -> Examples:
    texts = [r[0] for r in rows]
    roles = [r[3] for r in rows]
    return Examples(
        texts=texts,
        contexts=([""] + texts[:-1]) if context else None,
        labels={
            "primary_stance": [r[1] for r in rows],
            "stance": [r[2] for r in rows],
            "speaker_role": roles,
        },
        ids=[f"s{i}" for i in range(len(rows))],
    )


TRAIN = make_examples(ROWS * 2)
DEV = make_examples(ROWS[::-1])


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


def transformer(heads: tuple[Head, ...], pretrained: str | Path, **overrides: object) -> StanceModel:
    from src.models.transformer import TransformerModel

    params = {
        "num_epochs": 2,
        "batch_size": 8,
        "max_length": 64,
        "learning_rate": 1e-3,
        "device": "cpu",
        **overrides,
    }
    return TransformerModel(heads=heads, seed=0, pretrained=str(pretrained), **params)  # type: ignore[arg-type]


def check_probabilities(model: StanceModel, proba: dict[str, np.ndarray], n: int) -> None:
    for head in model.heads:
        p = proba[head.name]
        assert p.shape == (n, len(head.labels))
        assert np.all((p >= 0) & (p <= 1))
        if not head.multilabel:
            np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_trains_and_predicts_every_task(task: str, tiny_model_dir: Path) -> None:
    model = transformer(TASKS[task], tiny_model_dir).fit(TRAIN, DEV)
    check_probabilities(model, model.predict_proba(DEV.texts), len(DEV))
    predicted = model.predict(DEV.texts)
    for head in model.heads:
        if head.multilabel:
            assert all(set(row) <= set(head.labels) for row in predicted[head.name])
            assert head.name in model.thresholds_
        else:
            assert set(predicted[head.name]) <= set(head.labels)
    history = model.training_history()
    assert [row["epoch"] for row in history] == [1, 2]
    for row in history:
        assert {"train_loss", "dev_loss", "dev/macro_f1"} <= set(row)
        assert all(f"dev/{h.name}/macro_f1" in row for h in model.heads)


def test_context_round_trip_reproduces_predictions(tiny_model_dir: Path, tmp_path: Path) -> None:
    train, dev = make_examples(ROWS * 2, context=True), make_examples(ROWS, context=True)
    model = transformer(TASKS["multitask"], tiny_model_dir, early_stopping_patience=None).fit(train, dev)
    assert model.uses_context_
    before = model.predict_proba(dev.texts, dev.contexts)
    model.save(tmp_path / "model")
    assert {"model.safetensors", "config.json", "tokenizer.json", "labels.json"} <= {
        p.name for p in (tmp_path / "model").iterdir()
    }
    loaded = load_model(tmp_path / "model")
    after = loaded.predict_proba(dev.texts, dev.contexts)
    for name in before:
        np.testing.assert_array_equal(before[name], after[name])
    assert loaded.predict(dev.texts, dev.contexts) == model.predict(dev.texts, dev.contexts)


def test_multilabel_round_trip_keeps_thresholds(tiny_model_dir: Path, tmp_path: Path) -> None:
    model = transformer(TASKS["stance_multilabel"], tiny_model_dir, num_epochs=1).fit(TRAIN, DEV)
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.thresholds_ == model.thresholds_
    assert loaded.predict(DEV.texts) == model.predict(DEV.texts)


def test_same_seed_same_predictions(tiny_model_dir: Path) -> None:
    first = transformer(TASKS["stance"], tiny_model_dir, class_weight="balanced").fit(TRAIN, DEV)
    second = transformer(TASKS["stance"], tiny_model_dir, class_weight="balanced").fit(TRAIN, DEV)
    np.testing.assert_array_equal(
        first.predict_proba(DEV.texts)["primary_stance"], second.predict_proba(DEV.texts)["primary_stance"]
    )
    assert first.training_history() == second.training_history()


def test_early_stopping_restores_best_epoch(tiny_model_dir: Path) -> None:
    # A learning rate of 0 never improves dev macro-F1 after epoch 1, so patience 1 stops after epoch 2.
    model = transformer(
        TASKS["stance"], tiny_model_dir, num_epochs=5, learning_rate=1e-12, early_stopping_patience=1
    )
    model.fit(TRAIN, DEV)
    assert [row["epoch"] for row in model.training_history()] == [1, 2]
    assert model.best_epoch_ == 1  # type: ignore[attr-defined]


def test_quantize_predicts_on_cpu(tiny_model_dir: Path) -> None:
    model = transformer(TASKS["multitask"], tiny_model_dir, num_epochs=1).fit(TRAIN)
    assert model.supports_int8 and model.training_history() == model.history_  # type: ignore[attr-defined]
    assert model.quantize() is model
    check_probabilities(model, model.predict_proba(DEV.texts), len(DEV))


def test_families_declare_int8_and_history() -> None:
    from src.models.embedding import EmbeddingLogregModel
    from src.models.tfidf import TfidfModel

    for cls in (TfidfModel, EmbeddingLogregModel):
        model = cls(heads=TASKS["stance"])
        assert not model.supports_int8 and model.training_history() == []
        with pytest.raises(ModelError, match=f"quantize: the {cls.family} family has no int8 mode"):
            model.quantize()


@pytest.mark.parametrize(
    ("family", "setting", "value"),
    [
        ("transformer", "pooling", "max"),
        ("transformer", "class_weight", "balance"),
        ("transformer", "device", "gpu"),
        ("embedding_logreg", "pooling", "max"),
        ("embedding_logreg", "class_weight", "balance"),
    ],
)
def test_plain_string_choices_from_python_are_checked(
    family: str, setting: str, value: str, tiny_model_dir: Path
) -> None:
    from src.models import family_class

    model = family_class(family)(heads=TASKS["stance"], pretrained=str(tiny_model_dir), **{setting: value})
    with pytest.raises(ConfigError, match=rf"model\.{setting}: '{value}' is not one of"):
        model.fit(TRAIN)


def test_get_params_are_the_constructor_parameters(tiny_model_dir: Path) -> None:
    model = transformer(TASKS["stance"], tiny_model_dir, pooling="cls", class_weight="balanced")
    params = model.get_params()
    assert list(params) == model.param_names()
    assert params["pooling"] == "cls" and params["learning_rate"] == 1e-3 and params["num_layers"] is None
    assert "heads" not in params and "seed" not in params


def test_num_layers_keeps_the_first_layers_and_round_trips(tiny_model_dir: Path, tmp_path: Path) -> None:
    import torch

    from src.models.encoder import load_pretrained

    full = load_pretrained(tiny_model_dir)[1]
    model = transformer(TASKS["stance"], tiny_model_dir, num_layers=1, num_epochs=1).fit(TRAIN)
    encoder = model.model_.encoder  # type: ignore[attr-defined]
    assert len(encoder.encoder.layer) == 1 < len(full.encoder.layer)
    # The kept layer starts from the pretrained first layer (then fine-tuning moves it); the embeddings too.
    untrained = load_pretrained(tiny_model_dir, num_layers=1)[1]
    for name, weight in untrained.state_dict().items():
        assert torch.equal(weight, full.state_dict()[name]), name
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert len(loaded.model_.encoder.encoder.layer) == 1  # type: ignore[attr-defined]
    assert loaded.predict(DEV.texts) == model.predict(DEV.texts)


def test_num_layers_beyond_the_encoder_is_a_config_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"model\.num_layers: must be between 1 and 2"):
        transformer(TASKS["stance"], tiny_model_dir, num_layers=3).fit(TRAIN)


@pytest.mark.parametrize("family", ["transformer", "embedding_logreg"])
def test_bad_pretrained_path_names_the_setting(family: str, tmp_path: Path) -> None:
    from src.models.embedding import EmbeddingLogregModel
    from src.models.transformer import TransformerModel

    cls = TransformerModel if family == "transformer" else EmbeddingLogregModel
    missing = tmp_path / "no_such_model"
    with pytest.raises(ModelError, match=r"model\.pretrained: .*no_such_model does not exist"):
        cls(heads=TASKS["stance"], pretrained=str(missing)).fit(TRAIN)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=r"model\.pretrained: .*empty is not a model directory"):
        cls(heads=TASKS["stance"], pretrained=str(tmp_path / "empty")).fit(TRAIN)


def test_max_length_too_small_names_needed_length(tiny_model_dir: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"model\.max_length=16 is too small: the longest sentence needs \d+ tokens"
    ):
        transformer(TASKS["stance"], tiny_model_dir, max_length=16).fit(TRAIN, DEV)
    with pytest.raises(ConfigError, match=r"model\.max_length=4 is below the minimum"):
        transformer(TASKS["stance"], tiny_model_dir, max_length=4).fit(TRAIN)


def test_out_of_memory_names_batch_size() -> None:
    import torch

    from src.models.encoder import out_of_memory_as_config_error

    expected = r"model\.batch_size=32: out of memory .* model\.batch_size=16"
    with pytest.raises(ConfigError, match=expected), out_of_memory_as_config_error(32, "cuda:0", "training"):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    with (
        pytest.raises(RuntimeError, match="shape mismatch"),
        out_of_memory_as_config_error(32, "cpu", "training"),
    ):
        raise RuntimeError("shape mismatch")


@pytest.mark.parametrize("context", [False, True])
def test_embedding_logreg_fits_saves_and_loads(context: bool, tiny_model_dir: Path, tmp_path: Path) -> None:
    from src.models.embedding import EmbeddingLogregModel

    train, dev = make_examples(ROWS * 2, context), make_examples(ROWS, context)
    model = EmbeddingLogregModel(
        heads=TASKS["multitask"] + (STANCE_ML,), pretrained=str(tiny_model_dir), device="cpu"
    )
    model.fit(train, dev)
    assert model.embed(dev.texts, dev.contexts).shape == (len(dev), 32 * (2 if context else 1))
    before = model.predict_proba(dev.texts, dev.contexts)
    check_probabilities(model, before, len(dev))
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert isinstance(loaded, EmbeddingLogregModel) and loaded.uses_context_ == context
    after = loaded.predict_proba(dev.texts, dev.contexts)
    for name in before:
        np.testing.assert_array_equal(before[name], after[name])


def test_configs_compose_and_instantiate() -> None:
    import hydra
    from hydra import compose, initialize_config_dir

    from src.config import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for name, family in (("transformer", "transformer"), ("embedding_logreg", "embedding_logreg")):
            cfg = compose("train", overrides=[f"model={name}", "task=multitask"])
            model = hydra.utils.instantiate(cfg.model, _partial_=True, _convert_="all")(
                heads=TASKS["multitask"], seed=3
            )
            assert model.family == family and model.seed == 3
            assert model.get_params()["pretrained"] == "default"
        with pytest.raises(Exception, match="learning_rat"):
            compose("train", overrides=["model=transformer", "model.learning_rat=1e-4"])


def test_tiny_bert_fixture_text_is_tokenizable(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    encoded = tokenizer(FIXTURE_TEXT[0], FIXTURE_TEXT[1])
    assert set(encoded["token_type_ids"]) == {0, 1}


@pytest.mark.slow
def test_fine_tunes_default_encoder_offline(tmp_path: Path) -> None:
    from src.models.transformer import TransformerModel

    model = TransformerModel(
        heads=TASKS["multitask"], seed=0, num_epochs=1, batch_size=8, max_length=64, device="cpu"
    )
    model.fit(TRAIN, DEV)
    check_probabilities(model, model.predict_proba(DEV.texts), len(DEV))
    assert model.model_.encoder.config.hidden_size == 384  # type: ignore[union-attr]
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    np.testing.assert_array_equal(
        loaded.predict_proba(DEV.texts)["primary_stance"], model.predict_proba(DEV.texts)["primary_stance"]
    )
