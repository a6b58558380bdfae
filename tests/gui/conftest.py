"""GUI fixtures: small real DICOM files written with pydicom, and a main window on the offscreen platform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_dicom(path: Path, *, rows: int = 96, cols: int = 64, patient_id: str = "PAT-0042",
                patient_name: str = "DOE^JANE", photometric: str = "MONOCHROME2",
                window: tuple[float, float] | None = (2048.0, 4096.0)) -> Path:
    """An uncompressed 12-bit CR whose pixels differ in every direction (so flips and rotations show)."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    y, x = np.mgrid[0:rows, 0:cols]
    pixels = (x * 4095 // max(cols - 1, 1) // 2 + y * 4095 // max(rows - 1, 1) // 2).astype(np.uint16)
    pixels[: rows // 4, : cols // 4] = 4095  # a bright block in the top-left corner
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"  # CR Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientSex = "F"
    ds.PatientAge = "054Y"
    ds.StudyDate = "20260101"
    ds.StudyTime = "101500"
    ds.StudyDescription = "CHEST PA"
    ds.Modality = "CR"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = pixels.tobytes()
    ds.save_as(str(path), enforce_file_format=True)
    return path


@pytest.fixture
def dicom_file(tmp_path) -> Path:
    return write_dicom(tmp_path / "chest.dcm")


@pytest.fixture
def corrupt_file(tmp_path) -> Path:
    """A DICOM file whose pixel data is cut short: the loader must refuse it with a readable error."""
    good = write_dicom(tmp_path / "good-for-corrupt.dcm")
    data = good.read_bytes()
    bad = tmp_path / "corrupt.dcm"
    bad.write_bytes(data[: len(data) - 3000])
    good.unlink()
    return bad


@pytest.fixture
def dicom_folder(tmp_path) -> Path:
    folder = tmp_path / "study"
    (folder / "sub").mkdir(parents=True)
    write_dicom(folder / "a.dcm", patient_id="A")
    write_dicom(folder / "b.dcm", patient_id="B", rows=80)
    write_dicom(folder / "sub" / "IM0003", patient_id="C")  # DICOM files often have no suffix
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture
def main_window(qtbot, radassist_home):
    from radassist.config import Settings
    from radassist.gui.main_window import MainWindow

    win = MainWindow(Settings())
    qtbot.addWidget(win)
    win.resize(900, 700)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.jobs.shutdown()


@pytest.fixture
def open_image(qtbot):
    """open_image(window, path) -> the full-resolution XRayImage once it is on screen."""

    def _open(win, path: Path):
        with qtbot.waitSignal(win.image_loaded, timeout=10_000) as blocker:
            win.open_path(path)
        return blocker.args[0]

    return _open
