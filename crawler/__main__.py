"""`python -m crawler --config umot.toml [--source NAME …]`: crawl and print the results as JSON.

The scriptable twin of `umot crawl` (no progress display); tests and benches run it in a child
process because Scrapy's reactor can start only once per process. The log goes to stderr from
``--log-level`` up, or with ``--log-file PATH`` is appended to PATH instead (INFO and up).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from core.config import ConfigError, load_config
from crawler.logs import LogOptions
from crawler.runner import run_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    parser.add_argument("--config", help="umot.toml (default: $UMOT_CONFIG or ./umot.toml)")
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--log-file", help="append the full log here instead of stderr")
    args = parser.parse_args(argv)
    level = args.log_level.upper()
    if args.log_file:
        log = LogOptions(stderr=None, file=args.log_file, file_level=min_level(level, "INFO"))
    else:
        log = LogOptions(stderr=level)
    try:
        config = load_config(args.config)
        results = run_sources(config, args.source, log=log)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps([asdict(r) for r in results]))
    return 0


def min_level(*levels: str) -> str:
    """The most verbose of some level names ("DEBUG" of "DEBUG" and "INFO")."""
    return min(levels, key=lambda name: logging.getLevelNamesMapping().get(name, logging.INFO))


if __name__ == "__main__":
    sys.exit(main())
