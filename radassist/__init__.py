"""RadAssist: a desktop chest X-ray assistant. Importing this package stays cheap (no Qt, no TensorFlow)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("radassist")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0"

APP_NAME = "RadAssist"
