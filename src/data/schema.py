"""The corpus record, defined once: sentence and document records as pydantic models (``data/CODEBOOK.md`` §9).

Every reader checks records with these models, under one of two sets of :class:`Rules`:

* **codebook** (the validator; :func:`src.data.corpus.read_annotated_corpus`): every §9 field present with its exact
  JSON type, no unknown sentence field; labels from the task configs; hard tags, genres, sources and dates from the
  codebook; ``primary_stance`` agrees with ``stance``, speaker and role ``narrator`` go together, the mention is a
  substring of the text, and (switchable) the id rule.
* **user** (training and re-scoring, :func:`src.data.corpus.load_corpus`): ``id``, ``doc_id``, ``text`` and the
  task's label fields required; every other declared field optional but type-checked when given (a string
  ``stance`` is reported even when the task does not use it); CSV cells read leniently; other columns kept.

Label sets come from the task configs (``conf/task/*.yaml``, composed with Hydra) or a model's heads; a head on a
field §9 does not declare adds it to the record, so a new task needs only its YAML. Document records may carry
further fields (``format``). Problems come back as one-line ``(field, problem)`` pairs, never pydantic's dump.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from src.config import CONFIG_DIR
from src.errors import ConfigError
from src.tasks import Head, heads_from_dicts

GENRES = ("news", "readout", "joint_statement", "transcript", "spokesperson", "editorial", "commentary")
# format_suite, holdout_suite, dev_suite: documents of the speaker evaluation sets (data/<source>/), which also
# carry a ``format`` field.
SOURCES = ("authored", "seed", "format_suite", "holdout_suite", "dev_suite")
HARD_TAGS = (
    "rights_denial",
    "china_frames_allies",
    "alarming_procedural",
    "rival_cooperation",
    "pronoun_speaker",
    "previous_sentence_speaker",
    "quote_spans_sentences",
    "anonymous_source",
    "irony",
    "generic_security_phrase",
    "factual_launch_report",
    "nested_attribution",
    "mixed_stance",
    "transcript_turn",
    "implicit_actor",
    "contrast",
)
# Contrast sets (codebook §8.1): sentences written against the actor and stock-phrase shortcuts. A sentence tagged
# ``contrast`` says which kind; a minimal pair's members share a ``pair_id``.
CONTRAST_KINDS = (
    "china_neutral",
    "other_threat",
    "allies_as_threat",
    "rights_elsewhere",
    "phrase_sense",
    "minimal_pair",
)
PAIRED_CONTRAST_KINDS = ("minimal_pair",)
# Publication formats (codebook §9.3): how a document is laid out, which the genre alone does not say.
FORMATS = (
    "wire_story",
    "editorial",
    "readout",
    "joint_statement",
    "press_statement",
    "press_conference",
    "ministry_press_conference",
    "embassy_qa",
    "speech",
)
# The corpus covers a decade of coverage; a date outside it is a typo, not a finding.
DATE_MIN, DATE_MAX = dt.date(2015, 1, 1), dt.date(2025, 12, 31)
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
DOC_ID_PATTERNS = {"authored": re.compile(r"auth-[a-z]\d{2}"), "seed": re.compile(r"seed-\d{3}")}
NARRATOR = "narrator"
NONE_LABEL = "none"
# In CSV files a list-valued field (e.g. ``stance``) is written as labels joined by this separator.
CSV_LIST_SEPARATOR = "|"
# What users' sentence files need besides the task's label fields.
REQUIRED_SENTENCE_FIELDS = ("id", "doc_id", "text")
REQUIRED_DOCUMENT_FIELDS = ("doc_id",)

# (field, problem) as the readers report it.
Problem = tuple[str | None, str]


@dataclass(frozen=True)
class Rules:
    """What records are checked against beyond their field types (handed to pydantic as the validation context).

    Attributes:
        labels: Allowed values of each label-valued field; a field not listed is only type-checked.
        codebook: Apply the codebook: exact JSON types, value sets of genre, source and date, and the per-record
            consistency rules.
        id_rule: Enforce the bundled corpus's id style (``id == f"{doc_id}-s{sent_idx:03d}"``, document id
            patterns).
        csv: Values are CSV cells: strings, list fields joined by ``|``, an empty cell meaning no value.
    """

    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    codebook: bool = False
    id_rule: bool = False
    csv: bool = False


_NO_RULES = Rules()


def _rules(info: ValidationInfo) -> Rules:
    return info.context if isinstance(info.context, Rules) else _NO_RULES


def _problem(text: str, name: str | None = None) -> PydanticCustomError:
    """A problem in our own words (``name`` places a record-level problem on a field)."""
    return PydanticCustomError("data", "{problem}", {"problem": text, "field": name})


def _mistyped() -> PydanticCustomError:
    """A value of the right JSON type that is still not what the field holds (reported like a type error)."""
    return PydanticCustomError("mistyped", "mistyped")


# --- field types ------------------------------------------------------------------------------------------------


def _id_before(value: Any, info: ValidationInfo) -> Any:
    # Users' JSON files may number their records; the codebook's ids are strings.
    if not _rules(info).codebook and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _non_empty(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise _mistyped()
    return value


def _text_before(value: Any, info: ValidationInfo) -> Any:
    return "" if value is None and _rules(info).csv else value  # an empty CSV cell


def _text_after(value: str, info: ValidationInfo) -> str:
    if not value.strip():
        raise _problem("empty or whitespace-only text")
    if _rules(info).codebook:
        if "\n" in value or "\r" in value:
            raise _problem("contains a line break; a sentence never spans lines")
        if value != value.strip():
            raise _problem("has leading or trailing whitespace")
    return value


def _allowed(info: ValidationInfo) -> tuple[str, ...] | None:
    return _rules(info).labels.get(info.field_name or "")


def _label_before(value: Any, info: ValidationInfo) -> Any:
    if value is None or value == "":
        allowed = _allowed(info)
        raise _problem("missing label" + (f"; allowed labels: {', '.join(allowed)}" if allowed else ""))
    return value


def _label_after(value: str, info: ValidationInfo) -> str:
    allowed = _allowed(info)
    if allowed is not None and value not in allowed:
        raise _problem(f"unknown label {value!r}; allowed labels: {', '.join(allowed)}")
    return value


def _labels_before(value: Any, info: ValidationInfo) -> Any:
    rules = _rules(info)
    if rules.csv and isinstance(value, str):
        return [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
    if value is None and (rules.csv or not rules.codebook):
        return []
    return value


def _labels_after(value: list[str], info: ValidationInfo) -> list[str]:
    allowed = _allowed(info)
    if allowed is not None:
        for label in value:
            if label not in allowed:
                raise _problem(f"unknown label {label!r}; allowed labels: {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise _problem(f"label listed twice in {value}")
    return value


def _date_after(value: str, info: ValidationInfo) -> str:
    if not _rules(info).codebook:
        return value
    try:
        parsed = dt.date.fromisoformat(value) if DATE_PATTERN.fullmatch(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _mistyped()
    if not DATE_MIN <= parsed <= DATE_MAX:
        raise _problem(f"{value} is outside the corpus period {DATE_MIN}..{DATE_MAX}")
    return value


def _one_of(values: Sequence[str], what: str):
    def check(value: str, info: ValidationInfo) -> str:
        if _rules(info).codebook and value not in values:
            raise _problem(f"unknown {what} {value!r}; allowed: {', '.join(values)}")
        return value

    return check


def _optional_one_of(values: Sequence[str], what: str):
    """Like :func:`_one_of` for a field that may be null."""
    required = _one_of(values, what)

    def check(value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else required(value, info)

    return check


RecordId = Annotated[
    str,
    BeforeValidator(_id_before),
    AfterValidator(_non_empty),
    Field(description="a non-empty string"),
]
NonEmptyStr = Annotated[str, AfterValidator(_non_empty), Field(description="a non-empty string")]
SentenceText = Annotated[
    str,
    BeforeValidator(_text_before),
    AfterValidator(_text_after),
    Field(description="a non-empty string"),
]


class _TaskLabels:
    """Marks a field whose label set comes from the task configs."""


Label = Annotated[
    str,
    BeforeValidator(_label_before),
    AfterValidator(_label_after),
    Field(description="a label (a string)"),
    _TaskLabels(),
]
LabelList = Annotated[
    list[str],
    BeforeValidator(_labels_before),
    AfterValidator(_labels_after),
    Field(description="a list of labels (strings)"),
    _TaskLabels(),
]
TagList = Annotated[
    list[str],
    BeforeValidator(_labels_before),
    AfterValidator(_labels_after),
    Field(description="a list of tags (strings)"),
]


# --- the records ------------------------------------------------------------------------------------------------


class SentenceRecord(BaseModel):
    """One sentence of ``sentences.jsonl`` (codebook §9.2); field order is the codebook's."""

    model_config = ConfigDict(extra="forbid")

    id: RecordId
    doc_id: RecordId
    sent_idx: Annotated[int, Field(ge=0, description="an integer >= 0")]
    text: SentenceText
    stance: LabelList
    primary_stance: Label
    speaker: NonEmptyStr
    speaker_mention: Annotated[
        str | None, AfterValidator(_non_empty), Field(description="null or a non-empty string")
    ]
    speaker_role: Label
    hard: TagList
    contrast_kind: Annotated[
        str | None,
        AfterValidator(_optional_one_of(CONTRAST_KINDS, "contrast kind")),
        Field(description="null or a contrast kind (a string)"),
    ] = None
    pair_id: Annotated[
        str | None, AfterValidator(_non_empty), Field(description="null or a non-empty string")
    ] = None

    # Field validators see the fields declared above them in ``info.data`` (only those that passed).
    @field_validator("primary_stance")
    @classmethod
    def _primary_agrees_with_stance(cls, value: str, info: ValidationInfo) -> str:
        stance = info.data.get("stance")
        if not _rules(info).codebook or stance is None:
            return value
        if not stance and value != NONE_LABEL:
            raise _problem(f"is {value!r} but stance is empty (empty stance means {NONE_LABEL!r})")
        if stance and value == NONE_LABEL:
            raise _problem(f"is {NONE_LABEL!r} but stance lists {stance}")
        if stance and value not in stance:
            raise _problem(f"{value!r} is not one of the sentence's stance labels {stance}")
        return value

    @field_validator("speaker_mention")
    @classmethod
    def _mention_in_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        text = info.data.get("text")
        if _rules(info).codebook and value is not None and text is not None and value not in text:
            raise _problem(f"{value!r} is not an exact substring of the sentence text")
        return value

    @field_validator("speaker_role")
    @classmethod
    def _narrator_goes_with_role(cls, value: str, info: ValidationInfo) -> str:
        speaker = info.data.get("speaker")
        if _rules(info).codebook and speaker is not None and (speaker == NARRATOR) != (value == NARRATOR):
            raise _problem(
                f"speaker {speaker!r} with role {value!r}: speaker {NARRATOR!r} goes with role {NARRATOR!r} "
                "and only with it"
            )
        return value

    @model_validator(mode="after")
    def _contrast_fields(self, info: ValidationInfo) -> SentenceRecord:
        if not _rules(info).codebook or self.hard is None:
            return self
        tagged = "contrast" in self.hard
        if tagged and self.contrast_kind is None:
            raise _problem("is missing: a sentence tagged 'contrast' says which kind", "contrast_kind")
        if not tagged and self.contrast_kind is not None:
            raise _problem(
                f"is {self.contrast_kind!r} but 'contrast' is not among the hard tags", "contrast_kind"
            )
        if self.contrast_kind in PAIRED_CONTRAST_KINDS and self.pair_id is None:
            raise _problem(f"is missing: a {self.contrast_kind} sentence names its pair", "pair_id")
        if self.pair_id is not None and self.contrast_kind not in PAIRED_CONTRAST_KINDS:
            raise _problem(
                f"{self.pair_id!r} is given but contrast_kind is {self.contrast_kind!r}", "pair_id"
            )
        return self

    @model_validator(mode="after")
    def _id_rule(self, info: ValidationInfo) -> SentenceRecord:
        if _rules(info).id_rule and self.sent_idx is not None:
            expected = f"{self.doc_id}-s{self.sent_idx:03d}"
            if self.id != expected:
                raise _problem(
                    f"{self.id!r} should be {expected!r} (id = doc_id + '-s' + 3-digit sent_idx)", "id"
                )
        return self


