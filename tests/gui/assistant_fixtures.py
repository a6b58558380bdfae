"""Shared pieces of the assistant's GUI tests: a real classifier package, chest-like images, a real store.

The classifier and lung model are the committed packages in ``radassist/resources/models``: a missing one
fails the tests, it never skips them.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from radassist.config import RESOURCES_DIR

BUNDLED_CLASSIFIER = RESOURCES_DIR / "models" / "cxr-pneumonia"
BUNDLED_LUNGS = RESOURCES_DIR / "models" / "lung-unet"


@functools.cache
def classifier_dir() -> Path:
    return BUNDLED_CLASSIFIER


@functools.cache
def engine():
    """One loaded LiteRT engine per test process (loading is what the app does once per session)."""
    from radassist.core.classify import Engine

    return Engine(classifier_dir(), device="cpu").load()


@functools.cache
def segmenter():
    """The bundled lung segmenter."""
    from radassist.core.lungs import LungSegmenter

    return LungSegmenter.load(str(BUNDLED_LUNGS))


def models(*, gate: bool = False):
    """The worker's Pipeline: the real engine, the lung segmenter, the OOD gate on request."""
    from radassist.core.analysis import Pipeline

    g = None
    if gate:
        from radassist.core.gate import OodGate

        g = OodGate.load()
    return Pipeline(engine(), g, segmenter())


def chest_like(rows: int = 256, cols: int = 224, seed: int = 0) -> np.ndarray:
    """A 12-bit image with two dark lung fields in a brighter body, a spine and ribs (not a real CXR)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    img = np.full((rows, cols), 2600.0, np.float32)
    for cx in (0.3, 0.7):
        inside = ((x / cols - cx) / 0.17) ** 2 + ((y / rows - 0.5) / 0.33) ** 2 < 1
        img[inside] = 900.0
    img[np.abs(x / cols - 0.5) < 0.04] = 3400.0
    img += 250.0 * np.sin(y / rows * 40.0) * (img < 1500)
    img[: rows // 12, : cols // 6] = 4095.0  # a bright marker in a corner
    img += rng.normal(0, 40, img.shape)
    return np.clip(img, 0, 4095).astype(np.uint16)


def write_cxr_dicom(path: Path, pixels: np.ndarray | None = None, *, patient_name: str = "Doe^Jane",
                    patient_id: str = "PID-12345") -> Path:
    """An uncompressed CR DICOM (MONOCHROME2, 12 bit) with a known patient name and ID."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    pixels = chest_like() if pixels is None else pixels
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.Modality = "CR"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048.0, 4096.0
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(str(path), enforce_file_format=True)
    return path


def kermany_dicom(path: Path, shared: Path, *, patient_name: str = "Doe^Jane", patient_id: str = "PID-12345") -> Path:
    """A real chest X-ray (the first Kermany PNG) wrapped as a DICOM with a known patient name and ID."""
    import cv2

    png = sorted((shared / "kermany_train" / "NORMAL").glob("*.jpeg"))[:1] or \
        sorted((shared / "kermany_train" / "NORMAL").glob("*.*"))[:1]
    u8 = cv2.imread(str(png[0]), cv2.IMREAD_GRAYSCALE)
    return write_cxr_dicom(path, u8.astype(np.uint16) * 16, patient_name=patient_name, patient_id=patient_id)


def analysis_record(seed: int = 0) -> dict:
    """A real analysis record (real model, no gate) of a generated image: what a review starts from."""
    from radassist.core.analysis import Pipeline

    u8 = (chest_like(seed=seed) // 16).astype(np.uint8)
    a = Pipeline(engine()).analyze(u8, explain=False)
    return a.to_record()
