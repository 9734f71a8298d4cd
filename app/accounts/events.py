"""What accounts ask of the domains above them. Courses and cohorts (higher in the house) answer, so accounts
never import them."""

from blinker import Namespace

_events = Namespace()

# Is this person staff? Each receiver returns True when the person holds a staff role in its domain (trains a
# course, trains a cohort). send(user, session=session)
staff_role_asked = _events.signal("staff-role-asked")
