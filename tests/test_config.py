"""The real config tree composes for every option, and typos fail at composition time."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ConfigKeyError, ValidationError

from src.config import CONFIG_DIR

TASKS = sorted(p.stem for p in (CONFIG_DIR / "task").glob("*.yaml"))
MODELS = sorted(p.stem for p in (CONFIG_DIR / "model").glob("*.yaml"))


def test_every_task_and_model_option_composes(compose_cfg):
    assert {"stance", "stance_multilabel", "speaker_role", "multitask"} <= set(TASKS)
    for task in TASKS:
        for model in MODELS:
            cfg = compose_cfg(f"task={task}", f"model={model}")
            assert cfg.task.name == task
            assert cfg.model._target_.startswith("src.models.")
            assert cfg.task.optimized_metric.startswith("dev/")


def test_override_from_issue_composes(compose_cfg):
    cfg = compose_cfg("task=speaker_role", "model.classifier.C=0.5", "seed=3")
    assert cfg.model.classifier.C == 0.5 and cfg.seed == 3 and cfg.task.name == "speaker_role"


@pytest.mark.parametrize(
    "override",
    [
        "model.classifier.CC=0.5",
        "seed=three",
        "data.split_seed=x",
        "task=stanse",
        "model.word_ngram_range=abc",
        "logger.runs_table.pth=x",
        "eval.bootstrap.resample=500",
        "eval.bootstrap.resamples=many",
    ],
)
def test_typos_fail_at_composition(compose_cfg, override):
    with pytest.raises((ConfigCompositionException, ConfigKeyError, ValidationError)):
        compose_cfg(override)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["model.classifier.name=lgreg"], "expected one of [logreg, linear_svm]"),
        (["model.classifier.class_weight=balance"], "expected one of [balanced]"),
        (["data.context=prev"], "expected one of [none, previous, speaker]"),
        (["model=transformer", "model.pooling=max"], "expected one of [mean, cls]"),
        (["model=transformer", "model.device=gpu"], "expected one of [auto, cpu, cuda]"),
        (["model=embedding_logreg", "model.class_weight=yes"], "expected one of [balanced]"),
        (["eval.bootstrap.unit=paragraph"], "expected one of [document, sentence]"),
        (["eval.bootstrap.method=jackknife"], "expected one of [percentile, basic, bca]"),
        (["eval.calibrate=platt"], "expected one of [temperature]"),
    ],
)
def test_closed_choices_fail_at_composition(compose_cfg, overrides, expected):
    with pytest.raises(ConfigCompositionException) as info:
        compose_cfg(*overrides)
    assert expected in str(info.value.__cause__)


def test_choices_compose_as_their_plain_strings(compose_cfg):
    cfg = compose_cfg(
        "model.classifier.name=linear_svm", "model.classifier.class_weight=null", "data.context=speaker"
    )
    assert cfg.model.classifier.name == "linear_svm" and cfg.model.classifier.class_weight is None
    assert cfg.data.context == "speaker"
    cfg = compose_cfg("eval.bootstrap.unit=sentence", "eval.calibrate=temperature")
    assert cfg.eval.bootstrap.unit == "sentence" and cfg.eval.calibrate == "temperature"


def test_eval_defaults_live_in_the_schema_only(compose_cfg):
    """conf/eval/default.yaml names its schema and holds no value of its own; the composed node is the schema's."""
    import yaml
    from omegaconf import OmegaConf

    from src.config import EvalConfig

    node = yaml.safe_load((CONFIG_DIR / "eval" / "default.yaml").read_text())
    assert node == {"defaults": ["eval_schema"]}
    assert OmegaConf.to_object(compose_cfg().eval) == EvalConfig()
    assert EvalConfig().bootstrap.unit == "document" and EvalConfig().calibration_bins == 15


def test_context_modes_are_the_data_layers():
    from src.config import ContextMode
    from src.data.context import CONTEXT_MODES

    assert tuple(ContextMode) == CONTEXT_MODES


def test_predict_format_is_checked_at_composition():
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        assert compose("predict", overrides=["model_dir=x", "format=csv"]).format == "csv"
        with pytest.raises(ConfigCompositionException):
            compose("predict", overrides=["model_dir=x", "format=xml"])


@pytest.mark.parametrize("model", MODELS)
def test_model_defaults_live_in_the_schema_only(model):
    """A model YAML names its schema and holds no value of its own: every default is the schema's, once."""
    import yaml

    node = yaml.safe_load((CONFIG_DIR / "model" / f"{model}.yaml").read_text())
    assert set(node) == {"defaults"} and node["defaults"] == [f"{model}_schema"]


@pytest.mark.parametrize("model", MODELS)
def test_model_constructors_take_the_schemas_defaults(compose_cfg, model):
    """Building a model from Python without parameters gives the model the default config builds."""
    import hydra

    from src.config import MODEL_SCHEMAS
    from src.models import family_class
    from src.tasks import Head

    cfg = compose_cfg(f"model={model}")
    heads = [Head("h", "h", ("a", "b"))]
    from_config = hydra.utils.instantiate(cfg.model, _partial_=True, _convert_="all")(heads=heads)
    cls = family_class(from_config.family)
    assert cfg.model._target_ == f"{cls.__module__}.{cls.__name__}"
    assert MODEL_SCHEMAS[f"{model}_schema"]._target_ == cfg.model._target_
    from_python = cls(heads=heads).get_params()
    if "classifier" in from_python:  # None stands for the classifier schema's defaults
        from_python["classifier"] = from_config.get_params()["classifier"]
    assert from_python == from_config.get_params()


def test_every_registered_family_names_itself():
    from src.models import FAMILIES, family_class

    for name in FAMILIES:
        assert family_class(name).family == name


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml")))
def test_every_experiment_composes_with_each_of_its_sweep_values(compose_cfg, experiment):
    """Each curated experiment composes, and so does every job of its sweep (a typo there fails here)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        swept = compose("train", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    params = swept.hydra.sweeper.params or {}
    jobs = (
        [[]]
        if not params
        else [[f"{key}={value}"] for key, values in params.items() for value in values.split(",")]
    )
    for job in jobs:
        cfg = compose_cfg(f"experiment={experiment}", *job)
        assert cfg.experiment_name == experiment
