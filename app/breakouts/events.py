"""What breakouts ask of the domains above them. Notes (higher in the house) answer, so breakouts never import
them. Receivers run inside the caller's transaction."""

from blinker import Namespace

_events = Namespace()

# Before rooms are deleted (a plan replaced): each receiver returns an SQL condition, over the given room id column,
# that is true for rooms holding something people wrote, and such rooms are kept. send(None, room_id=column)
room_records = _events.signal("room-records")
