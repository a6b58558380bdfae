"""core.image.codecs.imagecodecs: the pydicom decoder plugin gives pydicom's own pixels, faster."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import get_decoder

from radassist.core import errors
from radassist.core import image as io
from radassist.core.image import decode
from radassist.core.image.codecs import imagecodecs as plugin
from tests.fixtures import dicom_factory as f


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _pydicom_pixels(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


def test_jpeg2000_lossy_decodes_like_pydicom(tmp_path):
    path = f.write_j2k(tmp_path / "j2ki.dcm", lossless=False)
    assert np.array_equal(io.load_image(path).pixels, _pydicom_pixels(path))


def _decode_here(path: Path) -> np.ndarray:
    """The decode a worker runs, called in this process (so monkeypatches apply): stored pixels."""
    ds = pydicom.dcmread(path)
    arr, _ = decode.decode_dataset(ds, path.name, str(ds.file_meta.TransferSyntaxUID), ds.Rows, ds.Columns,
                                   ds.BitsAllocated, ds.PixelRepresentation == 1, 1)
    return arr


@pytest.mark.parametrize("writer", [
    pytest.param(lambda p: f.write_j2k(p), id="j2k-lossless"),
    pytest.param(lambda p: f.write_j2k(p, lossless=False), id="j2k-lossy"),
    pytest.param(lambda p: f.write_j2k(p, bits_allocated=8, bits_stored=8), id="j2k-8bit"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg"), id="jpeg-lossless"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg", bits_allocated=8, bits_stored=8), id="jpeg-lossless-8"),
    pytest.param(lambda p: f.write_imagecodecs(p, "jpegls"), id="jpeg-ls"),
])
def test_plugin_decodes_what_pydicoms_pylibjpeg_plugin_decodes(tmp_path, writer, monkeypatch):
    """The plugin is registered with pydicom, is what the decode uses, and gives pylibjpeg's exact array;
    load_image (decoding in a worker process) gives the same pixels."""
    path = writer(tmp_path / "x.dcm")
    calls = []
    original = plugin._decode_frame
    monkeypatch.setattr(plugin, "_decode_frame", lambda src, runner: calls.append(1) or original(src, runner))
    here = _decode_here(path)
    assert calls, "the decode did not use the imagecodecs plugin"
    ds = pydicom.dcmread(path)
    assert plugin.PLUGIN in get_decoder(ds.file_meta.TransferSyntaxUID).available_plugins
    reference, _ = get_decoder(ds.file_meta.TransferSyntaxUID).as_array(ds, decoding_plugin="pylibjpeg")
    assert _sha(here) == _sha(reference) == _sha(ds.pixel_array)
    assert io.load_image(path).pixel_sha256 == _sha(reference)


def test_signed_jpeg_ls_is_left_to_pylibjpeg(tmp_path, monkeypatch):
    """pydicom's JPEG-LS sign handling is written for pylibjpeg-libjpeg's output: the plugin stays out."""
    assert not plugin.handles("1.2.840.10008.1.2.4.80", signed=True)
    assert plugin.handles("1.2.840.10008.1.2.4.90", signed=True)  # J2K signs are in the codestream
    path = f.write_imagecodecs(tmp_path / "s.dcm", "jpegls", signed=True)
    monkeypatch.setattr(plugin, "_decode_frame", lambda src, runner: pytest.fail("plugin asked for signed JPEG-LS"))
    np.testing.assert_array_equal(_decode_here(path), pydicom.dcmread(path).pixel_array)
    image = io.load_image(path)
    np.testing.assert_array_equal(image.pixels, pydicom.dcmread(path).pixel_array)
    assert image.pixels.min() < 0


def test_a_frame_the_plugin_does_not_take_falls_back_to_pydicoms_plugins(tmp_path, monkeypatch):
    path = f.write_j2k(tmp_path / "j.dcm")

    def not_ours(src, runner):
        raise ValueError("radassist-imagecodecs does not decode this frame")

    monkeypatch.setattr(plugin, "_decode_frame", not_ours)
    assert _sha(_decode_here(path)) == _sha(pydicom.dcmread(path).pixel_array)


def test_a_codec_error_is_damage_not_a_reason_to_try_a_laxer_decoder(tmp_path):
    """CharLS refuses a JPEG-LS frame with a chunk cut out; pylibjpeg-libjpeg would decode it to garbage."""
    from pydicom.encaps import encapsulate, generate_frames

    path = f.write_imagecodecs(tmp_path / "ls.dcm", "jpegls", rows=128, cols=128)
    ds = pydicom.dcmread(path)
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    mid = len(frame) // 2
    cut = frame[:mid - 40] + frame[mid + 40:]
    ds.PixelData = encapsulate([cut])
    ds.save_as(path)
    pydicom.dcmread(path).pixel_array  # noqa: B018 - the lax decoder does not notice
    with pytest.raises(errors.DamagedPixelDataError, match="JpeglsError"):
        _decode_here(path)
    with pytest.raises(errors.DamagedPixelDataError):
        io.load_image(path)
