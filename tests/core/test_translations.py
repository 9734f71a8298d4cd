"""The interface catalogues: every marked string is in the committed catalogue, every shipped language translates
all of it, and no translation loses a placeholder or a tag (a dropped `%(name)s` would show a person the wrong
text; a broken one, a 500)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.lib.languages import LANGUAGE_NAMES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
CATALOGUE = TRANSLATIONS / "messages.pot"
SHIPPED = [code for code in LANGUAGE_NAMES if code != "en"]

# %(name)s and %s (Python), {name} (str.format), HTML tags; a plural form may leave out the number itself.
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}|</?[a-z]+[^>]*>")
NUMBERS = {"%(num)s", "%(num)d", "%(count)s", "%(count)d", "%(n)s", "%(n)d"}


def read_catalogue(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def message_ids(catalogue) -> set[str]:
    return {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue if message.id}


def extract_options() -> list[str]:
    """The options `make translations` extracts with, read from the Makefile so the two can never differ."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    return shlex.split(re.search(r"^EXTRACT_OPTIONS := (.+)$", makefile, re.MULTILINE).group(1))


def test_the_committed_catalogue_has_every_marked_string(tmp_path):
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([pybabel, "-q", "extract", *extract_options(), "-o", fresh, "."], cwd=ROOT, check=True)
    committed, extracted = message_ids(read_catalogue(CATALOGUE)), message_ids(read_catalogue(fresh))
    assert extracted - committed == set(), "strings marked but not extracted: run `make translations`"
    assert committed - extracted == set(), "strings no longer in the code: run `make translations`"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_language_translates_every_message(language):
    template = read_catalogue(CATALOGUE)
    catalogue = read_catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing = message_ids(template) - message_ids(catalogue)
    assert not missing, f"{language}: not in the .po (run `make translations`): {sorted(missing)[:5]}"
    untranslated = [
        message.id
        for message in catalogue
        if message.id and (message.fuzzy or not all(message.string if message.pluralizable else [message.string]))
    ]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated or fuzzy, e.g. {untranslated[:5]}"
    plural_forms = {len(message.string) for message in catalogue if message.id and message.pluralizable}
    assert plural_forms <= {catalogue.num_plurals}, f"{language}: every plural needs {catalogue.num_plurals} forms"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", SHIPPED)
def test_no_translation_drops_or_invents_a_placeholder_or_a_tag(language):
    catalogue = read_catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        sources = message.id if message.pluralizable else (message.id,)
        translations = message.string if message.pluralizable else (message.string,)
        wanted = set().union(*(placeholders(source) for source in sources))
        for translation in filter(None, translations):
            got = placeholders(translation)
            if (got ^ wanted) - NUMBERS or got - wanted:
                wrong.append(f"{sources[0]!r}: {sorted(wanted)} became {sorted(got)}")
    assert not wrong, f"{language}: " + "\n".join(wrong)
    errors = [(message.id, error) for message, message_errors in catalogue.check() for error in message_errors]
    assert not errors, f"{language}: {errors[:5]}"


@pytest.mark.parametrize(
    ("language", "required"),
    [("es", "Este campo es obligatorio."), ("pt-BR", "Campo obrigatório."), ("fr", "Ce champ est requis.")],
)
def test_the_form_librarys_own_messages_are_translated_too(client, language, required):
    page = client.submit("/signup", {"name": "", "email": "", "password": ""}, headers={"Accept-Language": language})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert required in html and "This field is required." not in html


def test_the_form_librarys_messages_follow_each_request_not_the_workers_first(client):
    """Each language's WTForms catalogue is read once per worker: one language must never stick to the next page."""
    expected = {"es": "Este campo es obligatorio.", "fr": "Ce champ est requis.", "en": "This field is required."}
    for language in ("es", "fr", "en", "es"):
        html = client.submit(
            "/signup", {"name": "", "email": "", "password": ""}, headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert expected[language] in html
        assert not any(other in html for code, other in expected.items() if code != language)
