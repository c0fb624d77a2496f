"""The report of finished runs (``python -m src.report``): its statistics on toy data with known answers, and the
whole report built from tiny TF-IDF runs, bad input included."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from src.bootstrap import scores, sentence_counts, unit_table
from src.evaluate import macro_f1
from src.report import compare_dirs, main
from src.reporting.errors import load_actors
from src.reporting.stats import (
    bootstrap_scores,
    document_of,
    mcnemar,
    paired_bootstrap,
    permutation_pvalue,
)
from tests.conftest import train_run

LABELS = ["a", "b", "c"]


def toy(n: int = 120, accuracy_a: float = 0.9, accuracy_b: float = 0.4, seed: int = 0):
    """Gold labels and two systems' predictions: A right on ``accuracy_a`` of the sentences, B on ``accuracy_b``."""
    rng = np.random.default_rng(seed)
    gold = rng.choice(LABELS, n)

    def system(accuracy: float) -> np.ndarray:
        wrong = np.array([LABELS[(LABELS.index(g) + 1) % 3] for g in gold])
        return np.where(rng.random(n) < accuracy, gold, wrong)

    return list(gold), list(system(accuracy_a)), list(system(accuracy_b))


# ----------------------------------------------------------------------------------------------- statistics
def test_scores_from_counts_match_the_project_macro_f1():
    gold, pred, _ = toy(accuracy_a=0.6)
    pred[:5] = ["a"] * 5
    point = scores(sentence_counts(gold, pred, LABELS, False).sum(axis=0), 3, False)
    assert point[0] == pytest.approx(macro_f1(gold, pred, LABELS))
    assert point[1] == pytest.approx(np.mean(np.array(gold) == np.array(pred)))
    # A label absent from gold and predictions does not count (src.evaluate.averaged_labels).
    only_ab = ["a", "b", "a", "b"]
    counts = sentence_counts(only_ab, ["a", "a", "a", "b"], LABELS, False).sum(axis=0)
    assert scores(counts, 3, False)[0] == pytest.approx(macro_f1(only_ab, ["a", "a", "a", "b"], LABELS))
    # Multi-label: every label column, exact match as accuracy.
    gold_ml, pred_ml = [["a"], ["a", "b"], []], [["a"], ["b"], ["c"]]
    indicator = [[[lab in row for lab in LABELS] for row in rows] for rows in (gold_ml, pred_ml)]
    ml = scores(sentence_counts(gold_ml, pred_ml, LABELS, True).sum(axis=0), 3, True)
    assert ml[0] == pytest.approx(macro_f1(np.array(indicator[0]), np.array(indicator[1])))
    assert ml[1] == pytest.approx(1 / 3)


def test_units_are_documents_named_by_the_sentence_id_prefix():
    assert document_of("auth-a13-s007") == "auth-a13"
    assert document_of("seed-000-s012") == "seed-000"
    assert document_of("odd") == "odd"
    counts = np.eye(3)
    assert unit_table(counts, ["d1", "d2", "d1"]).tolist() == [[1, 0, 1], [0, 1, 0]]


def test_permutation_test_gives_one_for_identical_predictions():
    gold, pred, _ = toy()
    counts = sentence_counts(gold, pred, LABELS, False)
    assert permutation_pvalue(counts, counts, 3, False) == pytest.approx(1.0)


def test_permutation_test_gives_a_small_p_for_a_clearly_better_model():
    gold, better, worse = toy(accuracy_a=0.9, accuracy_b=0.4)
    a, b = (sentence_counts(gold, p, LABELS, False) for p in (better, worse))
    assert permutation_pvalue(a, b, 3, False) < 0.001
    # Close systems: no evidence.
    gold, one, other = toy(accuracy_a=0.7, accuracy_b=0.7, seed=3)
    a, b = (sentence_counts(gold, p, LABELS, False) for p in (one, other))
    assert permutation_pvalue(a, b, 3, False) > 0.05


def test_mcnemar_matches_hand_computed_examples():
    # b = 10 sentences only A gets right, c = 2 only B: b + c = 12 < 25, exact binomial test.
    # P(X <= 2 | n = 12, 1/2) = (1 + 12 + 66) / 4096; two-sided: twice that.
    correct_a = [True] * 10 + [False] * 2 + [True] * 5 + [False] * 3
    correct_b = [False] * 10 + [True] * 2 + [True] * 5 + [False] * 3
    exact = mcnemar(correct_a, correct_b)
    assert (exact.b, exact.c, exact.method) == (10, 2, "exact binomial")
    assert exact.pvalue == pytest.approx(2 * 79 / 4096)
    # b = 30, c = 10: chi-square with continuity correction (|30 - 10| - 1)^2 / 40 = 9.025 on 1 df,
    # whose survival function is erfc(sqrt(x / 2)).
    chi = mcnemar([True] * 30 + [False] * 10, [False] * 30 + [True] * 10)
    assert chi.statistic == pytest.approx(9.025)
    assert chi.pvalue == pytest.approx(math.erfc(math.sqrt(9.025 / 2)))
    assert chi.method.startswith("chi-square")
    same = mcnemar([True, False], [True, False])
    assert (same.b, same.c, same.pvalue) == (0, 0, 1.0)


