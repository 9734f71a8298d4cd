from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.cohorts.models import CohortStatus
from app.cohorts.scheduling import SessionPlan, find_trainers, schedule_cohort
from app.courses.models import Course
from app.extensions import db
from app.lib.errors import DomainError

cohorts_cli = AppGroup("cohorts", help="Schedule cohorts and manage their registration.")

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _local(value: str, option: str) -> datetime:
    try:
        return datetime.strptime(value, LOCAL_FORMAT)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a local date and time like 2026-10-03T10:00", param_hint=option
        ) from None


OPTIONS = {
    "host_timezone": "--tz",
    "label": "--label",
    "deadline": "--deadline",
    "opens": "--opens",
    "capacity": "--capacity",
    "min_group_size": "--min-group-size",
    "trainers": "--trainer",
    "sessions": "--session",
}


def _option_for(field: str) -> str:
    """The command-line option a service error is about: "sessions-2" is the third --session."""
    if field.startswith("sessions-") and field[9:].isdigit():
        return f"--session #{int(field[9:]) + 1}"
    return OPTIONS.get(field, field)


@cohorts_cli.command("schedule")
@click.option("--course", "course_slug", required=True, help="Course slug, e.g. power-and-participation.")
@click.option("--label", required=True, help='How people will know this run, e.g. "October 2026".')
@click.option("--tz", "host_timezone", required=True, help="Host time zone (IANA), e.g. America/Los_Angeles.")
@click.option(
    "--session",
    "session_starts",
    multiple=True,
    required=True,
    help="Local start YYYY-MM-DDTHH:MM in --tz; repeat once per session, in order.",
)
@click.option("--deadline", required=True, help="Registration deadline, local YYYY-MM-DDTHH:MM in --tz.")
@click.option("--opens", default=None, help="When registration opens, local YYYY-MM-DDTHH:MM (default: now).")
@click.option("--capacity", type=click.IntRange(min=1), default=60, show_default=True, help="Seats (participants).")
@click.option("--min-group-size", type=click.IntRange(min=1), default=None, help="Default: the course's.")
@click.option("--status", type=click.Choice([s.value for s in CohortStatus]), default="draft", show_default=True)
@click.option("--trainer", "trainer_emails", multiple=True, help="Trainer's account email; repeat for several.")
@click.option("--video-url", default=None, help="Video-call link, shown to confirmed participants only.")
def schedule_command(
    course_slug,
    label,
    host_timezone,
    session_starts,
    deadline,
    opens,
    capacity,
    min_group_size,
    status,
    trainer_emails,
    video_url,
) -> None:
    """Schedule a cohort from local times in the host zone; prints the new cohort's id."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == course_slug, Course.archived_at.is_(None)))
    if course is None:
        raise click.ClickException(f"no course with slug {course_slug!r}; see `flask courses check`")
    outline = list(course.sessions) or [None]
    plans = []
    for index, value in enumerate(session_starts):
        template = outline[min(index, len(outline) - 1)]
        plans.append(
            SessionPlan(
                _local(value, "--session"),
                template.plenary_minutes if template else 60,
                template.breakout_minutes if template else 60,
            )
        )
    try:
        cohort = schedule_cohort(
            db.session,
            course=course,
            label=label,
            host_timezone=host_timezone,
            sessions=plans,
            deadline_local=_local(deadline, "--deadline"),
            opens_local=_local(opens, "--opens") if opens else None,
            capacity=capacity,
            min_group_size=min_group_size,
            status=CohortStatus(status),
            trainers=find_trainers(db.session, list(trainer_emails)),
            video_url=video_url,
        )
    except DomainError as error:
        raise click.ClickException(
            f"{_option_for(error.field)}: {error.message}" if error.field else error.message
        ) from None
    db.session.commit()
    click.echo(cohort.id)
