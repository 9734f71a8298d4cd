from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.courses.loader import load_library
from app.courses.service import add_course_trainer, sync_library
from app.courses.translation_files import write_translation_stub
from app.extensions import db
from app.lib.errors import DomainError

courses_cli = AppGroup("courses", help="Check and load the Markdown course library.")


def _library(path: str | None):
    return load_library(Path(path or current_app.config["COURSES_DIR"]))


@courses_cli.command("check")
@click.option("--path", type=click.Path(file_okay=False), help="Course folder (default: COURSES_DIR).")
def check_command(path: str | None) -> None:
    """Validate every course file; print each problem as path:line: message."""
    library = _library(path)
    for line in library.formatted_problems() + library.formatted_translation_errors() + library.formatted_warnings():
        click.echo(line)
    errors = len(library.problems) + len(library.translation_errors)
    if errors:
        _echo_missing_translations(library)
        click.echo(f"{errors} problem(s) found.", err=True)
        raise SystemExit(1)
    readings = sum(len(c.readings) for c in library.courses)
    sessions = sum(len(c.sessions) for c in library.courses)
    click.echo(f"OK: {len(library.courses)} course(s), {sessions} session(s), {readings} reading(s).")
    _echo_missing_translations(library)


def _echo_missing_translations(library) -> None:
    for language, courses in library.missing_translations().items():
        if not courses:
            click.echo(f"Translations ({language}): complete.")
            continue
        lacking = ", ".join(f"{slug}: {count} file(s)" for slug, count in courses.items())
        click.echo(f"Translations ({language}): not yet translated: {lacking}.")


@courses_cli.command("translation-stub")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("language")
def translation_stub_command(source: Path, language: str) -> None:
    """Write SOURCE's translation X.<LANGUAGE>.md: front matter copied, translation_of set, text to translate."""
    try:
        target = write_translation_stub(source, language)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"wrote {target}: translate the title, summary or attribution and the text below the front matter.")


@courses_cli.command("sync")
@click.option("--path", type=click.Path(file_okay=False), help="Course folder (default: COURSES_DIR).")
def sync_command(path: str | None) -> None:
    """Load the course files into the database. Safe to run again: unchanged courses are left alone."""
    library = _library(path)
    if not library.ok:
        for line in library.formatted_problems():
            click.echo(line)
        click.echo("Nothing was synced: fix the problems above first.", err=True)
        raise SystemExit(1)
    for line in library.formatted_translation_errors():
        click.echo(f"{line} (this translation was skipped)")
    report = sync_library(db.session, library)
    db.session.commit()
    for line in report.lines():
        click.echo(line)


@courses_cli.command("add-trainer")
@click.option("--course", "course_slug", required=True)
@click.option("--email", required=True, help="The trainer's account email.")
def add_trainer_command(course_slug: str, email: str) -> None:
    """Let someone schedule cohorts of a course."""
    try:
        course, user = add_course_trainer(db.session, course_slug, email)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{user.email} can now schedule cohorts of {course.slug}.")
