"""Secrets come from environment variables named by the config; their values are never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping


class MissingCredentials(Exception):
    """Some credential variables named by a source are not set."""

    def __init__(self, source: str, missing: dict[str, str]) -> None:
        names = ", ".join(f"{option} (${var})" for option, var in missing.items())
        super().__init__(f"source {source!r} needs credentials that are not set: {names}")
        self.source = source
        self.missing = missing


def resolve_credentials(
    source: str, credentials: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map option name -> secret value; raise MissingCredentials naming every absent variable."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: dict[str, str] = {}
    for option, var in credentials.items():
        value = env.get(var)
        if value:
            values[option] = value
        else:
            missing[option] = var
    if missing:
        raise MissingCredentials(source, missing)
    return values
