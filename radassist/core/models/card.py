"""The model card (``model_card.json``) as a validated record: what a package is, and promises.

A package is a folder with ``model_card.json`` and the files the card lists under ``files`` (role ->
path, sha256, dtype). Loading verifies every file against its hash before anything runs it, so a damaged
or swapped weight file is refused instead of silently giving different answers.

Where packages live: ``registry``. Writing packages: ``radassist.training.export``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radassist.core.errors import ModelCardError

CARD_NAME = "model_card.json"
DEFAULT_MODEL_ID = "cxr-pneumonia"
TASKS = ("classification", "segmentation", "ood")

#: fields every card must carry (the shared contract); classification cards also need CLASSIFIER_FIELDS
REQUIRED_FIELDS = ("id", "version", "task", "labels", "input", "intended_use", "limitations", "base_weights",
                   "data_manifest_sha256", "training_command", "metrics", "created", "files", "licenses")
CLASSIFIER_FIELDS = ("temperature", "thresholds", "threshold_policy")


@dataclass(frozen=True)
class PackageFile:
    """One file of a package: where it is (relative to the package) and the hash it must have."""

    path: str
    sha256: str
    dtype: str = ""


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
    temperature: tuple[float, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    threshold_policy: str = ""
    machine: str = ""
    parent: str | None = None
    explain: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input_size(self) -> tuple[int, int]:
        h, w = self.input["size"]
        return int(h), int(w)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "model card") -> ModelCard:
        """Validate and build; every problem is a ModelCardError that names the field."""
        if not isinstance(data, dict):
            raise ModelCardError(f"The {source} is not a JSON object.", hint="Reinstall the model package.")
        task = data.get("task")
        needed = REQUIRED_FIELDS + (CLASSIFIER_FIELDS if task == "classification" else ())
        missing = [k for k in needed if k not in data]
        if missing:
            raise ModelCardError(f"The {source} lacks required field(s): {', '.join(missing)}.",
                                 hint="Re-export the package with models.write_package, or reinstall it.")
        if task not in TASKS:
            raise ModelCardError(f"The {source} has task {task!r}; expected one of {', '.join(TASKS)}.")
        labels = data["labels"]
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise ModelCardError(f"The {source} field 'labels' must be a list of names.")
        inp = data["input"]
        try:
            size = inp["size"]
            if len(size) != 2 or min(int(s) for s in size) <= 0:
                raise ValueError
        except (TypeError, KeyError, ValueError) as exc:
            raise ModelCardError(f"The {source} field 'input' needs 'size': [H, W].") from exc
        files = data["files"]
        if not isinstance(files, dict) or not files:
            raise ModelCardError(f"The {source} lists no files.")
        entries: dict[str, PackageFile] = {}
        for role, entry in files.items():
            if not isinstance(entry, dict) or not entry.get("path") or not entry.get("sha256"):
                raise ModelCardError(f"The {source} entry files[{role!r}] needs 'path' and 'sha256'.")
            if Path(entry["path"]).is_absolute() or ".." in Path(entry["path"]).parts:
                raise ModelCardError(f"The {source} entry files[{role!r}] must be a path inside the package.")
            entries[role] = PackageFile(str(entry["path"]), str(entry["sha256"]).lower(), str(entry.get("dtype", "")))
        temperature: tuple[float, ...] = ()
        thresholds: dict[str, float] = {}
        if task == "classification":
            try:
                temperature = tuple(float(t) for t in data["temperature"])
                thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
            except (TypeError, ValueError, AttributeError) as exc:
                raise ModelCardError(f"The {source} has malformed temperature/thresholds ({exc}).") from exc
            if len(temperature) != len(labels) or min(temperature, default=1.0) <= 0:
                raise ModelCardError(f"The {source} needs one positive temperature per label "
                                     f"({len(labels)} labels, got {len(temperature)}).")
            lacking = [lb for lb in labels if lb not in thresholds]
            if lacking:
                raise ModelCardError(f"The {source} has no threshold for: {', '.join(lacking)}.")
        known = set(REQUIRED_FIELDS) | set(CLASSIFIER_FIELDS) | {"machine", "parent", "explain"}
        return cls(
            id=str(data["id"]), version=str(data["version"]), task=task, labels=tuple(labels), input=dict(inp),
            intended_use=str(data["intended_use"]), limitations=tuple(data["limitations"] or ()),
            base_weights=data["base_weights"], data_manifest_sha256=data["data_manifest_sha256"],
            training_command=str(data["training_command"]), metrics=dict(data["metrics"] or {}),
            created=str(data["created"]), files=entries, licenses=tuple(data["licenses"] or ()),
            temperature=temperature, thresholds=thresholds, threshold_policy=str(data.get("threshold_policy", "")),
            machine=str(data.get("machine", "")), parent=data.get("parent"), explain=dict(data.get("explain") or {}),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "version": self.version, "task": self.task, "labels": list(self.labels),
            "input": self.input, "temperature": list(self.temperature), "thresholds": self.thresholds,
            "threshold_policy": self.threshold_policy, "intended_use": self.intended_use,
            "limitations": list(self.limitations), "base_weights": self.base_weights,
            "data_manifest_sha256": self.data_manifest_sha256, "training_command": self.training_command,
            "machine": self.machine, "metrics": self.metrics, "created": self.created,
            "files": {r: {"path": f.path, "sha256": f.sha256, "dtype": f.dtype} for r, f in self.files.items()},
            "parent": self.parent, "licenses": list(self.licenses), "explain": self.explain,
        }
        out.update(self.extra)
        return out


