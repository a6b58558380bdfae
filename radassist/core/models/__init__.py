"""Model packages: the card (``card``), a verified package on disk (``package``), where packages live
(``registry``). Writing packages is training work: ``radassist.training.export``."""

from radassist.core.models.card import (
    CARD_NAME,
    CLASSIFIER_FIELDS,
    DEFAULT_MODEL_ID,
    REQUIRED_FIELDS,
    TASKS,
    ModelCard,
    PackageFile,
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
    "CARD_NAME", "CLASSIFIER_FIELDS", "DEFAULT_MODEL_ID", "REQUIRED_FIELDS", "TASKS", "ModelCard", "ModelPackage",
    "PackageFile", "bundled_dir", "install_package", "installed_dir", "list_packages", "load_package",
    "open_package", "read_card", "resolve",
]
