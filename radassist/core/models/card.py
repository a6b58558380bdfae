"""The model card (``model_card.json``) as a validated record: what a package is, and promises.

A package is a folder with ``model_card.json`` and the files the card lists under ``files`` (role ->
path, sha256, dtype). The card is checked against ``model_card.schema.json`` when read; each file is
checked against its hash the first time it is handed out (``ModelPackage.path``), so a damaged or swapped
weight file is refused before anything runs it instead of silently giving different answers.

Where packages live: ``registry``. Writing packages: ``radassist.training.export``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radassist.core.errors import ModelCardError

CARD_NAME = "model_card.json"
SCHEMA_PATH = Path(__file__).with_name("model_card.schema.json")
DEFAULT_MODEL_ID = "cxr-pneumonia"
TASKS = ("classification", "segmentation", "ood")

#: fields every card must carry (the shared contract); classification cards also need CLASSIFIER_FIELDS.
#: The schema (``model_card.schema.json``) is the full statement; these name the required ones for code.
REQUIRED_FIELDS = ("id", "version", "task", "labels", "input", "inputs", "outputs", "intended_use", "limitations",
                   "base_weights", "data_manifest_sha256", "training_command", "metrics", "created", "files",
                   "licenses", "changelog", "exporter")
CLASSIFIER_FIELDS = ("temperature", "thresholds", "threshold_policy")
#: symbolic sizes with a fixed meaning in ``shape``: the batch, and the number of labels
BATCH_DIM, LABELS_DIM = "N", "L"


@dataclass(frozen=True)
class PackageFile:
    """One file of a package: where it is (relative to the package) and the hash it must have."""

    path: str
    sha256: str
    dtype: str = ""


@dataclass(frozen=True)
class TensorSpec:
    """A declared input or output of the model: signature name, shape (ints or symbolic sizes), dtype and
    the closed range [lo, hi] every value lies in (None = unbounded on that side)."""

    name: str
    shape: tuple[int | str, ...]
    dtype: str
    range: tuple[float | None, float | None] = (None, None)
    description: str = ""

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TensorSpec:
        lo, hi = d["range"]
        return cls(str(d["name"]), tuple(d["shape"]), str(d["dtype"]), (lo, hi), str(d.get("description", "")))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                               "range": list(self.range)}
        if self.description:
            out["description"] = self.description
        return out

    @property
    def shape_text(self) -> str:
        return "(" + ", ".join(str(s) for s in self.shape) + ")"

    @property
    def range_text(self) -> str:
        lo, hi = self.range
        return f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    date: str
    changes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "date": self.date, "changes": list(self.changes)}


@functools.cache
def _validator() -> Any:
    # jsonschema is imported on first use (~80 ms): importing radassist.core.models stays cheap.
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema() -> dict[str, Any]:
    """The card's JSON Schema (``model_card.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _json_path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def schema_errors(data: Any) -> list[str]:
    """Every schema violation as 'field: what is wrong', most relevant first (empty: the card conforms)."""
    from jsonschema.exceptions import relevance

    found = []
    for err in sorted(_validator().iter_errors(data), key=relevance, reverse=True):
        where = _json_path(err.absolute_path)
        if err.validator == "required":  # name the missing field itself, not its parent
            missing = err.message.split("'")[1] if "'" in err.message else ""
            where = f"{where}.{missing}" if where else missing
            found.append(f"{where}: required field missing")
        else:
            found.append(f"{where or '(card)'}: {err.message}")
    return found


def check_schema(data: Any, *, source: str = "model card") -> None:
    """Raise ModelCardError naming the first failing field when ``data`` does not conform to the schema."""
    errs = schema_errors(data)
    if errs:
        more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
        raise ModelCardError(f"The {source} does not conform to the model card schema: {errs[0]}{more}.",
                             hint="Re-export the package with radassist.training.export.write_package, or reinstall "
                                  "it; the schema is radassist/core/models/model_card.schema.json.")


