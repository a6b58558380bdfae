"""Image I/O benchmarks: decode per RG1 transfer syntax, J2K first paint, display pipeline, header scans.

Run: ``make bench BENCH_ARGS="--only bench_io"`` (or ``python -m tests.bench.run --only bench_io``).
Rows needing ../shared are skipped (with a note row) when it is absent.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from tests.bench._common import Row, median_ms
from tests.conftest import SHARED

GROUP = "io"
RG1 = ("RG1_UNCR", "RG1_RLE", "RG1_JPLL", "RG1_JLSL", "RG1_J2KR", "RG1_J2KI", "RG1_JPEG8", "RG1_JPEG12")
FOLDER_FILES = 500


def _decode_rows(folder: Path) -> list[Row]:
    from radassist.core.image import load_image

    rows = []
    for name in RG1:
        path = folder / f"{name}.dcm"
        ms = median_ms(lambda p=path: load_image(p), repeat=3)
        rows.append(Row(GROUP, f"load_image {name} (1955x1841, decode + hash + meta)", ms, "ms",
                        note=load_image(path).source.transfer_syntax_name))
    import pydicom

    path = folder / "RG1_J2KR.dcm"
    ms = median_ms(lambda: pydicom.dcmread(path).pixel_array, repeat=3)
    rows.append(Row(GROUP, "reference: pydicom pixel_array RG1_J2KR (pylibjpeg-openjpeg)", ms, "ms"))
    return rows


def _open_display_rows(folder: Path) -> list[Row]:
    from radassist.core.display import render_uint8
    from radassist.core.image import load_image

    path = folder / "RG1_J2KR.dcm"

    def first_paint(reduced: int):
        return render_uint8(load_image(path, reduced=reduced))

    rows = []
    for reduced in (4, 2):
        ms = median_ms(lambda r=reduced: first_paint(r), repeat=5)
        rows.append(Row(GROUP, f"open+display RG1_J2KR first paint (1/{reduced} resolution)", ms, "ms",
                        goal="<= 300 ms", met=ms <= 300 if reduced == 4 else None))
    ms = median_ms(lambda: first_paint(1), repeat=3)
    rows.append(Row(GROUP, "open+display RG1_J2KR full resolution (follows the first paint)", ms, "ms"))
    return rows


def _render_rows(folder: Path | None) -> list[Row]:
    import numpy as np

    from radassist.core.display import render_uint8
    from radassist.core.image import Window, load_image

    if folder is not None:
        image = load_image(folder / "RG1_UNCR.dcm")
        label = "RG1 1955x1841 uint16"
    else:  # fresh clone: a generated image of the same size
        from tests.fixtures import dicom_factory as f

        tmp = Path(tempfile.mkdtemp())
        image = load_image(f.write_dicom(tmp / "big.dcm", rows=1955, cols=1841, bits_stored=15,
                                         photometric="MONOCHROME1", windows=[(15000, 30000)]))
        label = "generated 1955x1841 uint16"
    rows = []
    ms = median_ms(lambda: render_uint8(image), repeat=15)
    rows.append(Row(GROUP, f"render_uint8 default window ({label})", ms, "ms", goal="< 30 ms", met=ms < 30))
    windows = [Window(10000 + 37 * i, 20000 + 53 * i) for i in range(15)]
    it = iter(windows * 3)
    ms = median_ms(lambda: render_uint8(image, next(it)), repeat=15)
    rows.append(Row(GROUP, "render_uint8 while dragging window/level (new window each call)", ms, "ms",
                    goal="< 30 ms", met=ms < 30))
    as_float = dataclasses.replace(image, pixels=image.pixels.astype(np.float32))
    ms = median_ms(lambda: render_uint8(as_float), repeat=7)
    rows.append(Row(GROUP, "render_uint8 float32 pixels (rescaled data, no LUT path)", ms, "ms"))
    return rows


def _scan_rows() -> list[Row]:
    from radassist.core.image import scan_header
    from tests.fixtures import dicom_factory as f

    tmp = Path(tempfile.mkdtemp(prefix="radassist-bench-scan-"))
    template = f.make_dataset(rows=512, cols=512, name="bench", windows=[(2000, 4000)])
    from pydicom.uid import generate_uid

    for i in range(FOLDER_FILES):
        template.SOPInstanceUID = generate_uid(entropy_srcs=["bench", str(i)])
        template.file_meta.MediaStorageSOPInstanceUID = template.SOPInstanceUID
        template.save_as(tmp / f"img{i:04d}.dcm", enforce_file_format=True)
    files = sorted(tmp.glob("*.dcm"))
    t0 = time.perf_counter()
    for p in files:
        scan_header(p)
    cold = (time.perf_counter() - t0) * 1000
    ms = median_ms(lambda: [scan_header(p) for p in files], repeat=3, warmup=0)
    return [Row(GROUP, f"scan_header folder of {FOLDER_FILES} DICOMs (512x512, 0.5 MB each), first pass", cold,
                "ms", goal="<= 1000 ms", met=cold <= 1000),
            Row(GROUP, f"scan_header folder of {FOLDER_FILES} DICOMs, per file (warm cache)", ms / FOLDER_FILES,
                "ms")]


def _sandbox_rows(folder: Path) -> list[Row]:
    """What decoding in a worker process costs on the open path: RG1_J2KR in-process vs through the sandbox."""
    import pydicom

    from radassist.core.display import render_uint8
    from radassist.core.image import decode, load_image
    from radassist.core.image.codecs import sandbox

    path = folder / "RG1_J2KR.dcm"
    sandbox.shutdown()
    t0 = time.perf_counter()
    render_uint8(load_image(path, reduced=4))
    cold = (time.perf_counter() - t0) * 1000

    def in_process(reduced: int) -> object:
        ds = pydicom.dcmread(path)
        arr, _ = decode.decode_dataset(ds, path.name, str(ds.file_meta.TransferSyntaxUID), ds.Rows, ds.Columns,
                                       int(ds.BitsAllocated), False, reduced)
        return arr

    rows = [Row(GROUP, "sandbox: first open of RG1_J2KR 1/4 incl. starting a decode worker (cold)", cold, "ms",
                note="prestart() at app start-up hides this")]
    for reduced, label in ((4, "first paint 1/4"), (1, "full resolution")):
        repeat = 5 if reduced > 1 else 3
        before = median_ms(lambda r=reduced: in_process(r), repeat=repeat)
        after = median_ms(lambda r=reduced: render_uint8(load_image(path, reduced=r)), repeat=repeat)
        rows.append(Row(GROUP, f"sandbox: RG1_J2KR {label}, decode only, in-process (what the worker wraps)", before, "ms"))
        rows.append(Row(GROUP, f"sandbox: RG1_J2KR {label}, open+display through a warm worker", after, "ms",
                        goal="<= 300 ms" if reduced > 1 else "", met=after <= 300 if reduced > 1 else None))
    return rows


def _bomb_rows() -> list[Row]:
    """Each decompression bomb / scan bomb of issue 20: time to its specific error (refused before decoding)."""
    from radassist.core.errors import RadAssistError
    from radassist.core.image import load_image
    from tests.core.image.test_hostile import bomb_cases

    rows = []
    for what, (path, error) in bomb_cases(Path(tempfile.mkdtemp(prefix="radassist-bench-bombs-"))).items():
        t0 = time.perf_counter()
        try:
            load_image(path)
            outcome = "opened"
        except RadAssistError as exc:
            outcome = type(exc).__name__
        ms = (time.perf_counter() - t0) * 1000
        rows.append(Row(GROUP, f"bomb: {what} ({path.stat().st_size:,} bytes)", ms, "ms", goal="< 2000 ms",
                        met=ms < 2000 and outcome == error.__name__, note=outcome))
    return rows


def run() -> list[Row]:
    folder = SHARED / "data" / "dicom_cr_chest"
    have = (folder / "RG1_J2KR.dcm").is_file()
    rows: list[Row] = []
    if have:
        rows += _decode_rows(folder)
        rows += _open_display_rows(folder)
    else:
        rows.append(Row(GROUP, "RG1 decode / J2K first paint", float("nan"), "", note=f"{folder} absent: skipped"))
    rows += _render_rows(folder if have else None)
    rows += _scan_rows()
    if have:
        rows += _sandbox_rows(folder)
    rows += _bomb_rows()
    return rows