class DocumentRecord(BaseModel):
    """One document of ``documents.jsonl`` (codebook §9.3); further fields (``format``) are allowed."""

    model_config = ConfigDict(extra="allow")

    doc_id: RecordId
    title: NonEmptyStr
    date: Annotated[str, AfterValidator(_date_after), Field(description="a calendar date YYYY-MM-DD")]
    genre: Annotated[str, AfterValidator(_one_of(GENRES, "genre")), Field(description="a genre (a string)")]
    publisher: NonEmptyStr
    source: Annotated[
        str, AfterValidator(_one_of(SOURCES, "source")), Field(description="a source (a string)")
    ]
    format: Annotated[
        str | None,
        AfterValidator(_optional_one_of(FORMATS, "format")),
        Field(description="a format (a string)"),
    ] = None

    @model_validator(mode="after")
    def _doc_id_pattern(self, info: ValidationInfo) -> DocumentRecord:
        pattern = DOC_ID_PATTERNS.get(self.source or "")
        if _rules(info).id_rule and pattern is not None and not pattern.fullmatch(self.doc_id):
            raise _problem(
                f"{self.doc_id!r} does not match the {self.source} id pattern {pattern.pattern}", "doc_id"
            )
        return self


# --- label sets from the task configs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelField:
    """The label set of one corpus field that a task head reads."""

    name: str
    labels: tuple[str, ...]
    multilabel: bool = False


