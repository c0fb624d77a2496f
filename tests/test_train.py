"""Training TF-IDF end to end on the fixture corpus through the real config, and the run directory it writes."""

from __future__ import annotations

import csv
import json
import sys

import numpy as np
import pytest
from omegaconf import OmegaConf

from src.errors import DiplostanceError
from src.evaluate import evaluate
from src.models import load_model
from src.tasks import Head
from src.train import train

TASKS = ["stance", "stance_multilabel", "speaker_role", "multitask"]

# A toy corpus with a known answer: each class has its own key words, every sentence the same filler words, so
# a linear classifier on TF-IDF features must label every held-out sentence right (macro-F1 and accuracy 1.0).
STANCE_WORDS = {
    "cooperative": "alliance partnership cooperation",
    "threat_framing": "missile provocation menace",
    "human_rights_concern": "detention lawyers abuses",
    "none": "weather lunch traffic",
}
ROLE_WORDS = {
    "us_government": "Washington envoy",
    "japan_government": "Tokyo minister",
    "china_government": "Beijing spokesman",
}
TOY_SPLITS = {"train": range(0, 12), "dev": range(12, 15), "test": range(15, 18)}


def toy_corpus(directory):
    """Sentences and a split file of 18 documents, each with every stance once under rotating speaker roles."""
    stances, roles = list(STANCE_WORDS), list(ROLE_WORDS)
    sentences, splits = [], []
    for split, docs in TOY_SPLITS.items():
        for d in docs:
            splits.append({"doc_id": f"d{d:02d}", "split": split})
            for i, stance in enumerate(stances):
                role = roles[(d + i) % len(roles)]
                sentences.append(
                    {
                        "id": f"d{d:02d}-s{i}",
                        "doc_id": f"d{d:02d}",
                        "sent_idx": i,
                        "text": f"The {ROLE_WORDS[role]} said that the {STANCE_WORDS[stance]} came up on day {d}.",
                        "primary_stance": stance,
                        "stance": [] if stance == "none" else [stance],
                        "speaker_role": role,
                    }
                )
    for name, rows in (("sentences.jsonl", sentences), ("splits.jsonl", splits)):
        (directory / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return [
        f"data.sentences={directory / 'sentences.jsonl'}",
        f"data.split_file={directory / 'splits.jsonl'}",
    ]


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("classifier", ["logreg", "linear_svm"])
def test_tfidf_gets_the_toy_corpus_right(compose_cfg, tmp_path, task, classifier):
    cfg = compose_cfg(
        f"task={task}", f"model.classifier.name={classifier}", "data.documents=null", *toy_corpus(tmp_path)
    )
    metrics = train(cfg)
    for split in ("dev", "test"):
        for head in cfg.task.heads:
            for name in ("accuracy", "macro_f1", "weighted_f1"):
                assert metrics[f"{split}/{head.name}/{name}"] == 1.0, (split, head.name, name)
    assert not any(key.startswith("seed_test/") for key in metrics)  # no seed documents, no seed_test split


@pytest.mark.parametrize("task", TASKS)
def test_tfidf_trains_on_every_task(compose_cfg, tmp_path, task):
    cfg = compose_cfg(f"task={task}")
    metrics = train(cfg)
    run_dir = tmp_path / "run"

    heads = [h.name for h in cfg.task.heads]
    task_heads = [Head(**{**h, "labels": tuple(h["labels"])}) for h in OmegaConf.to_container(cfg.task.heads)]
    # The metrics are evaluate()'s answer on the stored gold labels, predictions and probabilities of each split:
    # label metrics exactly, calibration up to the stored probabilities' 6 digits.
    rows = _read_jsonl(run_dir / "predictions.jsonl")
    for split in ("dev", "test", "seed_test"):
        split_rows = [r for r in rows if r["split"] == split]
        expected = evaluate(
            {h: [r["gold"][h] for r in split_rows] for h in heads},
            {h: [r["pred"][h] for r in split_rows] for h in heads},
            task_heads,
            split,
            proba={
                h.name: np.array([[r["proba"][h.name][lab] for lab in h.labels] for r in split_rows])
                for h in task_heads
            },
        ).scalars
        got = {k: v for k, v in metrics.items() if k.startswith(f"{split}/")}
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if key.endswith(("/ece", "/brier")):
                assert got[key] == pytest.approx(value, abs=1e-4), key
            else:
                assert got[key] == value, key

    record = json.loads((run_dir / "metrics.json").read_text())
    assert record["metrics"] == metrics
    assert record["optimized_value"] == metrics[cfg.task.optimized_metric]
    for head in heads:
        confusion = record["confusion_matrices"][f"test/{head}"]
        assert confusion["labels"] == list(next(h for h in cfg.task.heads if h.name == head).labels)
    for name in (
        "config.yaml",
        "splits.json",
        "predictions.jsonl",
        "provenance.json",
        "model/model_meta.json",
    ):
        assert (run_dir / name).is_file(), name
    assert not (run_dir / "FAILED.txt").exists()

    # Predictions from the saved-then-loaded model equal the run's stored predictions.
    assert {r["split"] for r in rows} == {"dev", "test", "seed_test"}
    model = load_model(run_dir / "model")
    predicted = model.predict([r["text"] for r in rows])
    for head in heads:
        assert predicted[head] == [r["pred"][head] for r in rows]
    for row in rows[:5]:
        for head in heads:
            assert set(row["proba"][head]) == set(next(h for h in cfg.task.heads if h.name == head).labels)

    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["seed"] == cfg.seed
    assert all(len(digest) == 64 for digest in provenance["data_files"].values())
    assert {"git", "packages", "command"} <= set(provenance)

    table = list(csv.DictReader((tmp_path / "outputs" / "runs.csv").open()))
    assert [r["head"] for r in table] == heads
    assert float(table[0]["test_macro_f1"]) == pytest.approx(metrics[f"test/{heads[0]}/macro_f1"], abs=1e-4)


def test_multilabel_threshold_is_tuned_and_recorded(compose_cfg, tmp_path):
    train(compose_cfg("task=stance_multilabel"))
    meta = json.loads((tmp_path / "run" / "model" / "model_meta.json").read_text())
    assert 0.0 < meta["thresholds"]["stance"] < 1.0


def test_context_previous_changes_features_and_round_trips(compose_cfg, tmp_path):
    from src.models.tfidf_features import CONTEXT_PREFIX, join_context, union_transform

    with_context = train(compose_cfg("data.context=previous", run_name="ctx"))
    without = train(compose_cfg(run_name="plain"))
    assert with_context != without
    model = load_model(tmp_path / "ctx" / "model")
    plain = load_model(tmp_path / "plain" / "model")
    assert model.uses_context_ and model.context_ == "previous" and not plain.uses_context_

    # The context adds a branch of prefixed context words; the sentence's own branches are those of the plain run.
    branches = dict(model.features_.transformer_list)
    assert list(branches) == ["word", "char", "context_word"]
    assert list(dict(plain.features_.transformer_list)) == ["word", "char"]
    context_terms = branches["context_word"].named_steps["tfidf"].get_feature_names_out()
    # Context words carry the prefix (a word glued to leading punctuation, "(called", loses it to tokenization).
    prefixed = sum(CONTEXT_PREFIX in term for term in context_terms)
    assert len(context_terms) > 100 and prefixed > 0.9 * len(context_terms)
    for name in ("word", "char"):
        np.testing.assert_array_equal(
            branches[name].named_steps["tfidf"].get_feature_names_out(),
            dict(plain.features_.transformer_list)[name].named_steps["tfidf"].get_feature_names_out(),
        )

    # The same sentence gets different features, and different probabilities, after different contexts.
    sentence = "Both sides agreed to deepen their cooperation."
    contexts = [
        "",
        "China warned against military drills near Taiwan.",
        "Rights lawyers remain in detention.",
    ]
    features = union_transform(model.features_, join_context([sentence] * 3, contexts)).toarray()
    assert not np.array_equal(features[0], features[1]) and not np.array_equal(features[1], features[2])
    proba = model.predict_proba([sentence] * 3, contexts)["primary_stance"]
    assert not np.array_equal(proba[0], proba[1]) and not np.array_equal(proba[1], proba[2])
    # The plain model ignores contexts.
    plain_proba = plain.predict_proba([sentence] * 3, contexts)["primary_stance"]
    np.testing.assert_array_equal(plain_proba, np.repeat(plain_proba[:1], 3, axis=0))


def test_same_seed_gives_same_metrics(compose_cfg):
    first = train(compose_cfg("seed=3", run_name="a"))
    second = train(compose_cfg("seed=3", run_name="b"))
    assert first == second


def test_a_finished_run_is_never_overwritten(compose_cfg):
    cfg = compose_cfg()
    train(cfg)
    with pytest.raises(DiplostanceError, match="never overwritten"):
        train(cfg)


def test_tfidf_path_does_not_import_torch(tmp_path):
    import subprocess

    code = (
        "import sys\n"
        "from hydra import compose, initialize_config_dir\n"
        "from src.config import CONFIG_DIR\n"
        "from src.train import train\n"
        "with initialize_config_dir(str(CONFIG_DIR), version_base='1.3'):\n"
        f"    cfg = compose('train', overrides=['data=fixture', 'paths.output_dir={tmp_path}/r', 'paths.log_dir={tmp_path}'])\n"
        "train(cfg)\n"
        "from src.models import load_model\n"
        f"load_model('{tmp_path}/r/model')\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_mlflow_logger_records_the_run(compose_cfg, tmp_path):
    mlflow = pytest.importorskip("mlflow")  # installed with the dev extra; `logger=mlflow` needs it
    metrics = train(compose_cfg("logger=mlflow", "eval.calibrate=temperature"))
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["diplostance"])
    assert len(runs) == 1
    assert runs["metrics.test/primary_stance/macro_f1"][0] == pytest.approx(
        metrics["test/primary_stance/macro_f1"]
    )
    assert runs["params.model"][0] == "tfidf"
    # Intervals, calibration and the temperature as metrics; the reliability diagram as an artifact.
    low, high = record["intervals"]["test/primary_stance/macro_f1_ci"]
    assert runs["metrics.test/primary_stance/macro_f1_ci_low"][0] == pytest.approx(low)
    assert runs["metrics.test/primary_stance/macro_f1_ci_high"][0] == pytest.approx(high)
    for name in ("ece", "brier", "mcc", "ece_scaled", "brier_scaled"):
        assert runs[f"metrics.test/primary_stance/{name}"][0] == pytest.approx(
            metrics[f"test/primary_stance/{name}"]
        )
    assert runs["metrics.temperature/primary_stance"][0] == pytest.approx(
        record["temperature"]["primary_stance"]
    )
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(runs["run_id"][0])]
    assert "reliability.png" in artifacts and "metrics.json" in artifacts


