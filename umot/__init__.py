"""UMOT Harvester's command-line shell (`umot`): nothing imports it."""

from core import __version__

__all__ = ["__version__"]
