"""The corpus profile (python -m src.profile) on toy output with known shares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.errors import DataError
from src.labelling.archive import MANIFEST
from src.labelling.corpus_profile import PROFILE_DIR, build_profile, main_table, month_of, share_intervals
from src.profile import main


def _record(article: str, stance, role: str, speaker: str, source: str, date: str | None) -> dict:
    key = "stance" if isinstance(stance, list) else "primary_stance"
    return {
        "article": article,
        "source": source,
        "date": date,
        "speaker": speaker,
        "speaker_role": role,
        key: stance,
    }


def write_output(out: Path, partitions: dict[str, list[dict]], complete: bool = True) -> Path:
    """An output directory as python -m src.predict writes it (JSONL partitions and the manifest)."""
    out.mkdir(parents=True)
    entries = {}
    for name, records in partitions.items():
        (out / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        entries[name] = {"name": name, "file": f"{name}.jsonl", "sentences": len(records)}
    (out / MANIFEST).write_text(json.dumps({"complete": complete, "partitions": entries}))
    return out


TOY = {
    "p0": [
        # Article a: US government 2 cooperative + 1 threat (Jan 2023); the narrator 1 none.
        _record("a", "cooperative", "us_government", "Antony Blinken", "State Department", "2023-01-05"),
        _record("a", "cooperative", "us_government", "Antony Blinken", "State Department", "2023-01-05"),
        _record("a", "threat_framing", "us_government", "Antony Blinken", "State Department", "2023-01-05"),
        _record("a", "none", "narrator", "narrator", "State Department", "2023-01-05"),
    ],
    "p1": [
        # Article b: US government 1 cooperative (Feb 2023); China 2 threat, undated article c.
        _record("b", "cooperative", "us_government", "Lloyd Austin", "DW", "2023-02-10T08:00:00Z"),
        _record("c", "threat_framing", "china_government", "Wang Wenbin", "Xinhua", None),
        _record("c", "threat_framing", "china_government", "Wang Wenbin", "Xinhua", None),
    ],
}


def _row(rows: list[dict], group: str) -> dict:
    return next(r for r in rows if r.get("group") == group)


def test_shares_counts_and_article_intervals_match_a_hand_count(tmp_path):
    profile = build_profile(write_output(tmp_path / "out", TOY), resamples=500)
    assert profile.labels == ["cooperative", "none", "threat_framing"]
    us = _row(profile.tables["role"], "us_government")
    assert (us["sentences"], us["articles"], us["cooperative_count"]) == (4, 2, 3)
    assert us["cooperative_share"] == 0.75 and us["threat_framing_share"] == 0.25
    # Two articles: a resample is {a, a} (2/3), {b, b} (1) or {a, b} (3/4); the interval lies within [2/3, 1].
    assert 2 / 3 - 1e-9 <= us["cooperative_low"] <= 0.75 <= us["cooperative_high"] <= 1.0
    assert us["cooperative_low"] < us["cooperative_high"]
    china = _row(profile.tables["role"], "china_government")
    # One article: no interval.
    assert china["threat_framing_share"] == 1.0 and china["threat_framing_low"] is None
    assert _row(profile.tables["speaker"], "Antony Blinken")["sentences"] == 3
    assert _row(profile.tables["source"], "DW")["cooperative_share"] == 1.0
    months = {r["group"]: r for r in profile.tables["month"]}
    assert set(months) == {"2023-01", "2023-02"} and months["2023-01"]["none_share"] == 0.25
    role_month = {(r["role"], r["month"]): r for r in profile.tables["role_month"]}
    assert role_month[("us_government", "2023-01")]["cooperative_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert any("no ISO date" in note for note in profile.notes)
    assert set(profile.figures) == {"stance_by_role_over_time.png", "top_speakers.png"}
    assert all(png[:4] == b"\x89PNG" for png in profile.figures.values())
    table = main_table(profile)
    assert "us_government" in table and "0.75 [" in table


def test_multilabel_stance_and_an_unfinished_run(tmp_path):
    records = [
        _record("a", ["cooperative", "threat_framing"], "joint", "Tokyo and Manila", "NHK", "2024-03-01"),
        _record("a", [], "joint", "Tokyo and Manila", "NHK", "2024-03-01"),
    ]
    profile = build_profile(write_output(tmp_path / "out", {"p0": records}, complete=False), figures=False)
    joint = _row(profile.tables["role"], "joint")
    # A sentence may carry two labels; one with none counts as "none".
    assert (joint["cooperative_share"], joint["threat_framing_share"], joint["none_share"]) == (0.5, 0.5, 0.5)
    assert any("not complete" in note for note in profile.notes) and profile.figures == {}


def test_the_command_writes_tables_and_figures_and_prints_the_main_table(tmp_path, capsys):
    out = write_output(tmp_path / "out", TOY)
    assert main([str(out), "--resamples", "200"]) == 0
    printed = capsys.readouterr().out
    assert "Stance share by speaker role" in printed and "china_government" in printed
    written = sorted(p.name for p in (out / PROFILE_DIR).iterdir())
    assert written == [
        "by_month.csv",
        "by_role.csv",
        "by_role_month.csv",
        "by_source.csv",
        "by_speaker.csv",
        "stance_by_role_over_time.png",
        "top_speakers.png",
    ]
    header = (out / PROFILE_DIR / "by_role.csv").read_text().splitlines()[0]
    assert header.startswith("group,sentences,articles,cooperative_count,cooperative_share,cooperative_low")
    assert main([str(out), "--resamples", "200"]) == 0  # the profile inside the output directory is redone
    assert main([str(out), "--out", str(out / PROFILE_DIR)]) == 2  # an explicit --out is never overwritten


def test_not_an_output_directory(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: {tmp_path}: not a labelled output directory") and len(err.splitlines()) == 1
    )
    with pytest.raises(DataError, match="listed in the manifest but missing"):
        out = write_output(tmp_path / "out", TOY)
        (out / "p1.jsonl").unlink()
        build_profile(out)


def test_month_of_and_intervals_of_a_fixed_point():
    assert month_of("2023-03-03") == "2023-03" and month_of("2023-03-03T10:00:00+09:00") == "2023-03"
    assert month_of("March 2023") is None and month_of(None) is None
    import numpy as np

    # Every article has the same shares: every resample gives them, so the interval is the point.
    low, high = share_intervals(
        np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([2.0, 4.0]), resamples=100, confidence=0.95, seed=0
    )
    assert low.tolist() == high.tolist() == [0.5, 0.5]