@pytest.mark.parametrize("task", ["multitask", "stance_multilabel"])
def test_metrics_json_holds_intervals_and_calibration(compose_cfg, tmp_path, task):
    """Every split and head gets document-bootstrap intervals, calibration figures and reliability bins."""
    cfg = compose_cfg(f"task={task}", "data.documents=null", *toy_corpus(tmp_path))
    metrics = train(cfg)
    run_dir = tmp_path / "run"
    record = json.loads((run_dir / "metrics.json").read_text())
    assert record["metrics"] == metrics and all(isinstance(v, float) for v in metrics.values())
    heads = {h.name: h for h in cfg.task.heads}
    for split in ("dev", "test"):
        for name, head in heads.items():
            key = f"{split}/{name}"
            for metric in ("macro_f1", "accuracy"):
                low, high = record["intervals"][f"{key}/{metric}_ci"]
                assert low <= metrics[f"{key}/{metric}"] <= high
            assert record["bootstrap"][key] == {
                "unit": "document",
                "units": 3,  # the toy corpus's dev and test splits hold 3 documents each
                "resamples": 1000,
                "confidence": 0.95,
                "method": "percentile",
                "seed": 0,
            }
            assert 0 <= metrics[f"{key}/ece"] <= 1 and metrics[f"{key}/brier"] >= 0
            bins = record["reliability"][key]
            assert len(bins["count"]) == 15 and len(bins["edges"]) == 16
            assert bins["kind"] == ("per_label" if head.multilabel else "top_label")
            n = record["support"][key]
            assert sum(bins["count"]) == (n * len(head.labels) if head.multilabel else n)
            if head.multilabel:
                assert {f"{key}/micro_f1", f"{key}/subset_accuracy", f"{key}/hamming_loss"} <= set(metrics)
            else:
                assert -1 <= metrics[f"{key}/mcc"] <= 1
    assert "reliability_scaled" not in record and "temperature" not in record  # eval.calibrate is off
    assert (run_dir / "reliability.png").stat().st_size > 10_000


