"""Context fit: factors that adjust a score for how well a candidate fits the asking city's context.

Every factor is a multiplier near 1 with a reason. Factors adjust the order; they never remove a
candidate, so a provider that fails a check is still listed, lower, with the check named in its
explanation. The product of all factors is clamped to [:data:`FLOOR`, :data:`CEILING`].

City → provider (:func:`provider_fit`): language, region served, scale, budget model, hosting,
connectivity, climate and references in the city's region. City ↔ city (:func:`city_fit`): region
group and scale class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matchmaker.matching.profiles import Profile
from matchmaker.matching.regions import country_label, region_group, serves
from matchmaker.vocabulary import CityContext, Tag, languages_compatible, load_vocabulary
from matchmaker.vocabulary.language import language_label

FLOOR = 0.45
CEILING = 1.15

_SCALES = ("scale_small", "scale_medium", "scale_large", "scale_metro")


@dataclass(frozen=True, slots=True)
class FitWeights:
    """Multipliers applied when a check passes or fails (1.0 = no effect)."""

    language_miss: float = 0.9
    region_miss: float = 0.9
    scale_far: float = 0.925
    scale_near: float = 0.975
    budget_miss: float = 0.9
    budget_fit: float = 1.015
    hosting_miss: float = 0.9
    hosting_fit: float = 1.015
    connectivity_miss: float = 0.925
    connectivity_fit: float = 1.025
    climate_fit: float = 1.025
    climate_miss: float = 0.95
    reference_fit: float = 1.02
    city_region_miss: float = 0.85
    city_scale_far: float = 0.9


DEFAULT_FIT = FitWeights()


@dataclass(frozen=True, slots=True)
class Factor:
    """One context check: its name, its multiplier and why."""

    name: str
    multiplier: float
    detail: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; ``effect`` is the change of the score in percent."""
        return {
            "factor": self.name,
            "multiplier": round(self.multiplier, 3),
            "effect": f"{(self.multiplier - 1.0) * 100:+.0f}%",
            "detail": self.detail,
        }


def combine(factors: Sequence[Factor]) -> float:
    """Product of the multipliers, clamped to [FLOOR, CEILING]."""
    value = 1.0
    for f in factors:
        value *= f.multiplier
    return min(CEILING, max(FLOOR, value))


def _label(term_id: str) -> str:
    term = load_vocabulary().get(term_id)
    return term.label if term is not None else term_id


def _languages(codes: Sequence[str]) -> str:
    """Language codes as the names a reader knows, in order."""
    return ", ".join(language_label(code) for code in codes)


def _scale_rank(term_id: str | None) -> int | None:
    return _SCALES.index(term_id) if term_id in _SCALES else None


