"""What courses ask of the domains above them. Cohorts (higher in the house) answer, so courses never import them."""

from blinker import Namespace

_events = Namespace()

# Which courses can people take in this language? Each receiver returns the ids of courses it offers in it (cohorts:
# a cohort still to come or running that works in the language). send(language, session=session)
courses_in_language_asked = _events.signal("courses-in-language-asked")