def test_a_split_of_one_document_resamples_sentences_with_a_note(compose_cfg, tmp_path, capsys):
    """The fixture's dev, test and seed_test splits are one document each: their intervals resample sentences."""
    train(compose_cfg())
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    for split in ("dev", "test", "seed_test"):
        how = record["bootstrap"][f"{split}/primary_stance"]
        assert how["unit"] == "sentence" and how["units"] == record["support"][f"{split}/primary_stance"]
        assert how["note"].startswith("one document")
        assert f"{split}/primary_stance/macro_f1_ci" in record["intervals"]
    assert "note: seed_test/primary_stance bootstrap: one document" in capsys.readouterr().out


def test_temperature_scaling_is_reported_and_changes_nothing_else(compose_cfg, tmp_path):
    plain = train(compose_cfg("task=multitask", run_name="plain"))
    scaled = train(compose_cfg("task=multitask", "eval.calibrate=temperature", run_name="scaled"))
    assert {k: v for k, v in scaled.items() if "_scaled" not in k} == plain
    record = json.loads((tmp_path / "scaled" / "metrics.json").read_text())
    single = [h.name for h in compose_cfg("task=multitask").task.heads if not h.multilabel]
    assert set(record["temperature"]) == set(single) and all(t > 0 for t in record["temperature"].values())
    for split in ("dev", "test", "seed_test"):
        for head in single:
            assert {f"{split}/{head}/ece_scaled", f"{split}/{head}/brier_scaled"} <= set(scaled)
            assert f"{split}/{head}" in record["reliability_scaled"]
    # Reported only: the predictions and the saved model keep the model's own probabilities.
    for name in ("predictions.jsonl", "model/model_meta.json"):
        assert (tmp_path / "scaled" / name).read_text() == (tmp_path / "plain" / name).read_text(), name


def test_bad_eval_settings_fail_before_any_artifact(compose_cfg, tmp_path):
    with pytest.raises(DiplostanceError, match="eval.bootstrap.resamples: must be at least 1"):
        train(compose_cfg("eval.bootstrap.resamples=0"))
    assert not (tmp_path / "run" / "config.yaml").exists()