@dataclass(frozen=True)
class LabelSets:
    """Label-valued corpus fields, in the order the task configs first name them.

    Attributes:
        fields: One entry per field.
    """

    fields: tuple[LabelField, ...] = ()

    def __iter__(self) -> Iterator[LabelField]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    def __getitem__(self, name: str) -> LabelField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def as_mapping(self) -> dict[str, tuple[str, ...]]:
        return {f.name: f.labels for f in self.fields}

    @classmethod
    def from_heads(cls, heads: Sequence[Head]) -> LabelSets:
        """The label sets of a task's (or a saved model's) heads."""
        return cls(tuple(LabelField(h.field, tuple(h.labels), h.multilabel) for h in heads))


def compose_options(
    group: str, config_dir: str | Path = CONFIG_DIR, names: Sequence[str] | None = None
) -> dict[str, DictConfig]:
    """Options of a config group, each composed with Hydra's Compose API as training composes it.

    Inside a running Hydra app the app's global state is set aside for the composition and restored afterwards.

    Args:
        group: The config group (``task``, ``data``).
        config_dir: The config folder.
        names: The options to compose; ``None`` for every YAML file of the group.

    Returns:
        Option name to its composed node, sorted by name when ``names`` is ``None``.
    """
    config_dir = Path(config_dir).resolve()
    if names is None:
        names = sorted(p.stem for p in (config_dir / group).glob("*.yaml"))
    outer = GlobalHydra.instance().hydra
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
            return {name: compose(overrides=[f"+{group}={name}"])[group] for name in names}
    finally:
        if outer is not None:
            GlobalHydra.instance().clear()
            GlobalHydra.instance().initialize(outer)