def test_paired_bootstrap_interval_contains_the_observed_difference():
    gold, a, b = toy(n=200, accuracy_a=0.8, accuracy_b=0.6)
    docs = [f"d{i // 10}" for i in range(200)]
    table_a = unit_table(sentence_counts(gold, a, LABELS, False), docs)
    table_b = unit_table(sentence_counts(gold, b, LABELS, False), docs)
    diff = paired_bootstrap(table_a, table_b, 3, False)
    observed = macro_f1(gold, a, LABELS) - macro_f1(gold, b, LABELS)
    assert diff.point[0] == pytest.approx(observed)
    assert diff.low[0] <= observed <= diff.high[0]
    assert diff.low[0] > 0  # a 20-point gap on 200 sentences is no accident
    single = bootstrap_scores(table_a, 3, False)
    assert single.low[0] <= single.point[0] <= single.high[0]
    assert bootstrap_scores(table_a[:1], 3, False).low is None  # one unit: no interval


def test_actor_words_come_from_the_lexicons_whole_words_case_sensitive():
    actors = load_actors()
    assert set(actors) == {"China", "Japan", "United States", "Russia", "North Korea"}
    assert actors["United States"].search("the US said") and not actors["United States"].search("told us")
    assert actors["China"].search("Chinese officials") and actors["North Korea"].search("Pyongyang fired")
    assert actors["United States"].search("Americans and Japanese") and not actors["Russia"].search(
        "Russians"
    )


# ----------------------------------------------------------------------------------------------- whole report
@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """2 configurations x 2 seeds of TF-IDF on the fixture corpus, under one folder (like a multirun)."""
    root = tmp_path_factory.mktemp("runs")
    for name, extra in (("base", []), ("words", ["model.char_ngram_range=null", "model.classifier.C=0.2"])):
        for seed in (1, 2):
            train_run(root / f"{name}_{seed}", "data=fixture", f"seed={seed}", *extra)
    return root


