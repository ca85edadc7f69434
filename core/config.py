"""`umot.toml` loaded into frozen, validated models.

Every problem becomes a :class:`ConfigError` whose message names the key (``sources[1].brand``)
and what is wrong with it; the CLI prints that one line and exits 2.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.spiders import SPIDER_NAMES

DEFAULT_CONFIG_NAME = "umot.toml"
DEFAULT_DATABASE_URL = "sqlite:///umot.db"
MAX_SPLIT_WORKERS = 64
SPIDERS = SPIDER_NAMES
EnvVarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")  # what core.language.detect_language returns
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class ConfigError(Exception):
    """A configuration problem, worded for the user (one line, names the key)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Model):
    url: str = DEFAULT_DATABASE_URL
    # Name of an environment variable holding the password; merged into the URL at load time so
    # the file itself never holds it.
    password_env: EnvVarName | None = None

    @field_validator("url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        return normalise_database_url(url)


class ModelConfig(_Model):
    name: str = "builtin"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # How the builtin encoder runs on the CPU: ONNX Runtime when installed (same vectors,
    # faster), else PyTorch. The GPU always uses PyTorch.
    runtime: Literal["auto", "torch", "onnx"] = "auto"
    # The ONNX Runtime encoder's arithmetic: "auto" = int8 where the CPU multiplies int8 in
    # hardware (x86 VNNI / AMX: the encoder ~1.25x faster, dev figures within a point), else fp32.
    precision: Literal["auto", "fp32", "int8"] = "auto"
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_length: int = Field(default=256, ge=16, le=4096)
    # Processes that split large inputs into sentences (and tell their language) before the
    # encoder: "auto" = one per CPU core, at most 8; 1 = in the calling process.
    split_workers: int | Literal["auto"] = "auto"
    # For a Hugging Face model: its output labels mapped to negative/neutral/positive.
    labels: dict[str, Literal["negative", "neutral", "positive"]] | None = None
    # The languages a Hugging Face ``name`` reads (a builtin model's heads.json says its own).
    # A mention in a language no model reads is left unlabelled (core.unlabelled).
    name_languages: list[LanguageCode] = Field(default_factory=lambda: ["en"], min_length=1)
    # [model.languages]: language code -> Hugging Face sequence-classification model (hub id or
    # local path) that gives the sentiment of mentions in that language.
    languages: dict[str, str] = Field(default_factory=dict)

    @field_validator("languages")
    @classmethod
    def _language_models(cls, languages: dict[str, str]) -> dict[str, str]:
        for code, model in languages.items():
            if not LANGUAGE_CODE.fullmatch(code):
                raise ValueError(f'{code!r} is not a lower-case ISO 639-1 code such as "de"')
            if not model.strip():
                raise ValueError(f"the model for {code!r} is empty")
        return languages

    @field_validator("split_workers", mode="before")
    @classmethod
    def _workers(cls, value: object) -> object:
        # One message for both shapes, instead of one per branch of the union.
        if value == "auto" or (type(value) is int and 1 <= value <= MAX_SPLIT_WORKERS):
            return value
        raise ValueError(f'a number of processes from 1 to {MAX_SPLIT_WORKERS}, or "auto"')


class CrawlerConfig(_Model):
    contact: str = "https://github.com/umot-harvester"
    redis_url: str | None = None
    autothrottle: bool = True
    concurrency: int = Field(default=8, ge=1, le=256)
    download_delay: float = Field(default=0.5, ge=0)
    max_pages: int = Field(default=50, ge=1)
    retry_after_cap: float = Field(default=300, ge=0)
    timeout: float = Field(default=30, gt=0)


class AnalyticsConfig(_Model):
    half_life_days: float = Field(default=90, gt=0)
    lookback_days: int = Field(default=365, ge=1)
    shelf_size: int = Field(default=10, ge=1, le=1000)
    # w_source multiplies a mention's visibility: a negative one would make praise count against
    # the brand, and the top-N walks bound values by it (store.walks, store.advocacy).
    source_weights: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)


class AlertsConfig(_Model):
    webhook_url_env: EnvVarName | None = None
    # "json": the alert's fields and its sentence; "slack": {"text": sentence} (Slack, Mattermost,
    # Teams' Slack-compatible hooks).
    format: Literal["json", "slack"] = "json"
    min_negative: int = Field(default=5, ge=1)
    ratio: float = Field(default=2.0, gt=1)


