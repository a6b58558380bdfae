"""pydicom's decoder plugins: which are usable (``check_codecs``), and refusing a file none can decode.

pydicom already knows this: each decoder lists its ``available_plugins`` and ``missing_dependencies``, and
its pylibjpeg plugin (the one RadAssist installs) declares the pip packages per transfer syntax
(``DECODER_DEPENDENCIES``) with a live ``is_available``. Here that is turned into sentences with the
``pip install`` line a site administrator needs.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from radassist.core.errors import CodecUnavailableError
from radassist.core.image.failures import short

#: compressed syntaxes chest radiographs arrive in, by the name a message uses
_NEEDED = (("1.2.840.10008.1.2.4.50", "JPEG baseline"), ("1.2.840.10008.1.2.4.51", "JPEG extended"),
           ("1.2.840.10008.1.2.4.70", "JPEG lossless"), ("1.2.840.10008.1.2.4.80", "JPEG-LS"),
           ("1.2.840.10008.1.2.4.90", "JPEG 2000"), ("1.2.840.10008.1.2.5", "RLE Lossless"))
#: pip package -> (module it installs, what it decodes); the packages come from pydicom's dependency table
_PACKAGES = {"pylibjpeg": ("pylibjpeg", "compressed DICOM"),
             "pylibjpeg-libjpeg": ("libjpeg", "JPEG baseline/extended/lossless and JPEG-LS"),
             "pylibjpeg-openjpeg": ("openjpeg", "JPEG 2000"),
             "pylibjpeg-rle": ("rle", "RLE Lossless (fast path)")}


def _package(requirement: str) -> str:
    """'pylibjpeg-openjpeg>=2.0' -> 'pylibjpeg-openjpeg'."""
    for sep in (">=", "<=", "==", ">", "<", "~="):
        requirement = requirement.split(sep)[0]
    return requirement.strip()


def check_codecs() -> list[str]:
    """Problems with the DICOM decoder plugins, one sentence each; empty when every plugin loads."""
    try:
        from pydicom.pixels import get_decoder
        from pydicom.pixels.decoders import pylibjpeg as plugin
        from pydicom.uid import UID
    except Exception as exc:  # noqa: BLE001 - a broken install may raise anything on import
        return [f"pydicom failed to load its decoders ({short(exc)}). Install it with: pip install pydicom"]
    problems: list[str] = []
    checked: set[str] = set()
    for uid, _what in _NEEDED:
        if plugin.is_available(uid):  # live: imports (and version-checks) the packages now
            continue
        for package in (_package(r) for r in plugin.DECODER_DEPENDENCIES.get(UID(uid), ())):
            if package in checked:
                continue
            checked.add(package)
            module, decodes = _PACKAGES.get(package, (package.replace("-", "_"), "some DICOM"))
            try:
                importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001
                if package == "pylibjpeg":
                    problems.append(f"pylibjpeg failed to load ({short(exc)}): compressed DICOM cannot be opened. "
                                    "Install it with: pip install pylibjpeg")
                else:
                    problems.append(f"{decodes} decoder missing: {package} failed to load ({short(exc)}). "
                                    f"Install it with: pip install {package}")
    for uid, what in _NEEDED:  # what pydicom itself will use: any plugin at all?
        decoder = get_decoder(UID(uid))
        if not decoder.available_plugins:
            missing = "; ".join(decoder.missing_dependencies) or "no plugin installed"
            problems.append(f"pydicom has no working {what} decoder ({missing}): install pylibjpeg-libjpeg and "
                            "pylibjpeg-openjpeg (pip install pylibjpeg-libjpeg pylibjpeg-openjpeg).")
    return problems


def require_decoder(uid: Any, path: Path) -> None:
    """CodecUnavailableError unless pydicom has a usable plugin for the compressed syntax ``uid``."""
    try:
        from pydicom.pixels import get_decoder

        decoder = get_decoder(uid)
    except Exception as exc:
        raise CodecUnavailableError(f"{path.name} uses the transfer syntax {uid.name} ({uid}), which RadAssist "
                                    "cannot decode.", hint="Ask the sender for an uncompressed or JPEG/JPEG 2000 "
                                    "lossless copy.") from exc
    if decoder.is_available:
        return
    from pydicom.pixels.decoders import pylibjpeg as plugin

    packages = [_package(r) for r in plugin.DECODER_DEPENDENCIES.get(uid, ("pylibjpeg", "pylibjpeg-libjpeg"))]
    raise CodecUnavailableError(f"No decoder for {uid.name} is installed, so {path.name} cannot be opened.",
                                hint=f"Install it with: pip install {' '.join(packages)}")
