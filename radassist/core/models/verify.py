"""Check a whole package: the trust decision, every file's hash, the card's schema, and a LiteRT run on a
dummy input whose outputs must match what the card declares (name, shape, dtype, range) - MONAI's
``verify_net_in_out``.

Run time only (LiteRT, no TensorFlow): ``radassist models verify`` and ``make lint`` use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radassist.core.errors import ModelError, ModelTrustError
from radassist.core.models.card import BATCH_DIM, LABELS_DIM, ModelCard, TensorSpec
from radassist.core.models.package import ModelPackage, load_package

#: the role of the file LiteRT runs
TFLITE_ROLE = "tflite"


@dataclass(frozen=True)
class Verification:
    """What ``verify_package`` found: ``problems`` is empty when the package is sound."""

    root: Path
    ref: str
    sha256: str
    checked: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _bind(spec: TensorSpec, actual: tuple[int, ...], sizes: dict[str, int]) -> str | None:
    """Compare a declared shape with an actual one, binding symbolic sizes; a problem, or None."""
    if len(spec.shape) != len(actual):
        return f"has shape {actual}, the card declares {spec.shape_text}"
    for want, got in zip(spec.shape, actual, strict=True):
        if isinstance(want, str):
            if sizes.setdefault(want, got) != got:
                return f"has shape {actual}, the card declares {spec.shape_text} with {want} = {sizes[want]}"
        elif want != got:
            return f"has shape {actual}, the card declares {spec.shape_text}"
    return None


def dummy_input(spec: TensorSpec, sizes: dict[str, int], seed: int = 0) -> np.ndarray:
    """A seeded random tensor of the declared shape and dtype, inside the declared range."""
    shape = tuple(sizes.get(s, 1) if isinstance(s, str) else s for s in spec.shape)
    lo, hi = spec.range
    lo = -1.0 if lo is None else float(lo)
    hi = lo + 2.0 if hi is None else float(hi)
    x = np.random.default_rng(seed).uniform(lo, hi, shape)
    return x.astype(spec.dtype)


def check_outputs(card: ModelCard, outputs: dict[str, np.ndarray], sizes: dict[str, int]) -> list[str]:
    """Problems of ``outputs`` (name -> array) against the card's declared outputs."""
    problems = []
    declared = {o.name for o in card.outputs}
    extra = sorted(set(outputs) - declared)
    if extra:
        problems.append(f"the model returns undeclared output(s): {', '.join(extra)}")
    for spec in card.outputs:
        if spec.name not in outputs:
            problems.append(f"declared output {spec.name!r} is not returned (it returns: {', '.join(sorted(outputs))})")
            continue
        y = np.asarray(outputs[spec.name])
        if str(y.dtype) != spec.dtype:
            problems.append(f"output {spec.name!r} is {y.dtype}, the card declares {spec.dtype}")
        bad_shape = _bind(spec, tuple(int(s) for s in y.shape), sizes)
        if bad_shape:
            problems.append(f"output {spec.name!r} {bad_shape}")
        if y.size and np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
            problems.append(f"output {spec.name!r} has NaN or infinite values")
            continue
        lo, hi = spec.range
        if y.size and ((lo is not None and y.min() < lo) or (hi is not None and y.max() > hi)):
            problems.append(f"output {spec.name!r} has values in [{y.min():g}, {y.max():g}], outside the declared "
                            f"range {spec.range_text}")
    return problems


def run_litert(package: ModelPackage) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Invoke the package's .tflite once on dummy inputs of the declared shapes; (outputs, bound sizes)."""
    from radassist.core.interpreter import new_interpreter

    card = package.card
    path = package.path(TFLITE_ROLE)
    try:
        runner = new_interpreter(str(path), num_threads=1).get_signature_runner()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"LiteRT cannot load {path}: {exc}") from exc
    have = set(runner.get_input_details())
    want = {t.name for t in card.inputs}
    if have != want:
        raise ModelError(f"the model takes input(s) {', '.join(sorted(have))}; the card declares "
                         f"{', '.join(sorted(want))}")
    sizes = {BATCH_DIM: 1, LABELS_DIM: len(card.labels)}
    feeds = {}
    for i, spec in enumerate(card.inputs):
        details = runner.get_input_details()[spec.name]
        signature = [int(d) for d in details["shape_signature"]]
        if len(signature) != len(spec.shape) or any(
                d > 0 and (sizes.setdefault(s, d) if isinstance(s, str) else s) != d
                for d, s in zip(signature, spec.shape, strict=False)):
            raise ModelError(f"input {spec.name!r} has shape {tuple(signature)} (-1: any), the card declares "
                             f"{spec.shape_text}")
        if np.dtype(details["dtype"]) != np.dtype(spec.dtype):
            raise ModelError(f"input {spec.name!r} is {np.dtype(details['dtype'])}, the card declares {spec.dtype}")
        feeds[spec.name] = dummy_input(spec, sizes, seed=i)
    try:
        out = runner(**feeds)
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"LiteRT failed to run {path} on a dummy input: {exc}") from exc
    return {k: np.array(v) for k, v in out.items()}, sizes


def verify_package(pkg_dir: str | Path) -> Verification:
    """Every check at once; problems are collected, not raised, so one run names all of them."""
    root = Path(pkg_dir)
    problems: list[str] = []
    checked: list[str] = []
    try:
        try:
            pkg = load_package(root)
        except ModelTrustError as exc:  # named, and the other checks still run so one pass names everything
            problems.append(str(exc))
            pkg = load_package(root, require_trust=False)
    except ModelError as exc:
        return Verification(root, root.name, "", (), (str(exc),))
    checked.append("schema")
    if not problems:
        checked.append(f"trusted: {pkg.signer}")
    damaged = []
    for role in pkg.card.files:
        try:
            pkg.path(role, verify=True)
        except ModelError as exc:
            damaged.append(str(exc))
    problems += damaged
    checked.append(f"{len(pkg.card.files)} file hash(es)")
    # never run a file that failed its hash; an untrusted one is run (verify comes before signing a candidate)
    if damaged:
        return Verification(pkg.root, pkg.card.ref, pkg.sha256, tuple(checked), tuple(problems))
    if not pkg.has(TFLITE_ROLE):
        problems.append(f"the card lists no {TFLITE_ROLE!r} file: nothing LiteRT can run")
    else:
        try:
            outputs, sizes = run_litert(pkg)
            problems += check_outputs(pkg.card, outputs, sizes)
            checked.append(f"LiteRT outputs {', '.join(o.name for o in pkg.card.outputs)}")
        except ModelError as exc:
            problems.append(str(exc))
    return Verification(pkg.root, pkg.card.ref, pkg.sha256, tuple(checked), tuple(problems))
