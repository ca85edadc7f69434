"""CLI command groups, one module per package they drive; `umot.cli` registers them.

Each module exposes ``register(app: typer.Typer) -> None``.
"""

from __future__ import annotations

import importlib

import typer

MODULES = (
    "umot.commands.crawl",
    "umot.commands.model",
    "umot.commands.classify",
    "umot.commands.export",
    "umot.commands.report",
    "umot.commands.dashboard",
    "umot.commands.operations",
    "umot.commands.demo",
    "umot.commands.doctor",
)


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module
                raise
            continue
        module.register(app)
