"""The demo shows Plenary in several languages: one group uses it in Spanish, one in Brazilian Portuguese, and
`flask demo load` says which login sees which."""

import re

import sqlalchemy as sa

from app.accounts.models import User
from app.demo.data import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.groups.service import groups_of


def test_demo_logins_name_who_sees_spanish_and_portuguese(app, client, synced_courses):
    report = load_demo(db.session)
    db.session.commit()
    logins = dict(report.logins)
    for role, language in (("coordinator, in Spanish", "es"), ("coordinator, in Portuguese", "pt-BR")):
        email = logins[role]
        user = db.session.scalar(sa.select(User).where(User.email == email))
        (group,) = groups_of(db.session, user)
        assert {m.user.locale for m in group.active_members if m.user} == {user.locale}  # the whole group
        browser = app.test_client()
        assert browser.submit("/login", {"email": email, "password": DEMO_PASSWORD}).status_code == 302
        page = browser.get("/groups").get_data(as_text=True)
        assert re.search(rf'<html lang="{language}"', page)
