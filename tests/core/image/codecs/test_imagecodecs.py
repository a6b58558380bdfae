"""core.image.codecs.imagecodecs: the pydicom decoder plugin gives pydicom's own pixels, faster."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import get_decoder

from radassist.core import image as io
from radassist.core.image.codecs import imagecodecs as plugin
from tests.fixtures import dicom_factory as f


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _pydicom_pixels(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


def test_jpeg2000_lossy_decodes_like_pydicom(tmp_path):
    path = f.write_j2k(tmp_path / "j2ki.dcm", lossless=False)
    assert np.array_equal(io.load_image(path).pixels, _pydicom_pixels(path))


@pytest.mark.parametrize("writer", [
    pytest.param(lambda p: f.write_j2k(p), id="j2k-lossless"),
    pytest.param(lambda p: f.write_j2k(p, lossless=False), id="j2k-lossy"),
    pytest.param(lambda p: f.write_j2k(p, bits_allocated=8, bits_stored=8), id="j2k-8bit"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg"), id="jpeg-lossless"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg", bits_allocated=8, bits_stored=8), id="jpeg-lossless-8"),
    pytest.param(lambda p: f.write_imagecodecs(p, "jpegls"), id="jpeg-ls"),
])
def test_plugin_decodes_what_pydicoms_pylibjpeg_plugin_decodes(tmp_path, writer, monkeypatch):
    """The plugin is registered with pydicom, is what load_image uses, and gives pylibjpeg's exact array."""
    path = writer(tmp_path / "x.dcm")
    calls = []
    original = plugin._decode_frame
    monkeypatch.setattr(plugin, "_decode_frame", lambda src, runner: calls.append(1) or original(src, runner))
    image = io.load_image(path)
    assert calls, "load_image did not use the imagecodecs plugin"
    ds = pydicom.dcmread(path)
    assert plugin.PLUGIN in get_decoder(ds.file_meta.TransferSyntaxUID).available_plugins
    reference, _ = get_decoder(ds.file_meta.TransferSyntaxUID).as_array(ds, decoding_plugin="pylibjpeg")
    assert image.pixel_sha256 == _sha(reference)
    assert image.pixel_sha256 == _sha(ds.pixel_array)


def test_signed_jpeg_ls_is_left_to_pylibjpeg(tmp_path, monkeypatch):
    """pydicom's JPEG-LS sign handling is written for pylibjpeg-libjpeg's output: the plugin stays out."""
    assert not plugin.handles("1.2.840.10008.1.2.4.80", signed=True)
    assert plugin.handles("1.2.840.10008.1.2.4.90", signed=True)  # J2K signs are in the codestream
    path = f.write_imagecodecs(tmp_path / "s.dcm", "jpegls", signed=True)
    monkeypatch.setattr(plugin, "_decode_frame", lambda src, runner: pytest.fail("plugin asked for signed JPEG-LS"))
    image = io.load_image(path)
    np.testing.assert_array_equal(image.pixels, pydicom.dcmread(path).pixel_array)
    assert image.pixels.min() < 0


def test_a_failing_plugin_falls_back_to_pydicoms_plugins(tmp_path, monkeypatch):
    path = f.write_j2k(tmp_path / "j.dcm")

    def broken(src, runner):
        raise RuntimeError("codec exploded")

    monkeypatch.setattr(plugin, "_decode_frame", broken)
    assert io.load_image(path).pixel_sha256 == _sha(pydicom.dcmread(path).pixel_array)
