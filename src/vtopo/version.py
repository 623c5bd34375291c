"""The installed version of vtopo (a module of its own: everything may import it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vtopo")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
