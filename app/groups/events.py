"""What happens in a group that other domains react to. Groups announce; registration (higher in the house)
listens, so groups never import it. Receivers run inside the same transaction, before the caller commits, and
may refuse by raising a DomainError."""

from blinker import Namespace

_events = Namespace()

# Someone stopped being an active member (left, was removed, deleted their account).
# send(membership, session=session)
member_left = _events.signal("member-left")
