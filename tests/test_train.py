"""Training TF-IDF end to end on the fixture corpus through the real config, and the run directory it writes."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from src.errors import DiplostanceError
from src.models import load_model
from src.train import train

TASKS = ["stance", "stance_multilabel", "speaker_role", "multitask"]


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("task", TASKS)
def test_tfidf_trains_on_every_task(compose_cfg, tmp_path, task):
    cfg = compose_cfg(f"task={task}")
    metrics = train(cfg)
    run_dir = tmp_path / "run"

    heads = [h.name for h in cfg.task.heads]
    for split in ("dev", "test", "seed_test"):
        for head in heads:
            for name in ("accuracy", "macro_f1", "weighted_f1"):
                assert 0.0 <= metrics[f"{split}/{head}/{name}"] <= 1.0
    assert all(0.0 <= v <= 1.0 for v in metrics.values())

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
    rows = _read_jsonl(run_dir / "predictions.jsonl")
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
    metrics = train(compose_cfg("data.context=previous"))
    assert 0.0 <= metrics["test/primary_stance/macro_f1"] <= 1.0
    model = load_model(tmp_path / "run" / "model")
    assert model.uses_context_
    rows = _read_jsonl(tmp_path / "run" / "predictions.jsonl")
    assert len(rows) > 0


def test_linear_svm_classifier(compose_cfg):
    metrics = train(compose_cfg("model.classifier.name=linear_svm", "model.classifier.C=0.5"))
    assert 0.0 <= metrics["dev/primary_stance/macro_f1"] <= 1.0


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
    metrics = train(compose_cfg("logger=mlflow"))
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["diplostance"])
    assert len(runs) == 1
    assert runs["metrics.test/primary_stance/macro_f1"][0] == pytest.approx(
        metrics["test/primary_stance/macro_f1"]
    )
    assert runs["params.model"][0] == "tfidf"
