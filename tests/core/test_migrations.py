"""The migrations build exactly the schema the models describe, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.lib.columns import render_migration_item


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_item": render_migration_item}
        )
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    assert schema_differences() == []


def test_flask_db_check_agrees(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_drift_would_be_caught(app):
    import sqlalchemy as sa

    table = sa.Table("drift_probe", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        assert any(diff[0] == "add_table" and diff[1].name == "drift_probe" for diff in schema_differences())
    finally:
        db.metadata.remove(table)


def test_migrations_go_down_to_nothing_and_back_up(app):
    import sqlalchemy as sa

    downgrade(revision="base")
    assert "users" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert schema_differences() == []


def test_join_links_existing_before_expiry_was_added_get_thirty_days(app):
    from datetime import timedelta

    import sqlalchemy as sa

    from app.groups.models import Group
    from app.lib.time import now_utc

    downgrade(revision="0011")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO groups (name, organization, join_code, created_at) VALUES ('Old', 'Org', 'c0de', :at)"
            ),
            {"at": now_utc().replace(tzinfo=None)},
        )
    upgrade()
    expires = db.session.scalar(sa.select(Group.join_code_expires_at).where(Group.name == "Old"))
    assert timedelta(days=29) < expires - now_utc() <= timedelta(days=30)
