"""``radassist predict``: the CLI contract of issues 8 and 9 (JSON lines, exit codes, heatmap/mask files)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from radassist.cli import main
from radassist.cli.predict import OutputNames, output_stem, safe_part
from tests.core.models.signing import suite_signer
from tests.core.models.test_package import exported_classifier
from tests.core.test_gate import generated_gate_package, generated_non_cxr, synthetic_body


@pytest.fixture(scope="module")
def site_gate_dir(tmp_path_factory):
    return generated_gate_package(tmp_path_factory.mktemp("gate"))


@pytest.fixture
def inputs(tmp_path, site_gate_dir, monkeypatch, radassist_home):
    """ok.png (accepted by the site gate), nested/noise.png (refused), broken.png (not an image)."""
    monkeypatch.setenv("RADASSIST_OOD_GATE", site_gate_dir)
    d = tmp_path / "in"
    (d / "nested").mkdir(parents=True)
    cv2.imwrite(str(d / "ok.png"), synthetic_body(300, shape=(400, 350)))
    cv2.imwrite(str(d / "nested" / "noise.png"), generated_non_cxr()["gaussian_noise"])
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    return d


def _run(capsys, *argv) -> tuple[int, list[dict], str]:
    code = main(["predict", *map(str, argv), "--model", str(exported_classifier())])
    out = capsys.readouterr()
    lines = [json.loads(x) for x in out.out.splitlines() if x.startswith("{")]
    return code, lines, out.out + out.err


def test_ok_rejected_and_error_in_one_call(inputs, capsys):
    code, lines, _ = _run(capsys, inputs, "--json")
    assert code == 1  # one input errored; the others were still processed and printed
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in lines}
    assert set(by_name) == {"ok.png", "noise.png", "broken.png"}  # folders are searched recursively
    ok, rej, err = by_name["ok.png"], by_name["noise.png"], by_name["broken.png"]
    assert ok["status"] == "ok" and "message" not in ok
    assert set(ok) >= {"path", "status", "image_sha256", "model", "device", "findings", "ood", "timings_ms"}
    assert set(ok["model"]) == {"id", "version", "sha256", "signer"} and ok["device"] == "cpu"
    assert ok["model"]["signer"] == suite_signer()  # the exported test classifier, signed by the test key
    (f,) = ok["findings"]
    assert set(f) >= {"label", "probability", "threshold", "positive"} and f["label"] == "pneumonia"
    assert ok["ood"]["accepted"] is True and isinstance(ok["ood"]["score"], float)
    assert {"load", "inference", "heatmap", "lungs", "total"} <= set(ok["timings_ms"])
    # the full record the app shows, without any output folder: heatmap share in the lungs, lung area, notes
    assert 0.0 <= f["heatmap_in_lungs"] <= 1.0
    assert ok["lung_area"]["pixels"] > 0 and ok["lung_area"]["label"].endswith("area in pixels)")
    assert ok["heatmaps"] == {"pneumonia": None} and ok["heatmap_empty"] == {"pneumonia": False}
    assert ok["lung_mask"] is None  # no image written
    assert isinstance(ok["notes"], list) and not any("No lung mask" in n or "No out-of" in n for n in ok["notes"])
    assert ok["runtime"] == "litert" and ok["ood"]["model"]["id"] == "test-gate"
    assert rej["status"] == "rejected" and rej["message"] and rej["findings"] == []
    assert rej["ood"]["accepted"] is False
    assert err["status"] == "error" and err["message"]


def test_all_processed_exits_zero(inputs, capsys):
    code, lines, _ = _run(capsys, inputs / "ok.png", inputs / "nested", "--json")
    assert code == 0 and [r["status"] for r in lines] == ["ok", "rejected"]


def test_missing_file_is_an_input_error(inputs, capsys):
    code, lines, _ = _run(capsys, inputs / "nope.dcm", inputs / "ok.png", "--json")
    assert code == 1 and [r["status"] for r in lines] == ["error", "ok"]


def test_readable_table_without_json(inputs, capsys):
    code, lines, text = _run(capsys, inputs / "ok.png", inputs / "nested")
    assert code == 0 and not lines
    assert "pneumonia" in text and "rejected" in text and "ok.png" in text


def test_heatmap_and_mask_files(inputs, tmp_path, capsys):
    heat, masks = tmp_path / "heat", tmp_path / "masks"
    code, lines, _ = _run(capsys, inputs / "ok.png", "--json", "--heatmap-dir", heat, "--mask-dir", masks)
    assert code == 0
    (rec,) = lines
    raw = cv2.imread(rec["heatmaps"]["pneumonia"], cv2.IMREAD_UNCHANGED)
    assert raw.shape == (400, 350) and raw.dtype == np.uint8  # raw 8-bit map at the original size
    name = output_stem(inputs / "ok.png")
    assert rec["heatmaps"]["pneumonia"] == str(heat / f"{name}_pneumonia.png")
    overlay = cv2.imread(str(heat / f"{name}_pneumonia_overlay.png"), cv2.IMREAD_UNCHANGED)
    assert overlay.shape == (400, 350, 3)
    if rec["lung_mask"] is None:
        assert any("lung" in n for n in rec["notes"])
    else:
        mask = cv2.imread(rec["lung_mask"], cv2.IMREAD_UNCHANGED)
        assert mask.shape == (400, 350) and set(np.unique(mask)) <= {0, 255}
        assert rec["lung_area"]["pixels"] == int((mask == 255).sum())
        assert 0.0 <= rec["findings"][0]["heatmap_in_lungs"] <= 1.0


def test_one_file_name_in_two_folders_never_overwrites(inputs, tmp_path, capsys):
    a, b = inputs / "a" / "same.png", inputs / "b" / "same.png"
    for p, seed in ((a, 301), (b, 302)):
        p.parent.mkdir()
        cv2.imwrite(str(p), synthetic_body(seed, shape=(400, 350)))
    heat, masks = tmp_path / "heat", tmp_path / "masks"
    code, lines, _ = _run(capsys, a, b, "--json", "--heatmap-dir", heat, "--mask-dir", masks)
    assert code == 0 and [r["status"] for r in lines] == ["ok", "ok"]
    first, second = (r["heatmaps"]["pneumonia"] for r in lines)
    assert first != second and Path(first).parent == Path(second).parent == heat
    assert Path(first).name.startswith("same-") and Path(second).name.startswith("same-")
    assert len(list(heat.glob("*.png"))) == 4  # two raw maps, two overlays: nothing was overwritten
    assert not np.array_equal(cv2.imread(first), cv2.imread(second))
    if all(r["lung_mask"] for r in lines):
        assert lines[0]["lung_mask"] != lines[1]["lung_mask"] and len(list(masks.glob("*.png"))) == 2
    # the same input again gets the same names: a rerun refreshes its own files
    code, again, _ = _run(capsys, b, "--json", "--heatmap-dir", heat)
    assert again[0]["heatmaps"]["pneumonia"] == second and len(list(heat.glob("*.png"))) == 4


@pytest.mark.parametrize("label", ["x/../../escaped", "../../../../tmp/evil", "/etc/passwd", "..", "a\\..\\b",
                                   "\u00e9t\u00e9\x00\n"])
def test_output_names_stay_inside_the_folder_whatever_the_label(tmp_path, label):
    out = tmp_path / "heat"
    out.mkdir()
    p = OutputNames().path(out, tmp_path / "in" / "../in/scan 01 (Doe^John).png", label, "overlay")
    assert p.parent == out and p.resolve().parent == out.resolve()
    assert all((c.isalnum() and c.isascii()) or c in "._-" for c in p.name)
    assert "/" not in p.name and "\\" not in p.name and not p.name.startswith(".")


def test_labels_that_sanitise_alike_get_distinct_files(tmp_path):
    names = OutputNames()
    src = tmp_path / "in.png"
    a = names.path(tmp_path, src, "a/b")
    b = names.path(tmp_path, src, "a_b")
    assert safe_part("a/b") == safe_part("a_b") and a != b and b.name.endswith("-2.png")
    assert names.path(tmp_path, src, "a/b") == a  # the same output asks again: the same file


def test_a_hostile_model_label_writes_nothing_outside_the_output_folder(inputs, tmp_path, capsys):
    """A signed classifier whose label is a path: every heatmap lands inside --heatmap-dir."""
    import json as _json
    import shutil

    from tests.core.models.signing import sign_for_tests

    pkg = tmp_path / "hostile"
    shutil.copytree(exported_classifier(), pkg)
    card = _json.loads((pkg / "model_card.json").read_text())
    label = "x/../../escaped"
    card.update(labels=[label], thresholds={label: 0.5})
    (pkg / "model_card.json").write_text(_json.dumps(card))
    sign_for_tests(pkg)
    heat = tmp_path / "out" / "heat"
    code = main(["predict", str(inputs / "ok.png"), "--json", "--heatmap-dir", str(heat), "--model", str(pkg)])
    rec = next(_json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{"))
    assert code == 0 and rec["status"] == "ok"
    written = Path(rec["heatmaps"][label])
    assert written.parent == heat and written.is_file()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*escaped*")) == sorted(
        p.relative_to(tmp_path) for p in heat.glob("*escaped*"))
    assert len(list(heat.glob("*.png"))) == 2


def test_usage_errors_exit_two(inputs, capsys):
    with pytest.raises(SystemExit) as e:
        main(["predict", str(inputs), "--device", "tpu"])
    assert e.value.code == 2
    assert main(["predict", str(inputs), "--model", "no-such-model"]) == 2
    assert main(["predict", str(inputs), "--model", str(exported_classifier()), "--device", "gpu"]) == 2
    assert "GPU" in capsys.readouterr().err


def test_a_damaged_gate_is_a_note_in_every_record_as_in_the_app(inputs, site_gate_dir, tmp_path, monkeypatch,
                                                                capsys):
    """One policy (core.analysis.Pipeline): a refused gate package no longer stops predict; each record says
    the input was not checked, exactly as the findings panel does."""
    import shutil

    gate = tmp_path / "gate"
    shutil.copytree(site_gate_dir, gate)
    (gate / "params.json").write_text("{}")  # no longer the file the card's sha256 pins
    monkeypatch.setenv("RADASSIST_OOD_GATE", str(gate))
    code, lines, text = _run(capsys, inputs / "ok.png", inputs / "nested", "--json")
    assert code == 0 and [r["status"] for r in lines] == ["ok", "ok"]  # nothing refuses the noise now
    for rec in lines:
        assert rec["ood"] is None
        (note,) = [n for n in rec["notes"] if "refused as damaged" in n]
        assert note.startswith("No out-of-distribution gate ran") and "params.json" in note
    assert "note: No out-of-distribution gate ran" in text  # said once on stderr too


def test_a_wrong_type_in_the_settings_file_is_a_warning_not_a_failure(inputs, radassist_home, capsys):
    (radassist_home / "config").mkdir(parents=True)
    (radassist_home / "config" / "settings.json").write_text(json.dumps({"device": 3, "max_recent": "3"}))
    code, lines, text = _run(capsys, inputs / "ok.png", "--json")
    assert code == 0 and lines[0]["status"] == "ok" and lines[0]["device"] == "cpu"
    assert "warning: Setting 'device'" in text and "warning: Setting 'max_recent'" in text


# --- issue 16: folders skip non-images by content, caveats in the table, no LiteRT chatter ---------------
def test_a_folder_skips_non_images_by_content_and_says_how_many(tmp_path, radassist_home, capsys):
    """A PACS export: DICOM without a suffix or with a numeric one, beside a SHA256SUMS and a labels.csv."""
    from tests.fixtures.dicom_factory import write_dicom

    d = tmp_path / "export"
    d.mkdir()
    write_dicom(d / "IM0001")
    write_dicom(d / "1.2.840.113619.2.55.504")
    (d / "SHA256SUMS").write_text("0" * 64 + "  IM0001\n")
    (d / "labels.csv").write_text("path,labels\nIM0001,Pneumonia\n")
    (d / "notes.txt").write_bytes(b"")  # empty: not an image either
    assert main(["predict", str(d), "--json"]) == 0  # nothing errored: the bundled gate judges both images
    out = capsys.readouterr()
    lines = [json.loads(x) for x in out.out.splitlines()]  # stdout is JSON lines only
    assert sorted(Path(r["path"]).name for r in lines) == ["1.2.840.113619.2.55.504", "IM0001"]
    assert all(r["status"] != "error" for r in lines)
    (said,) = [x for x in out.err.splitlines() if "skipped" in x]  # once, on stderr
    assert said.startswith("radassist predict: skipped 3 files") and "not DICOM, PNG or JPEG images" in said


def test_a_non_image_given_explicitly_is_still_an_error(tmp_path, radassist_home, capsys):
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("0" * 64 + "  a.dcm\n")
    assert main(["predict", str(sums), "--json"]) == 1
    out = capsys.readouterr()
    (rec,) = [json.loads(x) for x in out.out.splitlines()]
    assert rec["status"] == "error" and rec["error_code"] and "skipped" not in out.err


def test_a_folder_with_no_image_says_so(tmp_path, radassist_home, capsys):
    d = tmp_path / "sums"
    d.mkdir()
    (d / "SHA256SUMS").write_text("x\n")
    assert main(["predict", str(d)]) == 1
    err = capsys.readouterr().err
    assert "skipped 1 file in the given folders that is not a DICOM, PNG or JPEG image (e.g. SHA256SUMS)" in err
    assert "no image files found" in err


def test_the_table_prints_each_caveat_under_its_finding(site_gate_dir, tmp_path, monkeypatch, radassist_home,
                                                        capsys):
    """An adult film (PatientAge 054Y) through the pediatric bundled model: the age caveat is on the table,
    under the file's row, as it is in the --json record."""
    from tests.core.test_gate import synthetic_body
    from tests.fixtures.dicom_factory import PATIENT, write_dicom

    monkeypatch.setenv("RADASSIST_OOD_GATE", site_gate_dir)
    assert PATIENT["PatientAge"] == "054Y"
    adult = write_dicom(tmp_path / "adult.dcm", pixels=synthetic_body(7, shape=(300, 260)), bits_allocated=8,
                        bits_stored=8, windows=[(128, 256)])
    assert main(["predict", str(adult), "--json"]) == 0
    (rec,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rec["status"] == "ok" and rec["notes"]
    assert any("adult" in n for n in rec["notes"])

    assert main(["predict", str(adult)]) == 0
    rows = capsys.readouterr().out.splitlines()
    (row,) = [i for i, x in enumerate(rows) if x.startswith("ok ") and "pneumonia" in x]
    caveats = rows[row + 1:]
    assert caveats == [f"{'':<9} ! {n}" for n in rec["notes"]]  # every note, in order, right under the row
    assert any("adult (18 years or older)" in x for x in caveats)


def test_predict_json_prints_no_litert_delegate_line(tmp_path):
    """LiteRT's C++ runtime writes "INFO: Created TensorFlow Lite XNNPACK delegate" on fd 2 once per process:
    a fresh process, so nothing earlier in the test session has used it up."""
    import subprocess
    import sys

    png = tmp_path / "film.png"
    cv2.imwrite(str(png), synthetic_body(3, shape=(300, 260)))
    env = {"PATH": "/usr/bin:/bin", "RADASSIST_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "radassist", "predict", str(png), "--json"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] in ("ok", "rejected")  # the models ran
    assert "XNNPACK" not in proc.stderr and "INFO:" not in proc.stderr, proc.stderr
