"""Transfer syntax groups the codec modules share (UIDs as strings, so nothing here imports pydicom)."""

from __future__ import annotations

#: frames are JPEG 2000 codestreams
J2K_SYNTAXES = frozenset({
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203",  # HTJ2K
})
#: JPEG lossless, process 14 (and its selection value 1)
LJPEG_SYNTAXES = frozenset({"1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"})
#: JPEG-LS lossless and near-lossless
JPEGLS_SYNTAXES = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
#: worker threads a codec may use (the workstation has two cores)
THREADS = 2
#: JPEG baseline, extended, progressive (retired) and lossless: DCT or lossless Huffman JPEG frames
JPEG_SYNTAXES = frozenset({"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.53",
                           "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"})
