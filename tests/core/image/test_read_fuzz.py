"""Fuzz core.image: mutated real DICOM/PNG/JPEG bytes and random data give an image or a RadAssistError.

Nothing else may escape and no input may hang (a per-example alarm fails the test after
``HANG_SECONDS``). ``make test`` runs a small slice (~50 examples); ``make fuzz`` sets
``RADASSIST_FUZZ_EXAMPLES`` for a long run.
"""

from __future__ import annotations

import os
import signal
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radassist.core import image as io
from radassist.core.display import render_uint8
from radassist.core.errors import RadAssistError
from tests.conftest import SHARED
from tests.fixtures import dicom_factory as f

EXAMPLES = int(os.environ.get("RADASSIST_FUZZ_EXAMPLES", "40"))
HANG_SECONDS = 20
#: shared files small enough to mutate quickly (used when ../shared is present)
SHARED_SEEDS = ("SIIM_CXR_MONOCHROME2.dcm", "edge_CT_slice.dcm", "edge_VOI_LUT_sequence.dcm")
INTERESTING_INTS = (0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 60000, 0x7FFFFFFF,
                    0x80000000, 0xFFFFFFFF)


def _seeds() -> list[bytes]:
    work = Path(tempfile.mkdtemp(prefix="radassist-fuzz-seeds-"))
    paths = [
        f.write_dicom(work / "mono1.dcm", photometric="MONOCHROME1", windows=[(2000, 4000, "A"), (1000, 500, "B")],
                      voi_lut=(0, list(range(0, 65536, 16)), 16), rescale=(1, -10)),
        f.write_dicom(work / "mlut.dcm", rows=16, cols=16, signed=True, modality_lut=(-2048, list(range(4096)), 16)),
        f.write_rle(work / "rle.dcm", rows=32, cols=32),
        f.write_j2k(work / "j2k.dcm", rows=64, cols=64),
        f.write_no_preamble(work / "raw.dcm", rows=16, cols=16),
        f.write_png(work / "g16.png", f.gradient(24, 16, 16)),
        f.write_jpeg(work / "rgb.jpg", f.rgb_gradient(24, 16, 8)),
    ]
    seeds = [p.read_bytes() for p in paths]
    folder = SHARED / "data" / "dicom_cr_chest"
    seeds += [(folder / n).read_bytes() for n in SHARED_SEEDS if (folder / n).is_file()]
    return seeds


SEEDS = _seeds()
WORK = Path(tempfile.mkdtemp(prefix="radassist-fuzz-"))


class Hang(BaseException):
    """An input took longer than HANG_SECONDS."""


@contextmanager
def _no_hang(seconds: int):
    """Fail (instead of waiting forever) when one example runs longer than ``seconds``."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def _alarm(_sig, _frame):
        raise Hang(f"core.image took more than {seconds} s on one input")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _exercise(data: bytes, suffix: str = ".dcm") -> None:
    path = WORK / f"case{suffix}"
    path.write_bytes(data)
    with _no_hang(HANG_SECONDS):
        for fn in (io.scan_header, io.read_tags):
            with suppress(RadAssistError):
                fn(path)
        try:
            image = io.load_image(path)
        except RadAssistError:
            return
        assert image.pixels.ndim == 2
        u8 = render_uint8(image)
        assert u8.shape == image.shape
        with suppress(RadAssistError):
            io.load_image(path, reduced=4)


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        n = len(data)
        if n == 0:
            break
        # half the mutations land in the first 2 kB, where the header and its lengths are
        pos = draw(st.one_of(st.integers(0, min(n, 2048) - 1), st.integers(0, n - 1)))
        op = draw(st.sampled_from(["flip", "int16", "int32", "truncate", "insert", "delete"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op in ("int16", "int32"):
            width = 2 if op == "int16" else 4
            value = draw(st.sampled_from(INTERESTING_INTS)) % (1 << (8 * width))
            data[pos:pos + width] = value.to_bytes(width, draw(st.sampled_from(["little", "big"])))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[pos:pos + draw(st.integers(1, 64))]
    return bytes(data)


FUZZ_SETTINGS = dict(database=None, deadline=None, print_blob=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=EXAMPLES, **FUZZ_SETTINGS)
@given(data=mutated(), suffix=st.sampled_from([".dcm", ".png", ".jpg", ""]))
def test_mutated_files_give_an_image_or_a_radassist_error(data, suffix):
    _exercise(data, suffix)


@settings(max_examples=max(10, EXAMPLES // 4), **FUZZ_SETTINGS)
@given(prefix=st.sampled_from([b"", b"\0" * 128 + b"DICM", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b"\xff\xd8\xff",
                               b"\x08\x00\x05\x00CS", b"\x00\x08\x00\x05CS"]),
       body=st.binary(max_size=4096))
def test_random_bytes_give_a_radassist_error(prefix, body):
    _exercise(prefix + body)


def test_hang_guard_fires():
    """The guard itself works, so a real hang would fail the suite instead of stalling it."""
    import time

    if not hasattr(signal, "SIGALRM"):
        pytest.skip("no SIGALRM on this platform")
    with pytest.raises(Hang), _no_hang(1):
        time.sleep(3)