@functools.lru_cache(maxsize=8)
def load_label_sets(config_dir: str | Path = CONFIG_DIR) -> LabelSets:
    """Collect the label set of each field that some task config's heads read.

    Args:
        config_dir: The config folder (its ``task/*.yaml`` are the tasks).

    Returns:
        The fields in the order the task configs (sorted by name) first name them.

    Raises:
        ConfigError: Two task configs disagree on a field's labels or on whether it is multi-label.
    """
    found: dict[str, tuple[LabelField, str]] = {}
    for name, task in compose_options("task", config_dir).items():
        for entry in LabelSets.from_heads(heads_from_dicts(task.get("heads") or [])):
            first = found.get(entry.name)
            if first is None:
                found[entry.name] = (entry, name)
            elif set(first[0].labels) != set(entry.labels) or first[0].multilabel != entry.multilabel:
                # Two tasks training on one column with different label sets would make the corpus valid for one only.
                raise ConfigError(
                    f"{Path(config_dir) / 'task' / name}.yaml: heads: labels of field {entry.name!r} "
                    f"{list(entry.labels)}{' (multi-label)' * entry.multilabel} differ from task {first[1]}'s "
                    f"{list(first[0].labels)}{' (multi-label)' * first[0].multilabel}"
                )
    return LabelSets(tuple(entry for entry, _ in found.values()))


