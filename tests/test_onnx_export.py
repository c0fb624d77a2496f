"""int8 through ONNX Runtime: export into the model directory, agreement with fp32, checked loading."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from src.errors import ConfigError, ModelError  # noqa: E402
from src.labelling import load_labeller  # noqa: E402
from src.models.onnx_export import INT8_FILE, META_KEY, RECIPE, main  # noqa: E402
from tests.test_transformer import DEV, TASKS, TRAIN, transformer  # noqa: E402
from tests.tiny_bert import build_tiny_bert  # noqa: E402


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> Path:
    """A tiny random BERT fine-tuned for a few epochs on the multitask toy rows, saved as a model directory."""
    root = tmp_path_factory.mktemp("onnx")
    model = transformer(TASKS["multitask"], build_tiny_bert(root / "bert"), num_epochs=3).fit(TRAIN, DEV)
    return model.save(root / "model")


@pytest.fixture
def model_dir(saved_model, tmp_path) -> Path:
    """A fresh copy per test (tests change the directory)."""
    import shutil

    return Path(shutil.copytree(saved_model, tmp_path / "model"))


def _meta(directory: Path) -> dict:
    return json.loads((directory / "model_meta.json").read_text())


def test_int8_is_exported_once_into_the_model_directory_and_agrees_with_fp32(model_dir):
    texts = DEV.texts * 3 + [t.upper() for t in DEV.texts]
    fp32 = load_labeller(model_dir).model
    int8 = load_labeller(model_dir, quantize="int8").model
    entry = _meta(model_dir)[META_KEY]["int8"]
    assert entry["file"] == INT8_FILE and (model_dir / INT8_FILE).is_file()
    assert entry["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    from src.tracking import sha256_file

    assert entry["sha256"] == sha256_file(model_dir / INT8_FILE)
    assert entry["weights_sha256"] == sha256_file(model_dir / "model.safetensors")
    p32, p8 = fp32.predict_proba(texts), int8.predict_proba(texts)
    for head in fp32.heads:
        assert p8[head.name].shape == p32[head.name].shape
        assert np.abs(p8[head.name] - p32[head.name]).max() < 0.05  # int8 weights: close, not equal
        agree = np.mean(p8[head.name].argmax(1) == p32[head.name].argmax(1))
        assert agree >= 0.9, head.name
    assert not hasattr(int8._inference_model, "parameters")  # ONNX Runtime answers, not torch
    stamp = (model_dir / INT8_FILE).stat().st_mtime_ns
    load_labeller(model_dir, quantize="int8")
    assert (model_dir / INT8_FILE).stat().st_mtime_ns == stamp  # reused, not exported again


def test_a_changed_onnx_file_is_refused_and_a_stale_one_redone(model_dir):
    load_labeller(model_dir, quantize="int8")
    path = model_dir / INT8_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"model.int8.onnx: SHA-256 does not match onnx.int8.sha256"):
        load_labeller(model_dir, quantize="int8")
    # Export made from other weights: redone, not trusted.
    meta = _meta(model_dir)
    meta[META_KEY]["int8"]["weights_sha256"] = "0" * 64
    (model_dir / "model_meta.json").write_text(json.dumps(meta))
    load_labeller(model_dir, quantize="int8")
    assert _meta(model_dir)[META_KEY]["int8"]["weights_sha256"] != "0" * 64
    # Export built by another recipe (an older package's graph): redone too.
    meta = _meta(model_dir)
    meta[META_KEY]["int8"]["recipe"] = "fused SkipLayerNorm"
    (model_dir / "model_meta.json").write_text(json.dumps(meta))
    load_labeller(model_dir, quantize="int8")
    assert _meta(model_dir)[META_KEY]["int8"]["recipe"] == RECIPE


def test_the_int8_graph_keeps_attention_fused_and_layer_norms_plain(model_dir):
    import onnx

    load_labeller(model_dir, quantize="int8")
    ops = {node.op_type for node in onnx.load(str(model_dir / INT8_FILE)).graph.node}
    # ONNX Runtime's fused SkipLayerNormalization kernel is the slow one (see src.models.onnx_export).
    assert "QAttention" in ops and "LayerNormalization" in ops
    assert not ops & {"SkipLayerNormalization", "BiasGelu"}


def test_an_onnx_file_with_foreign_operators_is_refused(model_dir):
    import onnx

    from src.models.onnx_export import _sha256

    load_labeller(model_dir, quantize="int8")
    proto = onnx.load(str(model_dir / INT8_FILE))
    proto.graph.node.append(onnx.helper.make_node("Payload", ["logits"], ["unused"], domain="evil.ops"))
    data = proto.SerializeToString()
    (model_dir / INT8_FILE).write_bytes(data)
    meta = _meta(model_dir)
    meta[META_KEY]["int8"]["sha256"] = _sha256(data)  # even with a matching checksum
    (model_dir / "model_meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="outside the ONNX and ONNX Runtime domains \\(evil.ops\\)"):
        load_labeller(model_dir, quantize="int8")


def test_a_read_only_model_directory_is_one_clear_error(model_dir):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    model_dir.chmod(0o555)
    try:
        with pytest.raises(ModelError, match="cannot write the int8 ONNX export"):
            load_labeller(model_dir, quantize="int8")
    finally:
        model_dir.chmod(0o755)


def test_export_command_and_unknown_or_unsupported_modes(model_dir, tmp_path, capsys):
    assert main([str(model_dir)]) == 0
    assert INT8_FILE in capsys.readouterr().out and (model_dir / INT8_FILE).is_file()
    with pytest.raises(ConfigError, match="quantize: 'int4' is not one of int8"):
        load_labeller(model_dir, quantize="int4")
    from tests.conftest import train_run

    tfidf = train_run(tmp_path / "tfidf", "data=fixture")
    with pytest.raises(ModelError, match="quantize: the tfidf family has no int8 mode"):
        load_labeller(tfidf, quantize="int8")
    assert main([str(tfidf)]) == 2


def test_an_archive_labelled_in_int8_on_dask_equals_the_local_engine(model_dir, tmp_path):
    pytest.importorskip("distributed")
    from src.labelling.cli import predict
    from tests.test_archive import _rows, predict_cfg, read_output, write_table

    table = write_table(_rows()[:3], tmp_path / "articles.jsonl")
    common = [f"input={table}", "quantize=int8", "partition_rows=2"]
    # Dask first: the driver exports the int8 model before any worker loads it.
    predict(
        predict_cfg(
            model_dir,
            *common,
            f"output={tmp_path / 'dask'}",
            "engine=dask",
            "dask.n_workers=2",
            "dask.processes=false",
        )
    )
    assert (model_dir / INT8_FILE).is_file()
    predict(predict_cfg(model_dir, *common, f"output={tmp_path / 'local'}"))
    records = read_output(tmp_path / "dask")
    assert records == read_output(tmp_path / "local") and len(records) > 0
    settings = json.loads((tmp_path / "dask" / "_manifest.json").read_text())["settings"]
    assert settings["quantize"] == "int8"
