"""GUI fixtures: small real DICOM files written with pydicom, and a main window on the offscreen platform."""

from __future__ import annotations

from pathlib import Path

import pytest


def write_dicom(path: Path, *, rows: int = 96, cols: int = 64, patient_id: str = "PAT-0042",
                patient_name: str = "DOE^JANE", window: tuple[float, float] | None = (2048.0, 4096.0)) -> Path:
    """A 12-bit CR (tests.fixtures.dicom_factory) with a bright top-left block, so flips and rotations show."""
    from tests.fixtures.dicom_factory import gradient
    from tests.fixtures.dicom_factory import write_dicom as factory_write

    pixels = gradient(rows, cols, 12) // 2
    pixels[: rows // 4, : cols // 4] = 4095
    return factory_write(path, pixels=pixels, windows=[window] if window else (), name=f"{path.name}-{patient_id}",
                         patient={"PatientName": patient_name, "PatientID": patient_id, "PatientSex": "F",
                                  "PatientAge": "054Y"})


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

    # overlays start off here so each test switches on what it checks (the app's default is on)
    win = MainWindow(Settings(show_heatmap=False, show_lungs=False))
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
