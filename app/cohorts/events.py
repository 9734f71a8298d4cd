"""What happens to a cohort that other domains react to. Cohorts announce; registration (higher in the house)
listens, so cohorts never import it. Receivers run inside the same transaction, before the caller commits."""

from blinker import Namespace

_events = Namespace()

# A trainer is about to change the cohort: receivers may refuse the new capacity with a DomainError, and take the
# locks they need until the commit. send(cohort, session=session, capacity=new_capacity)
cohort_changing = _events.signal("cohort-changing")

# The change is written (flushed): receivers move what it allows (e.g. the waitlist). send(cohort, session=session)
cohort_changed = _events.signal("cohort-changed")

# A page found the cohort still open after its registration deadline: receivers apply it (registration lapses the
# registrations still short of a rule and closes the cohort). send(cohort, session=session)
registration_deadline_passed = _events.signal("registration-deadline-passed")
