"""Column types shared by the domain models."""

import enum

import sqlalchemy as sa

from app.lib.time import UTCDateTime


def string_enum(enum_class: type[enum.Enum]) -> sa.Enum:
    """An enum stored as its plain string value (a VARCHAR with a CHECK), the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=20,
        name=enum_class.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
    )


def render_migration_item(type_: str, obj, autogen_context):
    """Let Alembic write UTCDateTime as a plain `sa.DateTime(timezone=True)`, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# PostgreSQL's `integer` (ids, versions, seeds): a larger number in a query fails instead of matching nothing.
MAX_INTEGER = 2**31 - 1
