"""RadAssist: a desktop chest X-ray assistant. Importing this package stays cheap (no Qt, no TensorFlow)."""

#: the one place the version is written; pyproject.toml reads it (dynamic version)
__version__ = "0.1.0"

APP_NAME = "RadAssist"
