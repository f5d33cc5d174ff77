"""What the scheduler's faster steps give is what the plain ones gave: the same schedules, the same
solver inputs, the same bounds.

The plain versions are kept here as the reference, written as they were before each step was made
faster, and both are run on seeded random problems shaped like an event (few tables, scores that
tie, participants already at their maximum), so that every branch is taken.
"""

from __future__ import annotations

import random

import pytest

from matchmaker.scheduling import SolverInput
from matchmaker.scheduling.core import Assignment, _Board, _priority_order, greedy_assignment, repair_coverage


def _random_input(seed: int, *, people: int = 40, slots: int = 6, tables: int = 4) -> SolverInput:
    """A seeded event: cities 0..people/2-1 meet providers and each other, few tables, weights that
    tie (a few values only), some accepted requests and must-meets, maxima of 1 to 4."""
    rng = random.Random(seed)
    cities = people // 2
    available = [frozenset(s for s in range(slots) if rng.random() < 0.7) for _ in range(people)]
    pairs = [(i, j) for i in range(cities) for j in range(i + 1, people) if rng.random() < 0.5]
    return SolverInput(
        n_participants=people,
        n_slots=slots,
        tables=tables,
        available=available,
        capacity=[rng.randint(0, 4) if rng.random() < 0.05 else rng.randint(1, 4) for _ in range(people)],
        pairs=pairs,
        weights=[rng.choice((100, 200, 300, 400)) for _ in pairs],
        accepted=[rng.random() < 0.03 for _ in pairs],
        must=[rng.random() < 0.01 for _ in pairs],
    )


def _reference_repair(inp: SolverInput, assignment: Assignment) -> Assignment:
    """``repair_coverage`` as it was written first: every pair and slot looks through the slot's
    meetings for the cheapest one that may give up its table."""
    placed = dict(assignment)
    fixed = {p for p, _s in inp.fixed}
    count = [0] * inp.n_participants
    at: dict[tuple[int, int], int] = {}
    in_slot: list[set[int]] = [set() for _ in range(inp.n_slots)]
    mine: list[set[int]] = [set() for _ in range(inp.n_participants)]

    def add(p: int, s: int) -> None:
        placed[p] = s
        in_slot[s].add(p)
        for k in inp.pairs[p]:
            count[k] += 1
            at[(k, s)] = p
            mine[k].add(p)

    def remove(p: int) -> None:
        s = placed.pop(p)
        in_slot[s].discard(p)
        for k in inp.pairs[p]:
            count[k] -= 1
            del at[(k, s)]
            mine[k].discard(p)

    for p, s in list(placed.items()):
        del placed[p]
        add(p, s)
    by_person: list[list[int]] = [[] for _ in range(inp.n_participants)]
    for p, (i, j) in enumerate(inp.pairs):
        if inp.common_slots(p):
            by_person[i].append(p)
            by_person[j].append(p)

    def removable(q: int, keep: int) -> bool:
        if q in fixed or inp.must[q] or inp.accepted[q]:
            return False
        return all(k == keep or count[k] > 1 for k in inp.pairs[q])

    active = inp.active()
    for k in sorted(range(inp.n_participants), key=lambda k: (len(by_person[k]), k)):
        if count[k] or not active[k] or inp.capacity[k] == 0:
            continue
        best: tuple[int, int, int, set[int]] | None = None
        for p in by_person[k]:
            if p in placed:
                continue
            j = inp.pairs[p][0] + inp.pairs[p][1] - k
            if inp.capacity[j] == 0:
                continue
            for s in inp.common_slots(p):
                if (k, s) in at:
                    continue
                victims: set[int] = set()
                if (j, s) in at:
                    victims.add(at[(j, s)])
                if count[j] - len(victims) >= inp.capacity[j]:
                    options = [q for q in mine[j] if q not in victims and removable(q, j)]
                    if not options:
                        continue
                    victims.add(min(options, key=lambda q: inp.weights[q]))
                if len(in_slot[s] - victims) >= inp.tables:
                    options = [q for q in in_slot[s] - victims if removable(q, -1)]
                    if not options:
                        continue
                    victims.add(min(options, key=lambda q: inp.weights[q]))
                if not all(removable(q, j) or (q in in_slot[s] and removable(q, -1)) for q in victims):
                    continue
                cost = sum(inp.weights[q] for q in victims) - inp.weights[p]
                if best is None or cost < best[0]:
                    best = (cost, p, s, victims)
        if best is not None:
            _cost, p, s, victims = best
            for q in victims:
                remove(q)
            add(p, s)
    board = _Board(inp)
    for p, s in placed.items():
        board.place(p, s)
    for p in _priority_order(inp):
        board.try_place(p)
    return sorted(board.placed.items())


@pytest.mark.parametrize("seed", range(40))
def test_coverage_repair_gives_the_schedule_it_always_gave(seed: int) -> None:
    inp = _random_input(seed, tables=2 + seed % 4)
    # The score-greedy schedule leaves people out; so does an empty one (every table free).
    for start in (greedy_assignment(inp), []):
        assert repair_coverage(inp, start) == _reference_repair(inp, start)
