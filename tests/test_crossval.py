"""Document-grouped cross-validation (src/crossval.py) through the ordinary training run, on the fixture corpus."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import DictConfig

from src.crossval import document_label
from src.errors import ConfigError, DataError
from src.tasks import Head
from src.train import train
from tests.conftest import FIXTURE_CORPUS

FAST = ("eval.bootstrap.resamples=20", "save_model=false", "logger.runs_table=null")


def fold_splits(run_dir: Path) -> list[dict[str, list[str]]]:
    return [json.loads((d / "splits.json").read_text())["documents"] for d in sorted(run_dir.glob("fold_*"))]


def test_folds_test_every_document_once_and_never_train_on_it(
    compose_cfg: Callable[..., DictConfig], tmp_path: Path
) -> None:
    metrics = train(compose_cfg("eval.cv_folds=3", *FAST))
    run_dir = tmp_path / "run"
    folds = fold_splits(run_dir)
    assert len(folds) == 3
    for splits in folds:
        assert splits["test"]
        assert not set(splits["test"]) & (set(splits["train"]) | set(splits["dev"]))
        assert splits["seed_test"] == ["seed-000"]
        assert (run_dir / f"fold_{folds.index(splits)}" / "metrics.json").is_file()
    tested = [doc for splits in folds for doc in splits["test"]]
    assert sorted(tested) == [f"fx-0{i}" for i in range(1, 8)]

    summary = json.loads((run_dir / "cv_summary.json").read_text())
    assert summary["folds"] == 3 and summary["group_by"] == "document"
    f1 = summary["metrics"]["test/primary_stance/macro_f1"]
    assert set(f1) == {"mean", "sd", "min", "max", "folds", "pooled"}
    assert f1["min"] <= f1["mean"] <= f1["max"] and len(f1["folds"]) == 3
    record = json.loads((run_dir / "metrics.json").read_text())
    assert record["support"]["test/primary_stance"] == sum(
        json.loads((run_dir / f"fold_{k}" / "metrics.json").read_text())["support"]["test/primary_stance"]
        for k in range(3)
    )
    assert metrics["test/primary_stance/macro_f1"] == f1["pooled"]
    assert record["optimized_value"] == metrics["dev/primary_stance/macro_f1"]


def test_folds_are_deterministic_given_the_split_seed(
    compose_cfg: Callable[..., DictConfig], tmp_path: Path
) -> None:
    train(compose_cfg("eval.cv_folds=2", *FAST, run_name="a"))
    train(compose_cfg("eval.cv_folds=2", *FAST, run_name="b"))
    assert fold_splits(tmp_path / "a") == fold_splits(tmp_path / "b")


def test_leave_one_genre_out(compose_cfg: Callable[..., DictConfig], tmp_path: Path) -> None:
    # Two genres: the fixture's news documents against everything else.
    lines = []
    for line in (FIXTURE_CORPUS / "documents.jsonl").read_text().splitlines():
        doc = json.loads(line)
        doc["genre"] = "news" if doc["genre"] == "news" else "official"
        lines.append(json.dumps(doc))
    documents = tmp_path / "documents.jsonl"
    documents.write_text("\n".join(lines) + "\n")
    train(compose_cfg("eval.group_by=genre", f"data.documents={documents}", *FAST))
    run_dir = tmp_path / "run"
    folds = fold_splits(run_dir)
    assert sorted(map(tuple, (f["test"] for f in folds))) == [
        ("fx-01", "fx-04"),
        ("fx-02", "fx-03", "fx-05", "fx-06", "fx-07"),
    ]
    assert json.loads((run_dir / "cv_summary.json").read_text())["genres"] in (
        [["news"], ["official"]],
        [["official"], ["news"]],
    )


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        (("eval.cv_folds=1",), ConfigError, "eval.cv_folds"),
        (("eval.cv_folds=8",), ConfigError, "7 training documents"),
        (("eval.group_by=genre", "eval.cv_folds=3"), ConfigError, "leave eval.cv_folds null"),
        (("eval.group_by=genre", "data.documents=null"), ConfigError, "data.documents"),
    ],
)
def test_bad_input(
    compose_cfg: Callable[..., DictConfig],
    tmp_path: Path,
    overrides: tuple[str, ...],
    error: type,
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        train(compose_cfg(*overrides, *FAST))
    assert not (tmp_path / "run" / "fold_0").exists()


def test_one_genre_is_refused(compose_cfg: Callable[..., DictConfig], tmp_path: Path) -> None:
    documents = tmp_path / "documents.jsonl"
    documents.write_text(
        "".join(
            json.dumps({**json.loads(line), "genre": "news"}) + "\n"
            for line in (FIXTURE_CORPUS / "documents.jsonl").read_text().splitlines()
        )
    )
    with pytest.raises(DataError, match="at least 2 genres"):
        train(compose_cfg("eval.group_by=genre", f"data.documents={documents}", *FAST))


def test_document_label() -> None:
    single = Head("s", "s", ("a", "b", "c"))
    assert document_label(["b", "a", "b"], single) == "b"
    assert document_label(["c", "a"], single) == "a"  # a tie goes to the head's first label
    multi = Head("m", "m", ("x", "y"), multilabel=True)
    assert document_label([["y"], ["x", "y"], []], multi) == "y"
    assert document_label([[], []], multi) == "none"
