"""Errors a user can cause (bad file, bad model name, corrupted weights): one-line messages.

They derive from ``ValueError`` so callers can treat every one as a user error (exit code 2).
"""

from __future__ import annotations


class ClassifierError(ValueError):
    """Base of the package's user-facing errors."""
