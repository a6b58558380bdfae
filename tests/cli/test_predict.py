"""``radassist predict``: the CLI contract of issues 8 and 9 (JSON lines, exit codes, heatmap/mask files)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from radassist.cli import main
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
    assert set(ok["model"]) == {"id", "version", "sha256"} and ok["device"] == "cpu"
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
    overlay = cv2.imread(str(heat / "ok_pneumonia_overlay.png"), cv2.IMREAD_UNCHANGED)
    assert overlay.shape == (400, 350, 3)
    if rec["lung_mask"] is None:
        assert any("lung" in n for n in rec["notes"])
    else:
        mask = cv2.imread(rec["lung_mask"], cv2.IMREAD_UNCHANGED)
        assert mask.shape == (400, 350) and set(np.unique(mask)) <= {0, 255}
        assert rec["lung_area"]["pixels"] == int((mask == 255).sum())
        assert 0.0 <= rec["findings"][0]["heatmap_in_lungs"] <= 1.0


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