# --- schemas: a model and its rules -----------------------------------------------------------------------------


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class RecordSchema:
    """A record model (:class:`SentenceRecord`, :class:`DocumentRecord` or a variant) and its :class:`Rules`."""

    model: type[BaseModel]
    rules: Rules

    def check(self, record: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
        """Check one record.

        Returns:
            ``(values, problems)``: the validated values of the declared fields the record gives (lists split,
            numbers read) and no problems, or ``None`` and every problem found, one per field.
        """
        fields = self.model.model_fields
        if not self.rules.codebook:
            # Users' files: a null or empty cell of an optional field is as good as an absent one.
            record = {
                k: v for k, v in record.items() if k in fields and (v is not None or fields[k].is_required())
            }
        try:
            valid = self.model.model_validate(
                record, strict=self.rules.codebook and not self.rules.csv, context=self.rules
            )
        except ValidationError as exc:
            return None, self._problems(exc, record)
        return valid.model_dump(exclude_unset=True), []

    def _problems(self, exc: ValidationError, record: Mapping[str, Any]) -> list[Problem]:
        """Pydantic's errors as one-line problems in the codebook's words, one per field."""
        problems: list[Problem] = []
        for error in exc.errors(include_url=False):
            loc, kind = error["loc"], error["type"]
            name = str(loc[0]) if loc else None
            if kind == "data":
                ctx = error.get("ctx") or {}
                name, text = ctx.get("field") or name, str(ctx["problem"])
            elif kind == "missing":
                text = "missing required field"
            elif kind == "extra_forbidden":
                text = f"unknown field; the fields are {', '.join(self.model.model_fields)}"
            else:
                info = self.model.model_fields.get(name or "")
                expected = (info.description if info else None) or "a valid value"
                text = f"expected {expected}, got {_shown(record.get(name) if name in record else error['input'])}"
            if not any(seen == name for seen, _ in problems):
                problems.append((name, text))
        return problems


def _is_list(info: FieldInfo) -> bool:
    return info.annotation == list[str]


def _is_task_label(info: FieldInfo) -> bool:
    return any(isinstance(m, _TaskLabels) for m in info.metadata)


def _task_fields(base: type[BaseModel], labels: LabelSets) -> tuple[tuple[str, bool], ...]:
    """Fields to declare as task labels: heads on fields §9 does not declare, or declares without a label set.

    Raises:
        ConfigError: A head reads a declared field in the other shape (a list as a single label, or the reverse).
    """
    out = []
    for entry in labels:
        declared = base.model_fields.get(entry.name)
        if declared is not None and _is_list(declared) != entry.multilabel:
            shape = "a list" if _is_list(declared) else "a single value"
            raise ConfigError(
                f"a task head reads field {entry.name!r} as {'multi' if entry.multilabel else 'single'}-label, "
                f"but the corpus field holds {shape}"
            )
        if declared is None or not _is_task_label(declared):
            out.append((entry.name, entry.multilabel))
    return tuple(out)


@functools.lru_cache(maxsize=32)
def _variant(
    base: type[BaseModel], added: tuple[tuple[str, bool], ...], required: frozenset[str] | None
) -> type[BaseModel]:
    """``base`` with task label fields added; with ``required``, every other field optional and others ignored."""
    fields: dict[str, Any] = {name: (LabelList if multi else Label, ...) for name, multi in added}
    if required is None:
        if not fields:
            return base
        return create_model(base.__name__, __base__=base, **fields)
    for name, info in base.model_fields.items():
        if name not in required:
            optional = copy.copy(info)
            optional.default = None
            fields[name] = (info.annotation, optional)
    lenient = type(f"User{base.__name__}", (base,), {"model_config": ConfigDict(extra="ignore")})
    return create_model(lenient.__name__, __base__=lenient, **fields)


def sentence_schema(
    labels: LabelSets, *, codebook: bool = False, id_rule: bool = False, csv: bool = False
) -> RecordSchema:
    """The sentence schema for a set of label fields.

    Args:
        labels: Label fields (a task's heads for training, every task config's for the codebook).
        codebook: Codebook rules (every field required, no unknown fields); else users' rules (``id``,
            ``doc_id``, ``text`` and the label fields required).
        id_rule: Enforce the bundled corpus's id style (codebook rules only).
        csv: The records are rows of a CSV file.

    Raises:
        ConfigError: A head reads a declared field in the wrong shape; under codebook rules, a declared label
            field has no label set, or ``primary_stance`` is not the ``stance`` labels plus ``none``.
    """
    names = _task_fields(SentenceRecord, labels)
    if codebook:
        _check_codebook_labels(labels)
        model = _variant(SentenceRecord, names, None)
    else:
        model = _variant(SentenceRecord, names, frozenset(REQUIRED_SENTENCE_FIELDS) | set(labels.names))
    value_sets = labels.as_mapping() | ({"hard": HARD_TAGS} if codebook else {})
    return RecordSchema(model, Rules(value_sets, codebook, id_rule and codebook, csv))


def document_schema(*, codebook: bool = False, id_rule: bool = False, csv: bool = False) -> RecordSchema:
    """The document schema: under codebook rules every §9.3 field is required; else only ``doc_id``."""
    model = _variant(DocumentRecord, (), None if codebook else frozenset(REQUIRED_DOCUMENT_FIELDS))
    return RecordSchema(model, Rules({}, codebook, id_rule and codebook, csv))


def _check_codebook_labels(labels: LabelSets) -> None:
    declared = [name for name, info in SentenceRecord.model_fields.items() if _is_task_label(info)]
    missing = [name for name in declared if name not in labels]
    if missing:
        raise ConfigError(f"no task config defines a head for field(s) {', '.join(missing)}")
    stance, primary = labels["stance"].labels, labels["primary_stance"].labels
    if NONE_LABEL in stance or set(primary) != {*stance, NONE_LABEL}:
        raise ConfigError(
            f"primary_stance labels {list(primary)} must be the stance labels {list(stance)} plus {NONE_LABEL!r}"
        )
