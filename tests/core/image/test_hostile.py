"""Hostile input (issue 20, part 1-2): decompression bombs and decoder hangs end in a specific error, fast and small.

Bombs are small valid DICOM files built with pydicom whose compressed frame (or deflated data set) says
far more than the header; none is ever GB-sized on disk. Each is opened in a fresh subprocess that reports
its own time and peak RSS (``resource.getrusage``, self and children: the decode workers), so the figures
are those of the open alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_frames
from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit

from radassist.core import errors
from radassist.core import image as io
from radassist.core.image.codecs.headers import MAX_SCANS, frame_header, j2k_header
from radassist.core.image.dataset import MAX_INFLATED_BYTES
from tests.fixtures import dicom_factory as f

GB = 1 << 30
REPO = Path(__file__).resolve().parents[3]


def _frame(path: Path) -> bytes:
    return next(generate_frames(pydicom.dcmread(path).PixelData, number_of_frames=1))


def _bomb(tmp: Path, name: str, source: Path, rows: int, cols: int) -> Path:
    """``source``'s DICOM with its frame header patched to ``rows`` x ``cols`` (the DICOM header unchanged)."""
    ds = pydicom.dcmread(source)
    frame = f.with_frame_size(_frame(source), rows, cols)
    return f.write_frame(tmp / f"{name}.dcm", frame, ds.file_meta.TransferSyntaxUID, pixels=ds.pixel_array,
                         bits_allocated=int(ds.BitsAllocated), bits_stored=int(ds.BitsStored))


def bomb_cases(tmp: Path) -> dict[str, tuple[Path, type[errors.ImageError]]]:
    tmp.mkdir(exist_ok=True)
    bomb = errors.DecompressionBombError
    baseline = f.write_frame(tmp / "baseline.dcm", f.jpeg_frame(64, 48), JPEGBaseline8Bit, bits_allocated=8,
                             bits_stored=8)
    progressive = f.write_frame(tmp / "progressive.dcm", f.jpeg_frame(64, 48, progressive=True), JPEGBaseline8Bit,
                                bits_allocated=8, bits_stored=8)
    ljpeg = f.write_imagecodecs(tmp / "ljpeg.dcm", "ljpeg")
    jpegls = f.write_imagecodecs(tmp / "jpegls.dcm", "jpegls")
    j2k = f.write_j2k(tmp / "j2k.dcm", rows=64, cols=64)
    import imagecodecs

    jp2 = f.write_frame(tmp / "jp2.dcm", bytes(imagecodecs.jpeg2k_encode(f.gradient(64, 64, 12), level=0,
                                                                         codecformat="jp2")),
                        JPEG2000Lossless, rows=64, cols=64)
    many_scans = f.with_scans(_frame(progressive), 3000)
    raster = tmp / "many_scans.jpg"
    raster.write_bytes(many_scans)
    return {
        "JPEG baseline SOF0 65000x65000": (_bomb(tmp, "sof0", baseline, 65000, 65000), bomb),
        "JPEG progressive SOF2 65000x65000": (_bomb(tmp, "sof2", progressive, 65000, 65000), bomb),
        "JPEG lossless SOF3 65535x65535": (_bomb(tmp, "sof3", ljpeg, 65535, 65535), bomb),
        "JPEG-LS SOF55 65535x65535": (_bomb(tmp, "sof55", jpegls, 65535, 65535), bomb),
        "JPEG 2000 SIZ 46000x46000 (J2K)": (_bomb(tmp, "siz", j2k, 46000, 46000), bomb),
        "JPEG 2000 SIZ 46000x46000 (JP2 boxes)": (_bomb(tmp, "jp2siz", jp2, 46000, 46000), bomb),
        "JPEG frame 2x the DICOM size": (_bomb(tmp, "double", baseline, 128, 96), bomb),
        "JPEG frame smaller than the DICOM size": (_bomb(tmp, "small", baseline, 32, 48),
                                                   errors.DamagedPixelDataError),
        "progressive JPEG, 3000 scans (DICOM)": (
            f.write_frame(tmp / "scans.dcm", many_scans, JPEGBaseline8Bit, bits_allocated=8, bits_stored=8), bomb),
        "progressive JPEG, 3000 scans (.jpg)": (raster, bomb),
        "deflated data set inflating to 300 MiB+": (f.write_deflate_bomb(tmp / "deflate.dcm", 300 << 20), bomb),
    }