def _language(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
    """The provider works in one of the city's working languages."""
    if not (provider.languages and city.languages):
        return None
    shared = sorted(
        lang for lang in city.languages if any(languages_compatible(lang, p) for p in provider.languages)
    )
    if shared:
        return Factor("language", 1.0, f"works in {_languages(shared)}")
    return Factor(
        "language",
        w.language_miss,
        f"city works in {_languages(sorted(city.languages))}; provider offers "
        f"{_languages(sorted(provider.languages))}",
    )


def _region(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
    """The provider serves the city's country."""
    covered = serves(provider.regions_served, city.country)
    if covered is True:
        return Factor("region", 1.0, f"serves {country_label(city.country)}")
    if covered is False:
        return Factor(
            "region",
            w.region_miss,
            f"serves {', '.join(country_label(r) for r in provider.regions_served)}, "
            f"not {country_label(city.country)}",
        )
    return None


def _scale(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
    """The city's size class against the sizes the provider has served."""
    ctx, offer = city.city, provider.offer
    if ctx is None or offer is None or ctx.scale is None:
        return None
    city_rank = _scale_rank(ctx.scale.term_id)
    served = sorted(r for r in (_scale_rank(s) for s in offer.scale_ids) if r is not None)
    if city_rank is None or not served:
        return None
    gap = min(abs(city_rank - r) for r in served)
    served_labels = ", ".join(_label(_SCALES[r]) for r in served)
    if gap == 0:
        return Factor("scale", 1.0, f"has served {_label(ctx.scale.term_id)} places")
    multiplier = w.scale_near if gap == 1 else w.scale_far
    return Factor("scale", multiplier, f"city is {_label(ctx.scale.term_id)}; served {served_labels}")


def _budget(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
    """A business model the city's budget situation accepts."""
    ctx, offer = city.city, provider.offer
    if ctx is None or offer is None or not (ctx.budget and offer.business_model_ids):
        return None
    fits = sorted(offer.business_model_ids & ctx.acceptable_business_models)
    budget = ", ".join(_label(t.term_id) for t in ctx.budget)
    if fits:
        return Factor("budget", w.budget_fit, f"{budget}: offers {', '.join(_label(f) for f in fits)}")
    offered = ", ".join(_label(b) for b in sorted(offer.business_model_ids))
    return Factor("budget", w.budget_miss, f"{budget}: offers only {offered}")


def _climate(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
    """An offer proven in the city's climate."""
    ctx, offer = city.city, provider.offer
    if ctx is None or offer is None:
        return None
    city_climates = {t.term_id for t in ctx.climate}
    offer_climates = {t.term_id for t in offer.climate}
    if not (city_climates and offer_climates):
        return None
    both = sorted(city_climates & offer_climates)
    if both:
        return Factor("climate", w.climate_fit, f"proven in {', '.join(_label(c) for c in both)}")
    if "climate_extreme_cold" in city_climates or "climate_extreme_heat" in city_climates:
        return Factor(
            "climate",
            w.climate_miss,
            f"city: {', '.join(_label(c) for c in sorted(city_climates))}; provider proven in "
            f"{', '.join(_label(c) for c in sorted(offer_climates))}",
        )
    return None


def _ids(tags: Sequence[Tag]) -> frozenset[str]:
    return frozenset(t.term_id for t in tags)


@dataclass(frozen=True, slots=True)
class Check:
    """One context check of a provider against a city, and what it reads on each side: two
    profiles whose keys are equal get the same factor (so checks can be tabulated per class)."""

    name: str
    factor: Callable[[Profile, Profile, FitWeights], Factor | None]
    city_key: Callable[[Profile], Hashable]
    provider_key: Callable[[Profile], Hashable]
    #: Whether the keys depend on the profile alone, so a profile's keys can be kept for the next
    #: table (a check reading other records, such as references, says no).
    keys_of_profile: bool = True


def _requirement(
    name: str,
    need: str,
    *,
    required: Callable[[CityContext], bool],
    offer: Callable[[Profile], tuple[bool, bool] | None],
    reasons: tuple[str, str],
    weights: Callable[[FitWeights], tuple[float, float]],
) -> Check:
    """The check of a requirement of the city's context (``required``; ``need`` begins its reasons)
    that the provider's offer meets, plainly fails or says nothing of: ``offer`` reads whether it
    meets it and whether it fails it (``None`` without an offer), ``reasons`` and ``weights`` are
    those of a met and of a failed requirement. The factor reads the two keys alone."""

    def city_key(c: Profile) -> bool | None:
        return required(c.city) if c.city else None

    def factor(city: Profile, provider: Profile, w: FitWeights) -> Factor | None:
        outcome = offer(provider)
        if not city_key(city) or outcome is None:
            return None
        for holds, multiplier, reason in zip(outcome, weights(w), reasons, strict=True):
            if holds:
                return Factor(name, multiplier, f"{need}; {reason}")
        return None

    return Check(name, factor, city_key, offer)


#: Data that must stay on premises rules out cloud-only offers.
_HOSTING = _requirement(
    "hosting",
    "data must stay on premises",
    required=lambda ctx: ctx.on_premises_required,
    offer=lambda p: (p.offer.offers_on_premises, p.offer.cloud_hosted) if p.offer else None,
    reasons=("offers on-premises hosting", "the offer is cloud-hosted"),
    weights=lambda w: (w.hosting_fit, w.hosting_miss),
)

#: Poor connectivity wants an offer that works offline.
_CONNECTIVITY = _requirement(
    "connectivity",
    "poor connectivity",
    required=lambda ctx: ctx.poor_connectivity,
    offer=lambda p: (p.offer.offline_capable, p.needs_connection) if p.offer else None,
    reasons=("works offline or low-bandwidth", "needs a stable connection"),
    weights=lambda w: (w.connectivity_fit, w.connectivity_miss),
)


#: The city → provider checks, in the order their factors are listed.
PROVIDER_CHECKS: tuple[Check, ...] = (
    Check("language", _language, lambda c: c.languages, lambda p: p.languages),
    Check("region", _region, lambda c: c.country, lambda p: p.regions_served),
    Check(
        "scale",
        _scale,
        lambda c: c.city.scale.term_id if c.city and c.city.scale else None,
        lambda p: p.offer.scale_ids if p.offer else None,
    ),
    Check(
        "budget",
        _budget,
        lambda c: (
            (tuple(t.term_id for t in c.city.budget), c.city.acceptable_business_models) if c.city else None
        ),
        lambda p: p.offer.business_model_ids if p.offer else None,
    ),
    _HOSTING,
    _CONNECTIVITY,
    Check(
        "climate",
        _climate,
        lambda c: _ids(c.city.climate) if c.city else None,
        lambda p: _ids(p.offer.climate) if p.offer else None,
    ),
)


def provider_fit(city: Profile, provider: Profile, w: FitWeights = DEFAULT_FIT) -> list[Factor]:
    """Context checks of a provider against a city (see the module docstring)."""
    return [f for check in PROVIDER_CHECKS if (f := check.factor(city, provider, w)) is not None]


def reference_factor(
    city: Profile, reference_countries: Sequence[str], w: FitWeights = DEFAULT_FIT
) -> Factor | None:
    """A small bonus when the provider has references in the city's country or region group."""
    group = region_group(city.country)
    near = sorted(
        {c for c in reference_countries if c == city.country or (group and region_group(c) == group)}
    )
    if not near:
        return None
    return Factor("references", w.reference_fit, f"references in {', '.join(country_label(c) for c in near)}")


def _city_region(a: Profile, b: Profile, w: FitWeights) -> Factor | None:
    """Two cities in the same region group."""
    ga, gb = region_group(a.country), region_group(b.country)
    if ga is not None and ga == gb:
        return Factor("region", 1.0, f"both in {ga.replace('_', ' ')}")
    return Factor(
        "region",
        w.city_region_miss,
        f"{country_label(a.country)} and {country_label(b.country)} are in different regions",
    )


def _city_scale_rank(p: Profile) -> int | None:
    return _scale_rank(p.city.scale.term_id if p.city and p.city.scale else None)


def _city_scale(a: Profile, b: Profile, w: FitWeights) -> Factor | None:
    """Two cities of neighbouring scale classes."""
    sa, sb = _city_scale_rank(a), _city_scale_rank(b)
    if sa is None or sb is None:
        return None
    multiplier = 1.0 if abs(sa - sb) <= 1 else w.city_scale_far
    return Factor("scale", multiplier, f"{_label(_SCALES[sa])} and {_label(_SCALES[sb])}")


#: The city ↔ city checks, in the order their factors are listed.
CITY_CHECKS: tuple[Check, ...] = (
    Check(
        "region",
        _city_region,
        lambda a: (a.country, region_group(a.country)),
        lambda b: (b.country, region_group(b.country)),
    ),
    Check("scale", _city_scale, _city_scale_rank, _city_scale_rank),
)


def city_fit(a: Profile, b: Profile, w: FitWeights = DEFAULT_FIT) -> list[Factor]:
    """Context similarity of two cities: the same region group, neighbouring scale classes."""
    return [f for check in CITY_CHECKS if (f := check.factor(a, b, w)) is not None]


class FitTable:
    """Context fit of every query document (cities) against every candidate as arrays.

    Each check's factor depends only on its keys, so it is computed once per pair of key classes
    (a handful of languages, countries and scale classes, not every pair of documents). A pair's
    multiplier is the product of its checks' multipliers, clamped as :func:`combine` clamps, and
    equal to it: the same float products in the same order. ``memo`` keeps the multiplier of each
    check per pair of keys from one table to the next (an engine hands it to its successor).

    :meth:`factors` gives one pair's factors, as :func:`provider_fit` and :func:`city_fit` list them,
    each check's factor made the first time a pair of its classes is asked for and kept with the
    table (at most one per pair of classes, the size of the multiplier tables): the candidates a page
    shows for hundreds of cities share a few classes, so their reasons are not written again.
    """

    def __init__(
        self,
        checks: Sequence[Check],
        queries: Sequence[Profile],
        candidates: Sequence[Profile],
        w: FitWeights = DEFAULT_FIT,
        *,
        memo: dict[tuple[str, Hashable, Hashable, FitWeights], float] | None = None,
        previous: FitTable | None = None,
    ) -> None:
        self._query_class: list[npt.NDArray[np.int64]] = []
        self._candidate_class: list[npt.NDArray[np.int64]] = []
        self._tables: list[npt.NDArray[np.float64]] = []
        self._queries, self._candidates = queries, candidates
        #: Per check (by name): the classes and representatives of each side, for the next table.
        self._sides: dict[str, tuple[_Side, _Side]] = {}
        self._checks = tuple(checks)
        self._w = w
        #: Per check: one representative profile per class of each side, and the factors made so
        #: far per pair of classes (``None`` where the check does not apply).
        self._reps: list[tuple[list[Profile], list[Profile]]] = []
        self._factors: list[dict[tuple[int, int], Factor | None]] = [{} for _ in self._checks]
        q_pos = (
            _positions(previous._queries)
            if previous is not None and previous._queries is not queries
            else None
        )
        c_pos = (
            _positions(previous._candidates)
            if previous is not None and previous._candidates is not candidates
            else None
        )
        for check in checks:
            before = (
                previous._sides.get(check.name) if previous is not None and check.keys_of_profile else None
            )
            if before is None or previous is None:
                q_class, q_reps = _classes(queries, check.city_key)
                c_class, c_reps = _classes(candidates, check.provider_key)
            else:
                # A side of the very same profiles keeps its classes; a changed side computes the keys
                # of its new profiles only (an unchanged profile's key is its old class's).
                q_class, q_reps = (
                    before[0]
                    if q_pos is None
                    else _classes(queries, check.city_key, (previous._queries, q_pos, *before[0]))
                )
                c_class, c_reps = (
                    before[1]
                    if c_pos is None
                    else _classes(candidates, check.provider_key, (previous._candidates, c_pos, *before[1]))
                )
            self._sides[check.name] = ((q_class, q_reps), (c_class, c_reps))
            self._reps.append((q_reps, c_reps))
            table = np.ones((len(q_reps), len(c_reps)), dtype=np.float64)
            c_keys = [check.provider_key(c) for c in c_reps]
            for a, q in enumerate(q_reps):
                q_key = check.city_key(q)
                for b, c in enumerate(c_reps):
                    key = (check.name, q_key, c_keys[b], w)
                    value = memo.get(key) if memo is not None else None
                    if value is None:
                        factor = check.factor(q, c, w)
                        value = 1.0 if factor is None else factor.multiplier
                        if memo is not None:
                            memo[key] = value
                    table[a, b] = value
            self._query_class.append(q_class)
            self._candidate_class.append(c_class)
            self._tables.append(table)
        self.candidates = len(candidates)

    def row(self, i: int) -> npt.NDArray[np.float64]:
        """Multipliers of every candidate for query document ``i``."""
        out = np.ones(self.candidates, dtype=np.float64)
        for q_class, c_class, table in zip(
            self._query_class, self._candidate_class, self._tables, strict=True
        ):
            out *= table[q_class[i], c_class]
        return np.clip(out, FLOOR, CEILING)

    def factors(self, i: int, j: int) -> list[Factor]:
        """The factors of query document ``i`` and candidate ``j``: those :func:`provider_fit` (then
        the other checks of the table, such as references) or :func:`city_fit` give the two
        profiles, in the order of the checks. Two profiles with the keys of a check's classes get
        its factor, so each is made once per pair of classes (from their representatives) and the
        same :class:`Factor` is handed out again; the list is new on each call."""
        out: list[Factor] = []
        for k, check in enumerate(self._checks):
            key = (int(self._query_class[k][i]), int(self._candidate_class[k][j]))
            made = self._factors[k]
            if key in made:
                factor = made[key]
            else:
                q_reps, c_reps = self._reps[k]
                # Two threads may make the same factor at once: equal values, either is kept.
                factor = made[key] = check.factor(q_reps[key[0]], c_reps[key[1]], self._w)
            if factor is not None:
                out.append(factor)
        return out

    def column(self, j: int) -> npt.NDArray[np.float64]:
        """Multipliers of candidate ``j`` for every query document."""
        out = np.ones(len(self._query_class[0]) if self._query_class else 0, dtype=np.float64)
        for q_class, c_class, table in zip(
            self._query_class, self._candidate_class, self._tables, strict=True
        ):
            out *= table[q_class, c_class[j]]
        return np.clip(out, FLOOR, CEILING)


#: One side of a check: each profile's class and one representative profile per class.
_Side = tuple[npt.NDArray[np.int64], list[Profile]]


def _positions(profiles: Sequence[Profile]) -> dict[int, int]:
    """Each profile's position, by the profile's identity."""
    return {id(p): j for j, p in enumerate(profiles)}


def _classes(
    profiles: Sequence[Profile],
    key: Callable[[Profile], Hashable],
    before: tuple[Sequence[Profile], dict[int, int], npt.NDArray[np.int64], list[Profile]] | None = None,
) -> _Side:
    """Each profile's class (profiles with equal keys share one) and one representative per class.

    With ``before`` (the profiles of the table replaced, their positions, classes and
    representatives), a profile that was there keeps its old class's key; only the others' keys are
    computed."""
    ids: dict[Hashable, int] = {}
    reps: list[Profile] = []
    out = np.empty(len(profiles), dtype=np.int64)
    old_keys = [key(r) for r in before[3]] if before is not None else []
    for i, p in enumerate(profiles):
        j = before[1].get(id(p), -1) if before is not None else -1
        k = old_keys[int(before[2][j])] if before is not None and j >= 0 and before[0][j] is p else key(p)
        c = ids.get(k)
        if c is None:
            c = ids[k] = len(reps)
            reps.append(p)
        out[i] = c
    return out, reps


__all__ = [
    "CEILING",
    "CITY_CHECKS",
    "DEFAULT_FIT",
    "FLOOR",
    "PROVIDER_CHECKS",
    "Check",
    "Factor",
    "FitTable",
    "FitWeights",
    "city_fit",
    "combine",
    "provider_fit",
    "reference_factor",
]