class NotifyConfig(_Model):
    """E-mail delivery: ``smtp_url_env`` names the environment variable holding
    ``smtp://user:password@host:port`` (STARTTLS when the server offers it) or ``smtps://…``
    (TLS from the start); the password never sits in the file."""

    smtp_url_env: EnvVarName | None = None
    sender: str | None = Field(default=None, alias="from", pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> NotifyConfig:
        if self.smtp_url_env and not self.sender:
            raise _KeyError("notify.from", "the sender's address is required with smtp_url_env")
        if self.smtp_url_env and not self.to:
            raise _KeyError("notify.to", "at least one recipient is required with smtp_url_env")
        return self

    def smtp_url(self) -> str:
        """The SMTP server URL from the environment; a ConfigError naming the key when the
        section or the variable is missing or the URL is not smtp(s)://HOST[:PORT]."""
        if not self.smtp_url_env:
            raise ConfigError(
                "config key notify.smtp_url_env: not set; add a [notify] section with "
                "smtp_url_env, from and to to send e-mail"
            )
        url = os.environ.get(self.smtp_url_env, "").strip()
        if not url:
            raise ConfigError(
                f"config key notify.smtp_url_env: environment variable {self.smtp_url_env} "
                "is not set"
            )
        scheme, _, rest = url.partition("://")
        host = rest.rpartition("@")[2].split("/")[0].split(":")[0]
        if scheme.lower() not in ("smtp", "smtps") or not host:
            raise ConfigError(
                f"config key notify.smtp_url_env: {self.smtp_url_env} is not an "
                "smtp://USER:PASSWORD@HOST:PORT or smtps://… URL"
            )
        return url


class ProductConfig(_Model):
    name: str = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)


BrandRole = Literal["own", "competitor"]


class BrandConfig(_Model):
    name: str = Field(min_length=1)
    # The brand the user manages ("own") or one it is compared with; when no brand of the file
    # says, the first is the own brand.
    role: BrandRole | None = None
    keywords: list[str] = Field(default_factory=list)
    products: list[ProductConfig] = Field(default_factory=list)


class SourceConfig(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    spider: Literal[SPIDERS]  # type: ignore[valid-type]
    brand: str | None = None
    start_urls: list[str] = Field(default_factory=list)
    schedule: str | None = None
    # Secrets: option name -> environment variable that holds it (e.g. token = "REDDIT_TOKEN").
    credentials: dict[str, EnvVarName] = Field(default_factory=dict)
    # Spider-specific arguments (app_id, country, query, video_ids, next_selector, ...), validated
    # by the spider's own argument model when the crawl starts.
    options: dict[str, Any] = Field(default_factory=dict)
    weight: float | None = Field(default=None, gt=0)

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://", "file://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    @field_validator("schedule")
    @classmethod
    def _cron(cls, expr: str | None) -> str | None:
        return _check_cron(expr)


def _check_cron(expr: str | None) -> str | None:
    if expr is not None and len(expr.split()) != 5:
        raise ValueError(f"{expr!r} is not a 5-field cron expression")
    return expr


class ReportConfig(_Model):
    """The report `umot schedule` sends on its own cron: the headline of the own brands (or
    ``brands``) for the last full ``period``, e-mailed to ``to`` (default: [notify] to) and,
    with ``folder``, also kept there as an HTML file."""

    schedule: str | None = None
    period: Literal["week", "month", "quarter"] = "week"
    brands: list[str] = Field(default_factory=list)
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(default_factory=list)
    folder: Path | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, expr: str | None) -> str | None:
        return _check_cron(expr)


class Config(_Model):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    crawler: CrawlerConfig = Field(default_factory=CrawlerConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    # Where the file was read from (None for defaults); not a TOML key.
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _references(self) -> Config:
        brand_names = [b.name for b in self.brands]
        for i, name in _repeats(brand_names):
            raise _KeyError(f"brands[{i}].name", f"duplicate brand {name!r}")
        for i, brand in enumerate(self.brands):
            for j, name in _repeats([p.name for p in brand.products]):
                raise _KeyError(
                    f"brands[{i}].products[{j}].name",
                    f"duplicate product {name!r} of brand {brand.name!r}",
                )
        source_names = [s.name for s in self.sources]
        repeated_sources = dict(_repeats(source_names))
        for i, source in enumerate(self.sources):
            if i in repeated_sources:
                raise _KeyError(f"sources[{i}].name", f"duplicate source {source.name!r}")
            if source.brand is not None and source.brand not in brand_names:
                known = ", ".join(repr(n) for n in brand_names) or "none defined"
                hint = _did_you_mean(source.brand, brand_names)
                raise _KeyError(
                    f"sources[{i}].brand",
                    f"unknown brand {source.brand!r}{hint} (brands: {known})",
                )
        for name in self.analytics.source_weights:
            if name not in source_names:
                raise _KeyError(f"analytics.source_weights.{name}", "no source has this name")
        for i, name in enumerate(self.report.brands):
            if name not in brand_names:
                hint = _did_you_mean(name, brand_names)
                raise _KeyError(f"report.brands[{i}]", f"unknown brand {name!r}{hint}")
        mail = self.notify.smtp_url_env is not None
        if self.report.to and not mail:
            raise _KeyError("report.to", "e-mail needs a [notify] section with smtp_url_env")
        if self.report.schedule and not (mail or self.report.folder):
            raise _KeyError(
                "report.schedule",
                "nowhere to deliver the report: add [notify] (e-mail) or report.folder",
            )
        return self

    def brand_role(self, name: str) -> BrandRole:
        """``own`` or ``competitor``; with no role anywhere in the file, the first brand is own."""
        if not any(b.role for b in self.brands):
            return "own" if self.brands and self.brands[0].name == name else "competitor"
        brand = next((b for b in self.brands if b.name == name), None)
        return brand.role if brand is not None and brand.role else "competitor"

    @property
    def own_brands(self) -> list[str]:
        """Names of the brands the user manages, in file order."""
        return [b.name for b in self.brands if self.brand_role(b.name) == "own"]

    @property
    def competitor_brands(self) -> list[str]:
        """Names of the brands compared with the own ones, in file order."""
        return [b.name for b in self.brands if self.brand_role(b.name) == "competitor"]

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"unknown source {name!r}; configured: {', '.join(self.source_names)}")

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def source_weight(self, name: str) -> float:
        source = next((s for s in self.sources if s.name == name), None)
        if source is not None and source.weight is not None:
            return source.weight
        return self.analytics.source_weights.get(name, 1.0)