_PROBE = textwrap.dedent('''
    import json, resource, sys, time
    from radassist.core import image as io
    from radassist.core.errors import RadAssistError
    from radassist.core.image.codecs import sandbox

    def main():
        out = {}
        try:  # warm up: the decoders' first import is start-up cost, not the bomb's (it is timed by make bench)
            io.load_image(sys.argv[1])
        except RadAssistError:
            pass
        for path in sys.argv[1:]:
            t0 = time.perf_counter()
            try:
                io.load_image(path)
                outcome = "opened"
            except RadAssistError as exc:
                outcome = type(exc).__name__
            out[path] = {"outcome": outcome, "seconds": time.perf_counter() - t0}
        sandbox.shutdown()  # workers are waited for, so RUSAGE_CHILDREN includes them
        # RUSAGE_SELF would report the launching process's peak (Linux keeps the pre-exec high-water mark
        # of the test runner that spawned this probe), so this process's own peak comes from VmHWM
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            with open("/proc/self/status") as f:
                own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            pass
        peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(json.dumps({"cases": out, "peak_rss_bytes": peak * 1024}))

    if __name__ == "__main__":
        main()
''')


@pytest.fixture(scope="module")
def bomb_results(tmp_path_factory):
    cases = bomb_cases(tmp_path_factory.mktemp("bombs"))
    script = tmp_path_factory.mktemp("probe") / "probe.py"
    script.write_text(_PROBE)
    done = subprocess.run([sys.executable, str(script), *(str(p) for p, _ in cases.values())], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return cases, report


@pytest.mark.parametrize("case", [
    "JPEG baseline SOF0 65000x65000", "JPEG progressive SOF2 65000x65000", "JPEG lossless SOF3 65535x65535",
    "JPEG-LS SOF55 65535x65535", "JPEG 2000 SIZ 46000x46000 (J2K)", "JPEG 2000 SIZ 46000x46000 (JP2 boxes)",
    "JPEG frame 2x the DICOM size", "JPEG frame smaller than the DICOM size", "progressive JPEG, 3000 scans (DICOM)",
    "progressive JPEG, 3000 scans (.jpg)", "deflated data set inflating to 300 MiB+"])
def test_bomb_gets_a_specific_error_in_under_2_s_and_1_gb(bomb_results, case):
    cases, report = bomb_results
    path, error = cases[case]
    result = report["cases"][str(path)]
    assert result["outcome"] == error.__name__, result
    assert result["seconds"] < 2.0, result
    assert report["peak_rss_bytes"] < GB, report["peak_rss_bytes"]


def test_bomb_files_are_small_and_their_unpatched_twins_open(tmp_path):
    """The bombs are what they claim: kB on disk, and the same file with a truthful frame header opens."""
    cases = bomb_cases(tmp_path)
    assert all(p.stat().st_size < 2 << 20 for p, _ in cases.values())
    for name in ("baseline", "progressive", "ljpeg", "jpegls", "j2k", "jp2"):
        image = io.load_image(tmp_path / f"{name}.dcm")
        assert image.pixels.ndim == 2 and image.pixel_sha256


def test_frame_headers_of_the_shared_files_match_their_dicom_headers():
    folder = pytest.importorskip("tests.conftest").shared_path("data", "dicom_cr_chest")
    for name in ("SIIM_CXR_MONOCHROME2", "RG1_JPEG8", "RG1_JPEG12", "RG1_JPLL", "RG1_JLSL", "RG1_J2KR", "RG1_J2KI"):
        ds = pydicom.dcmread(folder / f"{name}.dcm")
        header = frame_header(_frame(folder / f"{name}.dcm"), str(ds.file_meta.TransferSyntaxUID))
        assert header is not None and (header.rows, header.cols) == (ds.Rows, ds.Columns), name
        assert header.components == 1 and header.ends and header.scans == 1, name


def test_jp2_boxes_and_raw_codestream_give_the_same_siz():
    import imagecodecs

    arr = f.gradient(40, 56, 12)
    raw = j2k_header(bytes(imagecodecs.jpeg2k_encode(arr, level=0, codecformat="j2k")))
    boxed = j2k_header(bytes(imagecodecs.jpeg2k_encode(arr, level=0, codecformat="jp2")))
    assert (raw.rows, raw.cols) == (boxed.rows, boxed.cols) == (40, 56)


def test_a_real_progressive_jpeg_opens_and_a_repeated_scan_is_damage(tmp_path):
    """A progressive JPEG (libjpeg's ~10 scans) is fine; re-applying a refinement scan, as the scan-bomb does,
    breaks the progression, which the damage check reports even below the scan limit."""
    frame = f.jpeg_frame(64, 48, progressive=True)
    assert 1 < frame.count(b"\xff\xda") <= MAX_SCANS
    repeated = f.with_scans(frame, MAX_SCANS)
    with pytest.raises(errors.DamagedPixelDataError):
        io.load_image(f.write_frame(tmp_path / "rep.dcm", repeated, JPEGBaseline8Bit, bits_allocated=8,
                                    bits_stored=8))
    path = f.write_frame(tmp_path / "ok.dcm", frame, JPEGBaseline8Bit, bits_allocated=8, bits_stored=8)
    assert io.load_image(path).shape == (64, 48)


def test_a_deflated_file_within_the_cap_opens(tmp_path):
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    ds = f.make_dataset(rows=64, cols=48)
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(tmp_path / "d.dcm", enforce_file_format=True)
    reference = io.load_image(f.write_dicom(tmp_path / "r.dcm", rows=64, cols=48))
    image = io.load_image(tmp_path / "d.dcm")
    np.testing.assert_array_equal(image.pixels, reference.pixels)
    assert io.scan_header(tmp_path / "d.dcm").rows == 64
    assert MAX_INFLATED_BYTES >= 200_000_000  # a 100 Mpixel 16-bit image fits


# --- the decode sandbox -------------------------------------------------------------------------------------
def test_a_decode_over_its_time_limit_is_stopped_and_the_next_one_works(tmp_path):
    path = f.write_j2k(tmp_path / "big.dcm", rows=1024, cols=1024)
    with pytest.raises(errors.DecodeTimeoutError, match="longer than"):
        io.load_image(path, decode_seconds=0.001)
    assert io.load_image(path).shape == (1024, 1024)  # a fresh worker took over


def test_a_decoder_that_dies_is_reported_as_damage_and_the_app_carries_on(tmp_path):
    """A Huffman table whose code counts overflow is fatal to libjpeg: the worker process ends, not the app."""
    frame = bytearray(f.jpeg_frame(64, 48))
    dht = frame.find(b"\xff\xc4")
    frame[dht + 5:dht + 21] = b"\xff" * 16  # 16 code lengths of 255 codes each: more codes than can exist
    path = f.write_frame(tmp_path / "dht.dcm", bytes(frame), JPEGBaseline8Bit, bits_allocated=8, bits_stored=8)
    with pytest.raises(errors.DamagedPixelDataError):
        io.load_image(path)
    assert io.load_image(f.write_frame(tmp_path / "ok.dcm", f.jpeg_frame(64, 48), JPEGBaseline8Bit,
                                       bits_allocated=8, bits_stored=8)).shape == (64, 48)


def test_12_bit_jpeg_frames_decode_in_the_sandbox(tmp_path):
    """JPEG extended (12-bit) goes through the damage check too; pydicom's pixels are unchanged by it."""
    import imagecodecs

    pixels = f.gradient(64, 48, 12)
    frame = bytes(imagecodecs.jpeg8_encode(pixels, level=95, bitspersample=12))
    path = f.write_frame(tmp_path / "j12.dcm", frame, JPEGExtended12Bit, pixels=pixels)
    image = io.load_image(path)
    np.testing.assert_array_equal(image.pixels, pydicom.dcmread(path).pixel_array)
