"""Staff rules for pairs of an event: must meet, or blocked."""

from __future__ import annotations

from sqlmodel import col, select

from matchmaker.db.events import PairRule
from matchmaker.errors import InvalidInputError
from matchmaker.scheduling.problem import pair_key
from matchmaker.services.events import store
from matchmaker.services.events.rules import pair_problem
from matchmaker.services.events.schemas import PairRuleKind, PairRulePublic


class PairRules(store.InSession):
    """Must-meet and blocked pairs of events, in one unit of work."""

    def set(self, event_id: str, a: str, b: str, kind: PairRuleKind | None) -> PairRulePublic | None:
        """Make a pair must-meet or blocked (replacing its other rule), or clear its rule (``kind=None``)."""
        session = self.session
        ev = store.event_row(session, event_id)
        if kind is not None:
            what = kind.replace("_", "-") + " pair"
            known = store.names(session, [a, b])
            sides = store.sides(session, event_id, [a, b])
            problem = pair_problem(sides, a, b, what, names=known, event=ev.name)
            if problem:
                raise InvalidInputError(problem)
        x, y = pair_key(a, b)
        row = session.get(PairRule, (event_id, x, y))
        if kind is None:
            if row is not None:
                session.delete(row)
                session.flush()
            return None
        row = row or PairRule(event_id=event_id, a=x, b=y, kind=kind)
        row.kind = kind
        session.add(row)
        session.flush()
        return PairRulePublic(a=x, b=y, kind=kind)

    def list(self, event_id: str) -> list[PairRulePublic]:
        """The must-meet and blocked pairs of an event."""
        store.event_row(self.session, event_id)
        rows = self.session.exec(
            select(PairRule).where(PairRule.event_id == event_id).order_by(col(PairRule.a), col(PairRule.b))
        )
        return [
            PairRulePublic(a=r.a, b=r.b, kind="blocked" if r.kind == "blocked" else "must_meet") for r in rows
        ]


__all__ = ["PairRules"]
