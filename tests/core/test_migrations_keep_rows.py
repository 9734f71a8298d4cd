"""Migrations keep people's data. On SQLite, altering a table rebuilds it, and the DROP TABLE of a rebuild would
run the ON DELETE CASCADE of every table referring to it: migration 0012 (rebuilding `groups`) deleted every group
membership that way, and 0015 (rebuilding `breakout_notes`) every note revision. migrations/env.py runs them
with foreign keys off, and checks them after."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db


def _count(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_upgrading_from_before_join_link_expiry_keeps_every_membership(app):
    downgrade(revision="0011")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO groups (id, name, organization, join_code, created_at) VALUES (1, 'G', 'O', 'c0de', :at)"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
        connection.execute(
            sa.text(
                "INSERT INTO group_memberships (group_id, display_name, role, status, joined_at) "
                "VALUES (1, 'Ana', 'member', 'active', :at)"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
    upgrade()
    assert _count("groups") == 1 and _count("group_memberships") == 1


def test_foreign_keys_are_enforced_again_after_migrating(app):
    downgrade(revision="0011")
    upgrade()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
