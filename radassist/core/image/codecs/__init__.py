"""Decoder backends, one module per backend (as pydicom's ``pixels/decoders``)."""