def report(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_pools_seeds_and_compares_configurations_on_the_same_sentences(runs, tmp_path, capsys):
    code, out, err = report(capsys, runs, "--out", tmp_path / "report")
    assert code == 0, err
    text = (tmp_path / "report" / "REPORT.md").read_text(encoding="utf-8")
    assert "# Report: 4 runs in 2 configuration(s)" in text
    assert "## Paired comparisons" in text and "Not paired" not in text
    base, words = (
        "tfidf/stance model.char_ngram_range=[2, 5] model.classifier.C=1.0",
        "model.classifier.C=0.2",
    )
    comparisons = [line for line in text.splitlines() if line.startswith(f"| {base} |") and words in line]
    assert {line.split(" | ")[2] for line in comparisons} == {"dev", "test", "seed_test"}
    assert "p (permutation)" in text and "McNemar" in text and "in each of 2 run pairs" in text
    assert " ± " in text and "(1 run)" not in text  # two seeds: a standard deviation
    assert "22 sentences (one document)" in text  # seed_test is one document: sentences resampled, said
    assert "Top n-grams of the primary_stance classifier" in text
    assert "Most confident errors of primary_stance" in text
    assert "genre: joint_statement" in text and "actor: Japan" in text
    assert "no learning curve" in text
    written = {p.name for p in (tmp_path / "report").iterdir()}
    assert {"summary.csv", "comparisons.csv", "mcnemar.csv", "per_class_f1.csv", "slices.csv"} <= written
    assert {"confusion_test_primary_stance.png", "per_class_f1_test_primary_stance.png"} <= written
    assert "reliability_test_primary_stance.png" in written
    summary = (tmp_path / "report" / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(summary) == 1 + 2 * 3  # two configurations x three splits, one head
    assert "pooled macro-F1" in out and "Δ macro-F1" in out  # the main table is printed
    # The sweep-end table still works on the same runs.
    assert "tfidf/stance" in compare_dirs(sorted(runs.glob("*/run")))


def test_report_directory_is_new_and_never_overwritten(runs, tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "REPORT.md").write_text("an earlier report\n")
    code, _, err = report(capsys, runs, "--out", tmp_path / "taken", "--no-figures")
    assert code == 2 and "never overwritten" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "taken" / "REPORT.md").read_text() == "an earlier report\n"


def test_folder_without_finished_runs_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = report(capsys, tmp_path / "empty", "--out", tmp_path / "report")
    assert code == 2 and "no finished runs" in err and len(err.strip().splitlines()) == 1
    code, _, err = report(capsys, tmp_path / "missing", "--out", tmp_path / "report")
    assert code == 2 and "no such directory" in err
    assert not (tmp_path / "report").exists()


def test_unfinished_runs_are_skipped_with_a_note(runs, tmp_path, capsys):
    unfinished = tmp_path / "sweep" / "2_unfinished"
    shutil.copytree(
        runs / "base_1" / "run", unfinished, ignore=shutil.ignore_patterns("metrics.json", "model")
    )
    failed = tmp_path / "sweep" / "3_failed"
    failed.mkdir()
    (failed / "FAILED.txt").write_text("DataError: bad line\n")
    shutil.copytree(runs / "base_1" / "run", tmp_path / "sweep" / "0_done")
    code, out, err = report(capsys, tmp_path / "sweep", "--out", tmp_path / "report", "--no-figures")
    assert code == 0, err
    text = (tmp_path / "report" / "REPORT.md").read_text(encoding="utf-8")
    assert f"{unfinished}: unfinished (no metrics.json); skipped" in text
    assert "failed (DataError: bad line); skipped" in text and "skipped" in out
    # Only the finished run is reported: a single seed, said so, without a standard deviation.
    assert "# Report: 1 run in 1 configuration(s)" in text
    main_table = text.split("## Main table")[1].split("## ")[0]
    rows = [line for line in main_table.splitlines() if line.startswith("| tfidf/stance |")]
    assert "a single run (seed 1): no standard deviation" in text
    assert rows and all("(1 run)" in row and " ± " not in row for row in rows)
    assert "A single configuration: nothing to compare." in text


def test_runs_scored_on_different_test_sentences_are_not_paired(runs, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(runs / "base_1" / "run", other)
    config = yaml.safe_load((other / "config.yaml").read_text())
    config["model"]["classifier"]["C"] = 7.0  # another configuration ...
    (other / "config.yaml").write_text(yaml.safe_dump(config))
    rows = [json.loads(line) for line in (other / "predictions.jsonl").read_text().splitlines()]
    dropped = next(r["id"] for r in rows if r["split"] == "test")
    kept = [r for r in rows if r["id"] != dropped]  # ... scored on one test sentence fewer
    (other / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    code, out, err = report(capsys, runs / "base_1", other, "--out", tmp_path / "report", "--no-figures")
    assert code == 0, err
    text = (tmp_path / "report" / "REPORT.md").read_text(encoding="utf-8")
    refusal = next(line for line in text.splitlines() if line.startswith("- Not paired") and "(test/" in line)
    assert "scored on different test sentences (6 vs 5, 5 shared)" in refusal
    assert "not paired" in out
    # dev and seed_test are the same sentences: those are compared.
    assert any(
        line.startswith("| tfidf/stance") and "| dev |" in line
        for line in text.split("## Paired")[1].splitlines()
    )


def test_learning_curve_from_runs_that_differ_in_training_documents(runs, tmp_path, capsys):
    # The same test document; the small run's other documents go to dev (a split file assigns every document).
    documents = ["fx-01", "fx-03", "fx-04", "fx-05", "fx-06", "fx-07"]
    for name, train_docs in (("small", ["fx-03", "fx-06"]), ("large", documents[1:])):
        rows = {"fx-02": "test", "seed-000": "seed_test"}
        rows.update({doc: "train" if doc in train_docs else "dev" for doc in documents})
        split_file = tmp_path / f"{name}.jsonl"
        split_file.write_text("".join(json.dumps({"doc_id": d, "split": s}) + "\n" for d, s in rows.items()))
        train_run(tmp_path / "curve" / name, "data=fixture", f"data.split_file={split_file}")
    code, _, err = report(capsys, tmp_path / "curve", "--out", tmp_path / "report")
    assert code == 0, err
    text = (tmp_path / "report" / "REPORT.md").read_text(encoding="utf-8")
    assert "| training documents |" in text and "learning_curve_test_primary_stance.png" in text
    curve = (tmp_path / "report" / "learning_curve.csv").read_text().splitlines()
    assert [line.split(",")[2] for line in curve[1:]] == ["2", "5"]


def test_report_is_logged_to_mlflow_with_its_files(runs, tmp_path, capsys):
    mlflow = pytest.importorskip("mlflow")  # installed with the dev extra
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = tmp_path / "report"
    assert main([str(runs), "--out", str(out), "--no-figures", "--mlflow", uri]) == 0
    mlflow.set_tracking_uri(uri)
    logged = mlflow.search_runs(experiment_names=["diplostance"])
    assert len(logged) == 1 and logged["tags.mlflow.runName"][0] == "report report"
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(logged["run_id"][0])}
    assert "REPORT.md" in artifacts and "summary.csv" in artifacts
