"""The one exception hierarchy that may reach a user.

Each error carries a message a clinician or hospital IT can act on: what is wrong and, where it helps,
what to do. Code outside ``radassist.core`` catches ``RadAssistError`` and shows ``str(err)``; anything
else escaping is a bug.
"""

from __future__ import annotations


class RadAssistError(Exception):
    """Base class: a readable problem with the input, the set-up or the environment."""

    #: short, stable code for scripts and JSON output
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


# --- image input -------------------------------------------------------------------------------------
class ImageError(RadAssistError):
    """The file could not be turned into an image we can show."""

    code = "image_error"


class UnreadableFileError(ImageError):
    """Missing, a folder, no permission, empty or an I/O failure."""

    code = "unreadable"


class UnsupportedFormatError(ImageError):
    """Neither DICOM nor a raster format we read (PNG, JPEG)."""

    code = "unsupported_format"


class NoPixelDataError(ImageError):
    """DICOM without an image (structured report, presentation state, ...)."""

    code = "no_pixel_data"


class MultiFrameError(ImageError):
    """Multi-frame objects (cine, tomosynthesis) are not chest radiographs we can read."""

    code = "multi_frame"


class UnsupportedPhotometricError(ImageError):
    """Colour or palette DICOM images: a chest radiograph is MONOCHROME1/2."""

    code = "unsupported_photometric"


class CorruptPixelDataError(ImageError):
    """Pixel data truncated, malformed or undecodable."""

    code = "corrupt_pixel_data"


class DamagedPixelDataError(CorruptPixelDataError):
    """The decoder reported damage (corrupt or missing data, a crash): the picture would be wrong, so it is not shown."""

    code = "damaged_pixel_data"


class DecodeTimeoutError(CorruptPixelDataError):
    """The decoder did not finish within its time limit (a hostile or badly damaged stream); it was stopped."""

    code = "decode_timeout"


class ImageTooLargeError(ImageError):
    """Refused before decoding: a decompression bomb or an image far larger than any radiograph."""

    code = "too_large"


class DecompressionBombError(ImageTooLargeError):
    """A compressed frame or deflated data set would expand far beyond what its header or the limits allow."""

    code = "decompression_bomb"


class UnsupportedPixelDataError(ImageError):
    """Valid pixel data of a kind RadAssist does not display (floating-point or parametric maps)."""

    code = "unsupported_pixel_data"


class CodecUnavailableError(ImageError):
    """The decoder plugin for this transfer syntax is missing or failed to load."""

    code = "codec_unavailable"


# --- models and inference ----------------------------------------------------------------------------
class ModelError(RadAssistError):
    """A model package is missing, damaged or cannot run here."""

    code = "model_error"


class ModelNotFoundError(ModelError):
    code = "model_not_found"


class ModelIntegrityError(ModelError):
    """A file of the package does not match the SHA-256 in its model card."""

    code = "model_integrity"


class ModelCardError(ModelError):
    """``model_card.json`` is missing fields or malformed."""

    code = "model_card"


class ModelTrustError(ModelError):
    """The package is neither a bundled one (its card hash shipped with RadAssist) nor signed by a key this
    site trusts: it may have been edited or planted, so it is not used."""

    code = "model_untrusted"


class DeviceUnavailableError(ModelError):
    """The requested device (e.g. ``gpu``) is not present or its runtime is not installed."""

    code = "device_unavailable"


class OutOfDistributionError(RadAssistError):
    """The input is not a frontal chest X-ray the model can speak to (raised only where a caller asks)."""

    code = "rejected"


# --- data, training ----------------------------------------------------------------------------------
class DatasetError(RadAssistError):
    """A training/evaluation data set is missing, empty or inconsistent."""

    code = "dataset_error"


class TrainingError(RadAssistError):
    code = "training_error"


# --- review and audit --------------------------------------------------------------------------------
class AuditError(RadAssistError):
    """The audit trail could not be written or read."""

    code = "audit_error"


class AuditWriteError(AuditError):
    """A record was not stored (read-only/full disk, lost connection). The caller must keep and retry it."""

    code = "audit_write_failed"


class AuditIntegrityError(AuditError):
    """The hash chain is broken: a record was edited, deleted, inserted or reordered."""

    code = "audit_tampered"

    def __init__(self, message: str, *, sequence: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.sequence = sequence


class AuditAppendRefusedError(AuditIntegrityError, AuditWriteError):
    """The writer will not extend a log whose tail, head or anchor disagree (records deleted, head or key
    replaced): appending would seal the damage over. Kept pending and retried like any failed write."""

    code = "audit_append_refused"


class AuditStoreMissingError(AuditError):
    """A store that must exist does not (verify and export never create one)."""

    code = "audit_store_missing"


class ReviewError(RadAssistError):
    """A review decision is incomplete (e.g. a correction without a reason)."""

    code = "review_error"


# --- configuration -----------------------------------------------------------------------------------
class ConfigError(RadAssistError):
    """A setting or environment variable has a value we cannot use."""

    code = "config_error"


class DependencyError(RadAssistError):
    """A required library or system package is missing; the message names the install command."""

    code = "dependency_missing"
