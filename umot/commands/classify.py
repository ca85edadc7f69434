"""`umot classify`: label stored mentions that have no result for the current model version."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from umot.shell import current_config, open_engine, user_errors

if TYPE_CHECKING:
    from core.config import Config
    from sentiment.classifier import Classifier


def register(app: typer.Typer) -> None:
    app.command()(classify)


def classify(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Stop after this many mentions.")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Mentions per claimed batch and commit."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Classify unlabelled mentions in batches, committing each batch.

    An interrupted run loses nothing and repeats nothing: each batch is claimed, labelled and
    committed in one transaction. Several workers may run at once on PostgreSQL (each claims
    different rows with FOR UPDATE SKIP LOCKED). Corrections keep winning over new results.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from store.classifications import count_unclassified
    from store.mentions import count_mentions
    from umot.classify import classify_pending

    with user_errors():
        config = current_config()
        engine = open_engine(config)
        classifier = _load(config)
        from sqlmodel import Session

        with Session(engine) as session:
            pending = count_unclassified(session, model_version=classifier.version)
            total = count_mentions(session) if pending == 0 else pending
        if pending == 0:
            typer.echo(_nothing_to_do(total, classifier.version))
            return
        todo = min(pending, limit) if limit else pending
        typer.echo(f"model {classifier.version}: {pending} mentions to classify", err=True)
        started = time.perf_counter()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=quiet or todo == 0,
            transient=True,
        ) as progress:
            task = progress.add_task("classifying", total=todo)
            done = classify_pending(
                engine,
                classifier,
                limit=limit,
                batch_size=batch_size or config.model.batch_size * 4,
                on_batch=lambda n: progress.advance(task, n),
            )
    elapsed = time.perf_counter() - started
    rate = f" ({done / elapsed:.1f}/s)" if done and elapsed > 0 else ""
    typer.echo(f"classified {done} mentions in {elapsed:.1f} s{rate} with {classifier.version}")


def _nothing_to_do(total: int, version: str) -> str:
    """Why there is nothing to classify, and what to run when that is not what the user wanted."""
    if total == 0:
        return "nothing to classify: the database holds no mentions yet; run `umot crawl` first"
    return f"nothing to classify: all {total} mentions already have labels from {version}"


def _load(config: Config) -> Classifier:
    from sentiment import load_classifier

    try:
        return load_classifier(config.model)
    except (OSError, ValueError) as exc:
        from umot.shell import UserError

        raise UserError(f"cannot load model {config.model.name!r}: {exc}") from exc
