"""Model packages: the card and its JSON Schema (``card``), a package on disk whose files are hash-checked
on first use (``package``), where packages live (``registry``), whole-package checks (``verify``) and the
generated page (``doc``). Writing packages is training work: ``radassist.training.export``."""

from radassist.core.models.card import (
    CARD_NAME,
    CLASSIFIER_FIELDS,
    DEFAULT_MODEL_ID,
    REQUIRED_FIELDS,
    TASKS,
    ChangelogEntry,
    ModelCard,
    PackageFile,
    TensorSpec,
    check_schema,
    schema,
    schema_errors,
)
from radassist.core.models.package import ModelPackage, load_package, read_card
from radassist.core.models.registry import (
    bundled_dir,
    install_package,
    installed_dir,
    list_packages,
    open_package,
    resolve,
)

__all__ = [
    "CARD_NAME",
    "CLASSIFIER_FIELDS",
    "DEFAULT_MODEL_ID",
    "REQUIRED_FIELDS",
    "TASKS",
    "ChangelogEntry",
    "ModelCard",
    "ModelPackage",
    "PackageFile",
    "TensorSpec",
    "bundled_dir",
    "check_schema",
    "install_package",
    "installed_dir",
    "list_packages",
    "load_package",
    "open_package",
    "read_card",
    "resolve",
    "schema",
    "schema_errors",
]
