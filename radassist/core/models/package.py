"""A verified model package on disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from radassist.core.digest import sha256_file
from radassist.core.errors import ModelCardError, ModelError, ModelIntegrityError, ModelNotFoundError
from radassist.core.models.card import CARD_NAME, ModelCard


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


