"""`python -m crawler --config umot.toml [--source NAME …]`: crawl and print the results as JSON.

The scriptable twin of `umot crawl` (no progress display); tests and benches run it in a child
process because Scrapy's reactor can start only once per process.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from core.config import ConfigError, load_config
from crawler.runner import run_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    parser.add_argument("--config", help="umot.toml (default: $UMOT_CONFIG or ./umot.toml)")
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        results = run_sources(config, args.source, log_level=args.log_level)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps([asdict(r) for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
