"""Model packages: the card, the hash check, where packages live, and the classifier export.

A package is a folder with ``model_card.json`` and the files the card lists under ``files`` (role ->
path, sha256, dtype). Loading verifies every file against its hash before anything runs it, so a damaged
or swapped weight file is refused instead of silently giving different answers.

Where packages live: bundled ones in ``resources/models/<id>/``, installed ones (retrained, imported) in
``app_paths().models_dir/<id>/<version>/``. TensorFlow is imported only inside the export functions.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radassist.core.errors import ModelCardError, ModelError, ModelIntegrityError, ModelNotFoundError

CARD_NAME = "model_card.json"
DEFAULT_MODEL_ID = "cxr-pneumonia"
TASKS = ("classification", "segmentation", "ood")

#: fields every card must carry (the shared contract); classification cards also need CLASSIFIER_FIELDS
REQUIRED_FIELDS = ("id", "version", "task", "labels", "input", "intended_use", "limitations", "base_weights",
                   "data_manifest_sha256", "training_command", "metrics", "created", "files", "licenses")
CLASSIFIER_FIELDS = ("temperature", "thresholds", "threshold_policy")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


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


@dataclass(frozen=True)
class ModelPackage:
    """A verified package on disk. ``sha256`` is the hash of ``model_card.json``: the card pins every
    file's hash and the thresholds/temperature, so this one value identifies everything that shapes a result."""

    root: Path
    card: ModelCard
    sha256: str

    def path(self, role: str) -> Path:
        try:
            return self.root / self.card.files[role].path
        except KeyError:
            raise ModelError(f"Model package {self.card.ref} has no {role!r} file "
                             f"(it has: {', '.join(self.card.files)}).",
                             hint="Use a package exported with both runtimes, or pick another device.") from None

    def has(self, role: str) -> bool:
        return role in self.card.files

    @property
    def identity(self) -> dict[str, str]:
        return {"id": self.card.id, "version": self.card.version, "sha256": self.sha256}


def read_card(pkg_dir: Path) -> ModelCard:
    card_path = Path(pkg_dir) / CARD_NAME
    if not card_path.is_file():
        raise ModelNotFoundError(f"No {CARD_NAME} in {pkg_dir}.", hint="Point to a model package folder.")
    try:
        data = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelCardError(f"{card_path} is not readable JSON ({exc}).", hint="Reinstall the model package.") from exc
    return ModelCard.from_json(data, source=str(card_path))


def load_package(pkg_dir: str | Path, *, verify: bool = True) -> ModelPackage:
    """Read the card and check every listed file's SHA-256; refuse the package on any mismatch."""
    root = Path(pkg_dir).expanduser().resolve()
    card = read_card(root)
    if verify:
        for role, entry in card.files.items():
            p = root / entry.path
            if not p.is_file():
                raise ModelIntegrityError(f"Model package {card.ref}: the {role} file {p} is missing.",
                                          hint="Reinstall the model package.")
            actual = sha256_file(p)
            if actual != entry.sha256:
                raise ModelIntegrityError(
                    f"Model package {card.ref}: {p} is damaged or was replaced "
                    f"(sha256 {actual}, the model card expects {entry.sha256}). It will not be used.",
                    hint="Reinstall the model package.")
    return ModelPackage(root, card, sha256_file(root / CARD_NAME))


# --- registry -----------------------------------------------------------------------------------------
def bundled_dir() -> Path:
    from radassist.config import RESOURCES_DIR

    return RESOURCES_DIR / "models"


def installed_dir() -> Path:
    from radassist.config import app_paths

    return app_paths().models_dir


def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split("."))


def list_packages() -> list[tuple[str, str, Path, str]]:
    """(id, version, folder, "bundled"|"installed") of every package found, without verifying hashes."""
    found = []
    b = bundled_dir()
    if b.is_dir():
        for d in sorted(b.iterdir()):
            if (d / CARD_NAME).is_file():
                try:
                    found.append((d.name, read_card(d).version, d, "bundled"))
                except ModelError:
                    continue
    i = installed_dir()
    if i.is_dir():
        for d in sorted(i.iterdir()):
            for v in sorted((x for x in d.iterdir() if (x / CARD_NAME).is_file()), key=lambda x: _version_key(x.name)):
                found.append((d.name, v.name, v, "installed"))
    return found


def resolve(id_or_dir: str | Path | None = None) -> Path:
    """A package folder for a folder path, ``id@version`` or ``id`` (empty = the bundled default).

    ``id`` alone means the bundled package of that id when there is one (the validated default),
    otherwise the newest installed version; an installed version is used only when asked for by version.
    """
    ref = str(id_or_dir or DEFAULT_MODEL_ID)
    as_path = Path(ref).expanduser()
    if (as_path / CARD_NAME).is_file():
        return as_path.resolve()
    if as_path.is_dir():
        raise ModelNotFoundError(f"{as_path} is a folder without {CARD_NAME}.", hint="Point to a model package folder.")
    model_id, _, version = ref.partition("@")
    if "/" in model_id or "\\" in model_id:
        raise ModelNotFoundError(f"Model folder {ref} does not exist.")
    bundled = bundled_dir() / model_id
    installed_root = installed_dir() / model_id
    if version:
        if (installed_root / version / CARD_NAME).is_file():
            return installed_root / version
        if (bundled / CARD_NAME).is_file() and read_card(bundled).version == version:
            return bundled
        raise ModelNotFoundError(f"Model {model_id} version {version} is not installed.",
                                 hint=_available_hint())
    if (bundled / CARD_NAME).is_file():
        return bundled
    if installed_root.is_dir():
        versions = sorted((v for v in installed_root.iterdir() if (v / CARD_NAME).is_file()),
                          key=lambda v: _version_key(v.name))
        if versions:
            return versions[-1]
    raise ModelNotFoundError(f"No model package {model_id!r} is bundled or installed.", hint=_available_hint())


