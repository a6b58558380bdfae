"""Model packages: the card and its JSON Schema (``card``), a package on disk whose files are hash-checked
on first use (``package``), where packages live (``registry``), whole-package checks (``verify``) and the
generated page (``doc``), and which packages may be used at all (``trust``: bundled ones by their shipped card
hashes, every other one signed with Ed25519 by a key the site trusts). Writing packages is training work:
``radassist.training.export``."""

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
from radassist.core.models.trust import (
    BUNDLED_SIGNER,
    SIGNATURE_NAME,
    generate_keypair,
    sign_package,
    trusted_keys_dir,
)

__all__ = [
    "BUNDLED_SIGNER",
    "CARD_NAME",
    "CLASSIFIER_FIELDS",
    "DEFAULT_MODEL_ID",
    "REQUIRED_FIELDS",
    "SIGNATURE_NAME",
    "TASKS",
    "ChangelogEntry",
    "ModelCard",
    "ModelPackage",
    "PackageFile",
    "TensorSpec",
    "bundled_dir",
    "check_schema",
    "generate_keypair",
    "install_package",
    "installed_dir",
    "list_packages",
    "load_package",
    "open_package",
    "read_card",
    "resolve",
    "schema",
    "schema_errors",
    "sign_package",
    "trusted_keys_dir",
]
