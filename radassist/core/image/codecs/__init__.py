"""Decoder backends, one module per backend as pydicom's ``pixels/decoders``.

``imagecodecs`` is a pydicom decoder plugin (fast full-resolution JPEG 2000, JPEG lossless, JPEG-LS);
``openjpeg`` decodes reduced JPEG 2000 resolution levels for a first paint; ``plugins`` reports which of
pydicom's plugins are usable; ``syntaxes`` names the transfer syntax groups. Everything else is decoded by pydicom's own plugins.
"""