def _available_hint() -> str:
    have = [f"{i}@{v}" for i, v, _, _ in list_packages()]
    return f"Available: {', '.join(have)}." if have else "No model packages are installed; reinstall RadAssist."


def open_package(id_or_dir: str | Path | None = None) -> ModelPackage:
    return load_package(resolve(id_or_dir))


def install_package(src_dir: str | Path) -> Path:
    """Copy a verified package into ``models_dir/<id>/<version>/`` (refuses to overwrite a version)."""
    pkg = load_package(src_dir)
    dest = installed_dir() / pkg.card.id / pkg.card.version
    if dest.exists():
        raise ModelError(f"{pkg.card.ref} is already installed at {dest}.", hint="Give the new model a new version.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(pkg.root, dest)
    return dest


# --- writing packages ---------------------------------------------------------------------------------
def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def machine_description() -> str:
    return f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"


def write_package(out_dir: str | Path, card: dict[str, Any], files: dict[str, str | Path]) -> Path:
    """Copy ``files`` (role -> path) into ``out_dir``, record their hashes in the card, validate, write it.

    A file already inside ``out_dir`` stays where it is. Fills ``created`` and ``machine`` when absent.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card = dict(card)
    previous = card.get("files") or {}
    entries = {}
    for role, src in files.items():
        src = Path(src)
        if not src.is_file():
            raise ModelError(f"Cannot package {role}: {src} is not a file.")
        dest = out / src.name
        if src.resolve() != dest.resolve():
            shutil.copyfile(src, dest)
        dtype = (previous.get(role) or {}).get("dtype", "")
        entries[role] = {"path": src.name, "sha256": sha256_file(dest), "dtype": dtype}
    card["files"] = entries
    card.setdefault("created", utc_now())
    card.setdefault("machine", machine_description())
    card.setdefault("parent", None)
    card.setdefault("explain", {})
    validated = ModelCard.from_json(card, source=f"card for {out}")
    tmp = out / (CARD_NAME + ".tmp")
    tmp.write_text(json.dumps(validated.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(out / CARD_NAME)
    return out


def build_inference_model(keras_model: Any) -> Any:
    """From the trained classifier (nested "backbone", "gap", "logits"), a model with dict outputs
    {"logits" (N,L), "cam" (N,h,w,L), "features" (N,C)}.

    cam = einsum(feature_map, logits kernel): with a GAP -> dense head, that is Grad-CAM at the last conv
    layer (d logit / d A_k = w_k / hw), so the heatmap comes out of the same forward pass. Dropout and the
    sigmoid are left out: calibration (sigmoid(logit / T)) is applied by the engine.
    """
    import keras

    try:
        backbone = keras_model.get_layer("backbone")
        gap = keras_model.get_layer("gap")
        dense = keras_model.get_layer("logits")
    except ValueError as exc:
        raise ModelError(f"The classifier lacks a layer the export needs ({exc}).",
                         hint="Build it with training.model.build_classifier (layers backbone, gap, logits).") from exc
    kernel = dense.get_weights()[0]  # (C, L)
    inp = keras.Input(shape=tuple(keras_model.input_shape[1:]), name="image", dtype="float32")
    fmap = backbone(inp, training=False)
    features = gap(fmap)
    logits = dense(features)
    cam_layer = keras.layers.EinsumDense("nhwc,cl->nhwl", output_shape=(None, None, kernel.shape[1]),
                                         name="cam")
    cam = cam_layer(fmap)
    cam_layer.set_weights([kernel])
    # Identity activations give the outputs stable layer names in the saved model.
    outputs = {"logits": keras.layers.Activation("linear", name="logits_out")(logits),
               "cam": keras.layers.Activation("linear", name="cam_out")(cam),
               "features": keras.layers.Activation("linear", name="features_out")(features)}
    return keras.Model(inp, outputs, name="radassist_inference")


def convert_to_tflite(model: Any, out_path: Path, *, float16: bool = False) -> Path:
    """TFLite with one ``serving_default`` signature: input "image", outputs named as the model's dict keys."""
    import tensorflow as tf

    # from_keras_model keeps the dict output names in the signature and a dynamic batch dimension.
    # (Converting a hand-made tf.function over the Keras 3 model gave NaNs in TF 2.21: avoid it.)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints every captured variable
            blob = converter.convert()
    except Exception as exc:  # converter errors are long and technical; keep them but say what failed
        raise ModelError(f"TFLite conversion failed: {exc}") from exc
    out_path.write_bytes(blob)
    return out_path


def export_classifier_package(keras_model: Any, out_dir: str | Path, card: dict[str, Any], *,
                              float16: bool = False) -> Path:
    """Write model.keras (inference graph, no optimizer) + model.tflite + model_card.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = build_inference_model(keras_model)
    keras_path = out / "model.keras"
    model.save(keras_path)  # never compiled: no optimizer state
    tflite_path = convert_to_tflite(model, out / "model.tflite", float16=float16)
    card = dict(card)
    card.setdefault("task", "classification")
    card.setdefault("explain", {"last_conv_layer": "backbone", "cam_output": "cam"})
    card["files"] = {"keras": {"dtype": "float32"}, "tflite": {"dtype": "float16" if float16 else "float32"}}
    return write_package(out, card, {"keras": keras_path, "tflite": tflite_path})
