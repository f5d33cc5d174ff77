"""``/feeds/{token}.ics``: a participant's calendar for calendar clients that subscribe by URL.

No sign-in: the secret token in the address is the credential (see
:mod:`matchmaker.services.events.feeds`). An unknown or revoked token answers 404, so an address that
leaked can be stopped at once from the console, the CLI or the API.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from matchmaker.services.events import EventServices
from matchmaker.web.media import ICALENDAR


@get(
    "/feeds/{token:str}",
    sync_to_thread=True,
    summary="A subscribed calendar feed",
    media_type=ICALENDAR,
    include_in_schema=False,
)
def calendar_feed(
    events: NamedDependency[EventServices],
    token: Annotated[str, Parameter(min_length=1, max_length=100)],
) -> Response[bytes]:
    """The participant's published meetings as iCalendar, for the token in the address."""
    event_id, participant_id = events.feeds.resolve(token.removesuffix(".ics"))
    body = events.agendas.calendar(event_id, participant_id)
    return Response(
        body,
        media_type=ICALENDAR,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


__all__ = ["calendar_feed"]