def _repeats(names: list[str]) -> list[tuple[int, str]]:
    """(index, name) of every name an earlier one already took, in order."""
    return [(i, name) for i, name in enumerate(names) if name in names[:i]]


class _KeyError(ValueError):
    """Raised inside validators to point at a precise key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste and give SQLAlchemy the driver we ship (psycopg 3)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite://", "postgresql+psycopg://")):
        raise ValueError(
            f"unsupported database URL {url.split('://')[0]!r}://…; "
            "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        )
    try:
        make_url(url)  # a port that is not a number fails here, not at the first query
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"database URL does not parse: {exc}") from None
    return url


def resolve_config_path(path: str | Path | None) -> Path | None:
    """--config, else $UMOT_CONFIG, else ./umot.toml when it exists, else None (defaults)."""
    if path is not None:
        return Path(path)
    env = os.environ.get("UMOT_CONFIG")
    if env:
        return Path(env)
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def load_config(path: str | Path | None = None) -> Config:
    """Read, validate and resolve the configuration. Raises ConfigError."""
    config_path = resolve_config_path(path)
    raw: dict[str, Any] = {}
    if config_path is not None:
        raw = _read_toml(config_path)
    config = _validate(raw)
    config = _apply_environment(config, config_path)
    return config.model_copy(update={"path": config_path})


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (run `umot init` to write one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _validate(raw: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _KeyError):
        return f"config key {ctx_error.key}: {ctx_error.problem}"
    key = _dotted(error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key" + _did_you_mean(str(error["loc"][-1]), _keys_beside(error["loc"]))
    elif error["type"] == "literal_error":
        allowed = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        value = error.get("input")
        message = f"{message} (got {value!r}){_did_you_mean(str(value), allowed)}"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"config key {key or '(top level)'}: {message}{suffix}"


def _did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean `x`?)`` for the closest choice to a mistyped word, else nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.7)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean `{close[0]}`?)" if close else ""


def _keys_beside(loc: tuple[int | str, ...]) -> list[str]:
    """The keys valid in the table that holds ``loc``'s last key (``analytics`` for
    ``analytics.half_life``)."""
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return []
        model = inner
    return [name for name in model.model_fields if name != "path"]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``list[X]`` or ``X | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _dotted(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _apply_environment(config: Config, config_path: Path | None) -> Config:
    db = config.database
    env_url = os.environ.get("UMOT_DATABASE_URL")
    url = env_url or _beside(db.url, config_path)
    try:
        url = normalise_database_url(url)
    except ValueError as exc:
        raise ConfigError(f"UMOT_DATABASE_URL: {exc}") from None
    if db.password_env:
        password = os.environ.get(db.password_env)
        if password is None:
            raise ConfigError(
                f"config key database.password_env: environment variable {db.password_env} "
                "is not set"
            )
        url = _with_password(url, password)
    if config.alerts.webhook_url_env and not os.environ.get(config.alerts.webhook_url_env):
        raise ConfigError(
            f"config key alerts.webhook_url_env: environment variable "
            f"{config.alerts.webhook_url_env} is not set"
        )
    report = config.report
    if report.folder is not None and config_path is not None and not report.folder.is_absolute():
        report = report.model_copy(update={"folder": config_path.parent / report.folder})
    return config.model_copy(
        update={"database": db.model_copy(update={"url": url}), "report": report}
    )


def _beside(url: str, config_path: Path | None) -> str:
    """A relative SQLite path in a config file means: next to that file."""
    prefix = "sqlite:///"
    if config_path is None or not url.startswith(prefix):
        return url
    database = url[len(prefix) :]
    if not database or database == ":memory:" or Path(database).is_absolute():
        return url
    return prefix + str((config_path.parent / database).resolve())


def _with_password(url: str, password: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)
