import click

from app.attendance.completion import run_completion
from app.cohorts.models import Cohort
from app.extensions import db
from app.lib.errors import DomainError


@click.command("complete")
@click.argument("cohort_id", type=int)
def complete_command(cohort_id: int) -> None:
    """Mark a cohort completed: completions (and certificate emails) for everyone who met the course's rule.
    Safe to run again: it only adds people who newly meet the rule."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"no cohort with id {cohort_id}")
    try:
        report = run_completion(db.session, cohort)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Cohort {cohort.id} ({cohort.label}) of {cohort.course.title} is completed.")
    click.echo(f"{len(report.completed)} new completion(s):")
    for status in report.completed:
        click.echo(f"  {status.participant.name} <{status.participant.email}> ({status.summary})")
    if report.already:
        click.echo(f"{len(report.already)} already held the course:")
        for status in report.already:
            click.echo(f"  {status.participant.name} <{status.participant.email}>")
    if report.not_qualified:
        click.echo(f"{len(report.not_qualified)} did not meet the rule:")
        for status in report.not_qualified:
            click.echo(f"  {status.participant.name} ({status.participant.group.name}): {status.reason}")
    if report.without_account:
        click.echo(f"{len(report.without_account)} met the rule but have no account to hold a completion:")
        for status in report.without_account:
            click.echo(f"  {status.participant.name} ({status.participant.group.name})")
