"""Errors a user can cause (bad file, bad model name, corrupted weights): one-line messages.

They derive from ``ValueError`` so callers can treat every one as a user error (exit code 2).
The module imports nothing of the package: every other module may raise these without an
import cycle.
"""

from __future__ import annotations


class ClassifierError(ValueError):
    """Base of the package's user-facing errors."""


class DataError(ClassifierError):
    """A labelled file cannot be used (missing column, unreadable, unknown labels)."""


class NonCommercialModelWarning(UserWarning):
    """A model was loaded whose training data forbids commercial use (its name ends in -nc)."""
