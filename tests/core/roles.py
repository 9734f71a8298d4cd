"""The people the access tests act as, on the demo world, and shorthands for who may open a page.

Every route is requested as each of them: nobody, a participant, a participant of another group, the group's
coordinator, another group's coordinator, the cohort's trainer, a trainer of another cohort, and an administrator.
"""

ROLES = {
    "anonymous": None,
    "participant": "jorge.medina@members.example",  # Transit group, in the running cohort
    "other_participant": "rahima.begum@members.example",  # the garment workers' group, same cohort, another room
    "coordinator": "lucia@plenary.example",  # coordinates Transit (and is on its roster)
    "other_coordinator": "maribel.ortega@members.example",  # coordinates the hotel housekeepers, same cohort
    "trainer": "trainer@plenary.example",  # trains every demo cohort but the pilot
    "other_trainer": "kwame@plenary.example",  # trains only the East Africa pilot
    "admin": "admin@plenary.example",
}
LOGIN = "login"  # redirected to the login page


def access(default, **by_role) -> dict:
    """Status per role: `default` for everyone not named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"no such role: {unknown}"
    return {role: by_role.get(role, default) for role in ROLES}


PUBLIC = access(200)
SIGNED_IN = access(200, anonymous=LOGIN)
ANONYMOUS_ONLY = access(302, anonymous=200)
# The running cohort's trainer and administrators (a trainer of another cohort is refused).
COHORT_TRAINERS = access(403, anonymous=LOGIN, trainer=200, admin=200)
# The Transit group's coordinator and administrators.
GROUP_COORDINATORS = access(403, anonymous=LOGIN, coordinator=200, admin=200)
ADMINS = access(403, anonymous=LOGIN, admin=200)
