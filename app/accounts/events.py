"""What accounts ask of the domains above them. Courses and cohorts (higher in the house) answer, so accounts
never import them."""

from blinker import Namespace

_events = Namespace()

# Is this person staff? Each receiver returns True when the person holds a staff role in its domain (trains a
# course, trains a cohort). send(user, session=session)
staff_role_asked = _events.signal("staff-role-asked")

# A confirmed sign-up just created this account; the person had asked, on the page of `next_url` (a same-site
# path), for what it offers (request_signup's `finish_next`). A receiver may finish it in the same transaction (join
# the group whose invitation or join link they signed up from) and return the path to land on instead; else None.
# send(user, session=session, next_url=next_url)
signed_up = _events.signal("signed-up")