@dataclass(frozen=True)
class ModelCard:
    """``model_card.json`` as a record. ``extra`` keeps unknown keys so a round trip loses nothing."""

    id: str
    version: str
    task: str
    labels: tuple[str, ...]
    input: dict[str, Any]
    intended_use: str
    limitations: tuple[str, ...]
    base_weights: dict[str, Any] | None
    data_manifest_sha256: str | None
    training_command: str
    metrics: dict[str, Any]
    created: str
    files: dict[str, PackageFile]
    licenses: tuple[str, ...]
    inputs: tuple[TensorSpec, ...] = ()
    outputs: tuple[TensorSpec, ...] = ()
    changelog: tuple[ChangelogEntry, ...] = ()
    exporter: dict[str, str] = field(default_factory=dict)
    temperature: tuple[float, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    threshold_policy: str = ""
    machine: str = ""
    parent: str | None = None
    explain: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    notes_md: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input_size(self) -> tuple[int, int]:
        h, w = self.input["size"]
        return int(h), int(w)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def output(self, name: str) -> TensorSpec:
        for o in self.outputs:
            if o.name == name:
                return o
        raise ModelCardError(f"Model {self.ref} declares no output {name!r} "
                             f"(it declares: {', '.join(o.name for o in self.outputs)}).")

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "model card") -> ModelCard:
        """Validate against the schema, then what a schema cannot say; every problem is a ModelCardError
        that names the field."""
        if not isinstance(data, dict):
            raise ModelCardError(f"The {source} is not a JSON object.", hint="Reinstall the model package.")
        check_schema(data, source=source)
        task = data["task"]
        labels = data["labels"]
        files = data["files"]
        entries: dict[str, PackageFile] = {}
        for role, entry in files.items():
            if Path(entry["path"]).is_absolute() or ".." in Path(entry["path"]).parts:
                raise ModelCardError(f"The {source} entry files[{role!r}] must be a path inside the package.")
            entries[role] = PackageFile(str(entry["path"]), str(entry["sha256"]).lower(), str(entry.get("dtype", "")))
        temperature: tuple[float, ...] = ()
        thresholds: dict[str, float] = {}
        if task == "classification":
            temperature = tuple(float(t) for t in data["temperature"])
            thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
            if len(temperature) != len(labels):
                raise ModelCardError(f"The {source} needs one positive temperature per label "
                                     f"({len(labels)} labels, got {len(temperature)}).")
            lacking = [lb for lb in labels if lb not in thresholds]
            if lacking:
                raise ModelCardError(f"The {source} has no threshold for: {', '.join(lacking)}.")
        inputs = tuple(TensorSpec.from_json(t) for t in data["inputs"])
        outputs = tuple(TensorSpec.from_json(t) for t in data["outputs"])
        for kind, specs in (("inputs", inputs), ("outputs", outputs)):
            names = [t.name for t in specs]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ModelCardError(f"The {source} field '{kind}' names {', '.join(dup)} more than once.")
            for t in specs:
                lo, hi = t.range
                if lo is not None and hi is not None and lo > hi:
                    raise ModelCardError(f"The {source} field '{kind}' entry {t.name!r} has range {list(t.range)}: "
                                         "min above max.")
        changelog = tuple(ChangelogEntry(str(c["version"]), str(c["date"]), tuple(c["changes"]))
                          for c in data["changelog"])
        if data["version"] not in {c.version for c in changelog}:
            raise ModelCardError(f"The {source} field 'changelog' has no entry for version {data['version']}.",
                                 hint="Say what changed in this version.")
        known = set(REQUIRED_FIELDS) | set(CLASSIFIER_FIELDS) | {"machine", "parent", "explain", "title", "notes_md"}
        inp = data["input"]
        return cls(
            id=str(data["id"]), version=str(data["version"]), task=task, labels=tuple(labels), input=dict(inp),
            intended_use=str(data["intended_use"]), limitations=tuple(data["limitations"] or ()),
            base_weights=data["base_weights"], data_manifest_sha256=data["data_manifest_sha256"],
            training_command=str(data["training_command"]), metrics=dict(data["metrics"] or {}),
            created=str(data["created"]), files=entries, licenses=tuple(data["licenses"] or ()),
            inputs=inputs, outputs=outputs, changelog=changelog, exporter=dict(data["exporter"]),
            temperature=temperature, thresholds=thresholds, threshold_policy=str(data.get("threshold_policy", "")),
            machine=str(data.get("machine", "")), parent=data.get("parent"), explain=dict(data.get("explain") or {}),
            title=str(data.get("title", "")), notes_md=str(data.get("notes_md", "")),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "version": self.version}
        if self.title:
            out["title"] = self.title
        out.update({
            "task": self.task, "labels": list(self.labels), "input": self.input,
            "inputs": [t.to_json() for t in self.inputs], "outputs": [t.to_json() for t in self.outputs],
            "temperature": list(self.temperature), "thresholds": self.thresholds,
            "threshold_policy": self.threshold_policy, "intended_use": self.intended_use,
            "limitations": list(self.limitations), "base_weights": self.base_weights,
            "data_manifest_sha256": self.data_manifest_sha256, "training_command": self.training_command,
            "machine": self.machine, "exporter": self.exporter, "metrics": self.metrics, "created": self.created,
            "files": {r: {"path": f.path, "sha256": f.sha256, "dtype": f.dtype} for r, f in self.files.items()},
            "parent": self.parent, "licenses": list(self.licenses), "explain": self.explain,
            "changelog": [c.to_json() for c in self.changelog],
        })
        out.update(self.extra)
        if self.notes_md:
            out["notes_md"] = self.notes_md  # last: the long prose reads best after the figures
        return out
