"""core.image.codecs.plugins: which of pydicom's decoder plugins work, in sentences with the pip line."""

from __future__ import annotations

import pytest

from radassist.core import image as io


def test_check_codecs_reports_nothing_when_plugins_load():
    assert io.check_codecs() == []


def test_check_codecs_names_the_pip_package_of_a_plugin_that_fails_to_load(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openjpeg", None)  # makes "import openjpeg" raise ImportError
    problems = io.check_codecs()
    assert len(problems) == 1 and "JPEG 2000" in problems[0]
    assert "pip install pylibjpeg-openjpeg" in problems[0]


def test_check_codecs_reports_a_syntax_pydicom_has_no_plugin_for(monkeypatch):
    """pydicom's own view (available_plugins / missing_dependencies) is reported, with what is missing."""
    from pydicom.pixels import get_decoder
    from pydicom.uid import JPEGLSLossless

    decoder = get_decoder(JPEGLSLossless)
    monkeypatch.setattr(decoder, "_available", {})
    monkeypatch.setattr(decoder, "_unavailable", {"pylibjpeg": ("pylibjpeg>=2.0", "pylibjpeg-libjpeg>=2.1")})
    (problem,) = io.check_codecs()
    assert "no working JPEG-LS decoder" in problem and "pylibjpeg-libjpeg>=2.1" in problem
    assert "pip install" in problem


def test_a_file_no_plugin_can_decode_is_refused_with_the_pip_line(tmp_path, monkeypatch):
    from pydicom.pixels import get_decoder
    from pydicom.uid import RLELossless

    from radassist.core import errors
    from tests.fixtures import dicom_factory as f

    path = f.write_rle(tmp_path / "rle.dcm")
    monkeypatch.setattr(get_decoder(RLELossless), "_available", {})
    with pytest.raises(errors.CodecUnavailableError, match="No decoder for RLE Lossless") as info:
        io.load_image(path)
    assert info.value.hint == "Install it with: pip install pylibjpeg pylibjpeg-rle"
