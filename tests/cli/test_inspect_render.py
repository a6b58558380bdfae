"""``radassist inspect`` and ``radassist render``: the loader and the display pipeline, headless."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from radassist.cli import main
from radassist.core.display import render_uint8
from radassist.core.image import Window
from radassist.core.image import read as io
from tests.conftest import REPO, shared_path
from tests.fixtures import dicom_factory as f


@pytest.fixture
def files(tmp_path):
    return {
        "cr": f.write_dicom(tmp_path / "cr.dcm", photometric="MONOCHROME1", windows=[(2000, 3000, "SOFT")],
                            imager_pixel_spacing=(0.14, 0.14)),
        "sr": f.write_sr(tmp_path / "report.dcm"),
        "png": f.write_png(tmp_path / "colour.png", f.rgb_gradient(20, 10, 8)),
        "voi": f.write_dicom(tmp_path / "voi.dcm", voi_lut=(0, list(range(0, 65536, 16)), 16)),
    }


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- inspect --------------------------------------------------------------------------------------------
def test_inspect_json_prints_one_object_per_file_and_processes_every_file(files, capsys):
    rc = main(["inspect", "--json", str(files["sr"]), str(files["cr"]), str(files["png"])])
    out = _json_lines(capsys.readouterr().out)
    assert rc == 1  # one file failed, the others were still processed
    assert [r["status"] for r in out] == ["error", "ok", "ok"]
    err, cr, png = out
    assert err["error_code"] == "no_pixel_data" and "contains no image" in err["message"]
    assert cr["metadata"]["Modality"] == "CR" and cr["photometric"] == "MONOCHROME1"
    assert cr["rows"] == 64 and cr["columns"] == 48 and cr["bits_stored"] == 12
    assert cr["windows"] == [{"center": 2000.0, "width": 3000.0, "explanation": "SOFT", "function": "LINEAR"}]
    assert cr["spacing"] == {"PixelSpacing": {"mm": [0.2, 0.2], "plane": "patient"},
                             "ImagerPixelSpacing": {"mm": [0.14, 0.14], "plane": "detector"}}
    assert cr["patient"]["PatientID"] == "RA-0001" and "PatientID" not in cr["metadata"]
    assert cr["pixel_sha256"] == io.load_image(files["cr"]).pixel_sha256
    assert cr["transfer_syntax"] == "1.2.840.10008.1.2.1"
    for uid in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
        assert cr["metadata"][uid]
    assert png["format"] == "PNG" and any("grayscale" in n for n in png["notes"])


def test_inspect_exit_zero_when_all_ok_and_no_patient_option(files, capsys):
    assert main(["inspect", "--json", "--no-patient", str(files["cr"])]) == 0
    (rec,) = _json_lines(capsys.readouterr().out)
    assert "patient" not in rec and "RA-0001" not in json.dumps(rec) and "Test^Patient" not in json.dumps(rec)


def test_inspect_table_is_readable(files, capsys):
    rc = main(["inspect", str(files["cr"]), str(files["sr"]), str(files["png"].parent / "missing.dcm")])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert rc == 1
    assert lines[0].startswith("cr.dcm") and " ok " in lines[0] and "W 3000/L 2000" in lines[0]
    assert any(line.startswith("report.dcm") and "ERROR no_pixel_data" in line for line in lines)
    assert any("missing.dcm" in line and "does not exist" in line for line in lines)
    assert "2 of 3 file(s) could not be opened" in captured.err


def test_inspect_expands_folders(files, capsys):
    rc = main(["inspect", "--json", str(files["cr"].parent)])
    names = sorted(r["file"].rsplit("/", 1)[-1] for r in _json_lines(capsys.readouterr().out))
    assert names == ["colour.png", "cr.dcm", "report.dcm", "voi.dcm"] and rc == 1


def test_inspect_shared_set_reports_every_file():
    folder = shared_path("data", "dicom_cr_chest")
    proc = subprocess.run([sys.executable, "-m", "radassist", "inspect", "--json", str(folder)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    recs = [r for r in _json_lines(proc.stdout) if r["file"].endswith(".dcm")]  # SHA256SUMS is listed too
    assert proc.returncode == 1 and len(recs) == 20
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in recs}
    assert by_name["edge_no_pixels_SR.dcm"]["error_code"] == "no_pixel_data"
    assert by_name["edge_multiframe_MR.dcm"]["error_code"] == "multi_frame"
    assert by_name["RG1_J2KR.dcm"]["pixel_sha256"] == by_name["RG1_UNCR.dcm"]["pixel_sha256"]
    assert sum(r["status"] == "ok" for r in recs) == 18


# --- render ---------------------------------------------------------------------------------------------
def test_render_writes_exactly_the_default_view(files, tmp_path, capsys):
    out = tmp_path / "out" / "cr.png"
    out.parent.mkdir()
    assert main(["render", str(files["cr"]), str(out)]) == 0
    # says what it wrote: the path, the picture's size and the file's
    said = capsys.readouterr().out.strip()
    assert said == f"wrote {out} (48x64 pixels, 8-bit, {out.stat().st_size / 1024:.1f} KiB)", said
    written = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.ndim == 2
    np.testing.assert_array_equal(written, render_uint8(io.load_image(files["cr"])))


def test_render_window_and_invert_options(files, tmp_path):
    image = io.load_image(files["cr"])
    out = tmp_path / "w.png"
    assert main(["render", str(files["cr"]), str(out), "--window", "1000", "500", "--invert"]) == 0
    np.testing.assert_array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED),
                                  render_uint8(image, Window(1000, 500), invert=True))


def test_render_voi_lut_choice_and_usage_errors(files, tmp_path, capsys):
    out = tmp_path / "v.png"
    assert main(["render", str(files["voi"]), str(out), "--voi-lut", "0"]) == 0
    assert main(["render", str(files["voi"]), str(out), "--voi-lut", "3"]) == 2
    assert main(["render", str(files["cr"]), str(out), "--window", "10", "0"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_render_bad_input_exits_1_with_the_reason(files, tmp_path, capsys):
    assert main(["render", str(files["sr"]), str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert "contains no image" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_render_shared_monochrome1_twins_write_identical_pngs(tmp_path):
    folder = shared_path("data", "dicom_cr_chest")
    a, b = tmp_path / "m1.png", tmp_path / "m2.png"
    assert main(["render", str(folder / "SIIM_CXR_MONOCHROME1.dcm"), str(a)]) == 0
    assert main(["render", str(folder / "SIIM_CXR_MONOCHROME2_IMPLE.dcm"), str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_render_refuses_a_folder_or_a_missing_folder_as_output(files, tmp_path, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    assert main(["render", str(files["cr"]), str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"OUT {folder} is a folder" in err and str(folder / "image.png") in err
    assert list(folder.iterdir()) == []
    missing = tmp_path / "no" / "such" / "cr.png"
    assert main(["render", str(files["cr"]), str(missing)]) == 2
    assert f"the folder {missing.parent} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()  # nothing created
    not_a_folder = files["cr"] / "x.png"  # a file where the folder should be
    assert main(["render", str(files["cr"]), str(not_a_folder)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_inspect_skips_non_images_in_a_folder_and_says_so(files, capsys):
    (files["cr"].parent / "SHA256SUMS").write_text("0" * 64 + "  cr.dcm\n")
    rc = main(["inspect", "--json", str(files["cr"].parent)])
    out = capsys.readouterr()
    names = sorted(r["file"].rsplit("/", 1)[-1] for r in _json_lines(out.out))
    assert names == ["colour.png", "cr.dcm", "report.dcm", "voi.dcm"] and rc == 1  # report.dcm has no pixels
    assert "skipped 1 file in the given folders" in out.err
