"""The bundled demo: a fictional brand and its competitor, a year of mentions in every source's
real format, served on 127.0.0.1 for the real spiders (`umot demo`).

    world = build_world()                      # deterministic: seed + fixed "today"
    with serve_demo(world) as base_url:
        config = write_demo_config(directory, base_url)
        with demo_environment():               # credentials the demo's Reddit/Bluesky/YouTube want
            ...crawl config.sources...
"""

from demo.config import DEMO_ENV, demo_environment, demo_toml, write_demo_config
from demo.data import DEFAULT_SEED, DEFAULT_TODAY, DemoMention, DemoWorld, build_world
from demo.server import respond, serve_demo

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TODAY",
    "DEMO_ENV",
    "DemoMention",
    "DemoWorld",
    "build_world",
    "demo_environment",
    "demo_toml",
    "respond",
    "serve_demo",
    "write_demo_config",
]
