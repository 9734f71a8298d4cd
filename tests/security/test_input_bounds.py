"""Super-linear input: every free-text field is bounded in its form and in the service that receives it, and every
parser of people's text handles a worst-case input of the largest allowed size in well under a second.

The times are in-process measurements of the functions themselves (not page timings), with a generous margin: a
quadratic parser fails them by seconds, a linear one passes them by a factor of ten or more.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import time

import pytest
from wtforms import Form, HiddenField, StringField
from wtforms.validators import EqualTo, Length

import app as app_package
from app.extensions import db
from app.lib.errors import DomainError

TEXT_COLUMN_MAX = 200_000  # what a form may let through into a Text column (notes: 100,000 stored, CR LF posted)
SECONDS = 0.5

# Every text field of every form, and the column its value is stored in ("Model.attribute"), or None with the
# reason it has no column. A new text field fails the test until it is listed here with its bound.
COLUMNS = {
    "SignupForm.name": "User.name",
    "SignupForm.email": "User.email",
    "LoginForm.email": "User.email",
    "AskLinkForm.email": "User.email",  # app/signin: compared with it
    "ResetRequestForm.email": "User.email",
    "ProfileForm.name": "User.name",
    "ChangeEmailForm.email": "User.email",
    "DeleteAccountForm.confirmation": "User.email",  # compared with it
    "JoinSignupForm.name": "User.name",
    "JoinSignupForm.email": "User.email",
    "GroupForm.name": "Group.name",
    "GroupForm.organization": "Group.organization",
    "GroupForm.country": "Group.country",
    "GroupForm.languages": "Group.languages",
    "RosterMemberForm.display_name": "GroupMembership.display_name",
    "CohortForm.label": "Cohort.label",
    "CohortForm.video_url": "Cohort.video_url",
    "SessionRowForm.title": "CohortSession.title",
    "RenameForm.name": "BreakoutRoom.name",
    "RegistrationForm.attestation": "PrerequisiteEvidence.attestation",
    "AttestationForm.attestation": "PrerequisiteEvidence.attestation",
    "ReviewForm.reason": "PrerequisiteEvidence.reason",
    "PreMeetingForm.notes": "PreMeeting.notes",
    "MarkReadForm.comment": "ReadingProgress.comment",
    "CommitmentForm.text": "Commitment.text",
    "CheckInForm.reflection": "Commitment.reflection",
    "NoteForm.body": "BreakoutNote.body",
    "PreviewForm.body": "BreakoutNote.body",
}
NO_COLUMN = {
    "InviteForm.emails": "a paste of addresses, one per line: each is checked against GroupInvitation.email",
    "CohortForm.trainers": "a paste of account emails, one per line",
    "CohortForm.languages": "parsed into a list of language codes (Cohort.languages, JSON)",
    "CodeForm.code": "a one-time code, compared and never stored",
    "EmailedCodeForm.code": "an emailed 6-digit code, compared with a hash and never stored",
    "SignupCodeForm.code": "an emailed 6-digit sign-up code, compared with a hash and never stored",
    "DisableTwoFactorForm.code": "a one-time code",
}


def _forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted({c for c in subclasses(Form) if c.__module__.startswith("app.")}, key=lambda c: c.__name__)


def _text_fields():
    """(form name.field name, validators) for every free-text field: StringField and its kinds (text areas, email,
    URL, password), except hidden fields (not typed by anyone) and confirmations bound by EqualTo to a bounded one."""
    for form in _forms():
        for name, unbound in inspect.getmembers(form, lambda v: hasattr(v, "field_class")):
            field_class = unbound.field_class
            if not issubclass(field_class, StringField) or issubclass(field_class, HiddenField):
                continue
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
            if any(isinstance(v, EqualTo) for v in validators):
                continue
            yield f"{form.__name__}.{name}", field_class, validators


def _column(path: str):
    model_name, attribute = path.split(".")
    model = next(m.class_ for m in db.Model.registry.mappers if m.class_.__name__ == model_name)
    return getattr(model, attribute).property.columns[0]


def test_every_text_field_of_every_form_has_a_maximum_length_within_its_column(app):
    problems = []
    seen = set()
    for key, field_class, validators in _text_fields():
        seen.add(key)
        bounds = [v.max for v in validators if isinstance(v, Length) and v.max not in (None, -1)]
        if not bounds:
            problems.append(f"{key} ({field_class.__name__}) has no Length(max=...)")
            continue
        bound = min(bounds)
        if key in COLUMNS:
            length = _column(COLUMNS[key]).type.length
            limit = length if length is not None else TEXT_COLUMN_MAX
            if bound > limit:
                problems.append(f"{key}: Length(max={bound}) is more than {COLUMNS[key]} holds ({limit})")
        elif key in NO_COLUMN:
            if bound > TEXT_COLUMN_MAX:
                problems.append(f"{key}: Length(max={bound}) is more than {TEXT_COLUMN_MAX}")
        elif not any(key.endswith(f".{p}") for p in ("password", "current_password")):
            problems.append(f"{key} is not listed in COLUMNS or NO_COLUMN: say where its value goes")
    assert not problems, "\n".join(problems)
    assert set(COLUMNS) | set(NO_COLUMN) <= seen, set(COLUMNS) | set(NO_COLUMN) - seen  # the table is not stale


# The services check the same bounds: not every caller is a form.


def _group(make_user):
    from app.groups.service import create_group

    coordinator = make_user()
    return coordinator, create_group(db.session, coordinator, name="Group", organization="Union")


def _too_long_group_name(make_user, **_):
    from app.groups.service import NAME_MAX, create_group

    create_group(db.session, make_user(), name="x" * (NAME_MAX + 1), organization="Union")


def _too_long_organization(make_user, **_):
    from app.groups.service import ORGANIZATION_MAX, create_group

    create_group(db.session, make_user(), name="Group", organization="x" * (ORGANIZATION_MAX + 1))


def _too_long_languages(make_user, **_):
    from app.groups.service import LANGUAGES_MAX, create_group

    create_group(db.session, make_user(), name="G", organization="U", languages="x" * (LANGUAGES_MAX + 1))


def _too_long_roster_name(make_user, **_):
    from app.groups.service import DISPLAY_NAME_MAX, add_roster_member

    coordinator, group = _group(make_user)
    add_roster_member(db.session, coordinator, group, "x" * (DISPLAY_NAME_MAX + 1))


def _too_long_invitation_paste(make_user, **_):
    from app.groups.invitations import MAX_INVITE_PASTE, invite_members

    coordinator, group = _group(make_user)
    invite_members(db.session, coordinator, group, "a@example.org\n" * (MAX_INVITE_PASTE // 14 + 1))


def _too_long_user_name(make_user, **_):
    from app.accounts.service import create_user

    create_user(db.session, email="long@example.org", name="x" * 121, password="long enough pass")


def _too_long_profile_name(make_user, **_):
    from app.accounts.service import update_profile

    update_profile(db.session, make_user(), name="x" * 121, timezone="UTC", locale="en")


def _too_long_cohort_label(make_user, make_cohort, **_):
    make_cohort(label="x" * 121)


def _too_long_zone_list(make_user, **_):
    from app.cohorts.times import MAX_ZONE_LIST, parse_zone_list

    parse_zone_list("UTC\n" * (MAX_ZONE_LIST // 4 + 1))


def _too_many_people_in_zone_list(make_user, **_):
    from app.cohorts.times import parse_zone_list

    parse_zone_list("UTC 10000\n" * 11)


@pytest.mark.parametrize(
    "refuse",
    [
        _too_long_group_name,
        _too_long_organization,
        _too_long_languages,
        _too_long_roster_name,
        _too_long_invitation_paste,
        _too_long_user_name,
        _too_long_profile_name,
        _too_long_cohort_label,
        _too_long_zone_list,
        _too_many_people_in_zone_list,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_services_refuse_text_longer_than_their_bound(app, make_user, make_cohort, refuse):
    with pytest.raises(DomainError):
        refuse(make_user=make_user, make_cohort=make_cohort)
    db.session.rollback()


# Worst cases of the largest size allowed, for every parser of people's text.


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    with contextlib.suppress(DomainError):  # refusing is an answer too; what matters is how long it took
        function(*args, **kwargs)
    return time.perf_counter() - start


def _address_lines():
    from app.groups.invitations import MAX_INVITE_PASTE

    # Shapes that made the old "Name <address>" regular expression quadratic (spaces before a "<" never closed),
    # and others that stress a split on "<" and ">".
    return {
        "spaces then <": "a" + " " * (MAX_INVITE_PASTE - 2) + "<",
        "many <": "<" * MAX_INVITE_PASTE,
        "many <>": "<>" * (MAX_INVITE_PASTE // 2),
        "name and open brackets": ("x <" * (MAX_INVITE_PASTE // 3)) + "a@example.org>",
    }


@pytest.mark.parametrize("shape", list(_address_lines()))
def test_reading_one_pasted_address_is_linear(app, shape):
    from email_validator import EmailNotValidError

    from app.groups.invitations import _parse_address

    line = _address_lines()[shape]

    def parse():
        with contextlib.suppress(EmailNotValidError):
            _parse_address(line)

    assert timed(parse) < SECONDS


def test_a_full_invitation_paste_of_worst_case_lines_is_handled_quickly(app, make_user):
    from app.groups.invitations import MAX_INVITE_LINE, MAX_INVITE_PASTE, invite_members

    coordinator, group = _group(make_user)
    line = "a" + " " * (MAX_INVITE_LINE - 2) + "<"
    pasted = "\n".join([line] * (MAX_INVITE_PASTE // (MAX_INVITE_LINE + 1)))
    assert len(pasted) <= MAX_INVITE_PASTE
    assert timed(invite_members, db.session, coordinator, group, pasted) < SECONDS


@pytest.mark.parametrize(
    "shape",
    ["UTC 10000\n", "Asia/Manila 9\n", ",;, ;,\n", "Europe/Berlin" + " " * 20 + "\n", "x" * 19_999 + "\n"],
)
def test_a_pasted_zone_list_of_the_largest_size_and_its_fair_times_are_quick(app, shape):
    from datetime import date

    from app.cohorts.times import MAX_ZONE_LIST, fair_start_times, parse_zone_list

    text = (shape * (MAX_ZONE_LIST // len(shape)))[:MAX_ZONE_LIST]
    start = time.perf_counter()
    try:
        zones = parse_zone_list(text)
    except DomainError:
        zones = ["UTC"] * 100_000  # the most people a list may count, in one zone
    fair_start_times(zones, host_timezone="Europe/London", on=date(2026, 10, 3), minutes=120)
    assert time.perf_counter() - start < SECONDS * 2  # two functions


@pytest.mark.parametrize(
    "body",
    [
        b',"a' * 20_000,  # quote-delimiter runs: csv.Sniffer's regular expressions are quadratic in them
        b', "' * 20_000,
        b"a,b\n" * 20_000,
        b'"' * 60_000,
        b"x" * 60_000,
    ],
    ids=["quote-delimiter", "space-quote", "many rows", "quotes", "one long cell"],
)
def test_an_attendance_report_of_worst_case_content_is_read_quickly(app, body):
    from app.attendance.imports import MAX_IMPORT_BYTES, ImportRefused, parse_attendance_report

    data = b"Name,Email\n" + (body * (MAX_IMPORT_BYTES // len(body)))[: MAX_IMPORT_BYTES - 20]
    start = time.perf_counter()
    with contextlib.suppress(ImportRefused):
        parse_attendance_report(data)
    # 2 MB through the csv module takes about 1.5 s here; csv.Sniffer, used before, took 4 s for 20 KB of the first
    # shape and grows with the square of the size.
    assert time.perf_counter() - start < SECONDS * 10


def test_names_and_languages_of_any_size_are_cleaned_and_split_quickly():
    from app.breakouts.rooms import parse_languages
    from app.lib.languages import parse_language_list
    from app.lib.text import clean_name

    hostile = "\u2028 \u202e\x07\t" * 50_000
    assert timed(clean_name, hostile) < SECONDS
    assert timed(parse_languages, " ,;/|" * 40_000 + "x") < SECONDS
    assert timed(parse_language_list, " ,;/" * 40_000 + "x") < SECONDS
    assert timed(parse_language_list, "ab, " * 40_000) < SECONDS


def test_telling_whether_a_statement_needs_a_transaction_is_linear_in_its_length():
    """The SQL the app compiles carries values as bound parameters, never in its text; a long statement anyway."""
    from app.lib.database import needs_transaction

    assert timed(needs_transaction, "SELECT" + " FOR  SHARE FOR NO KEY" * 40_000) < SECONDS


def test_every_regular_expression_in_the_app_is_covered_here():
    """A new re.compile on people's text must come with a worst-case timing above. Course-file patterns
    (app/courses/loader.py, front_matter.py, sections.py, translation_files.py) read the repository's own files,
    not people's input."""
    import pathlib
    import re

    root = pathlib.Path(app_package.__file__).parent
    found = sorted(
        f"{path.relative_to(root)}:{line.strip()[:60]}"
        for path in root.rglob("*.py")
        for line in path.read_text().splitlines()
        if re.search(r"\bre\.(compile|match|fullmatch|search|sub|split|findall)\(", line)
    )
    known_paths = {
        "courses/loader.py",
        "courses/front_matter.py",
        "courses/sections.py",
        "courses/translation_files.py",
        "lib/languages.py",  # parse_language_list, timed above
        "breakouts/rooms.py",
        "breakouts/service.py",
        "groups/invitations.py",
        "groups/service.py",
        "signin/service.py",  # fullmatch of one character class with a fixed count ({43}): linear
        "lib/security.py",  # the emailed code: fullmatch of one character class with a fixed count ({6}): linear
        "lib/database.py",  # locking reads in the SQL the app compiles, timed above
        "oidc/providers.py",  # anchored patterns on the operator's settings, read once at start-up (tests/oidc)
    }
    assert {f.split(":")[0] for f in found} <= known_paths, found
