"""Context fit: factors that adjust a score for how well a candidate fits the asking city's context.

Every factor is a multiplier near 1 with a reason. Factors adjust the order; they never remove a
candidate, so a provider that fails a check is still listed, lower, with the check named in its
explanation. The product of all factors is clamped to [:data:`FLOOR`, :data:`CEILING`].

City → provider (:func:`provider_fit`): language, region served, scale, budget model, hosting,
connectivity, climate and references in the city's region. City ↔ city (:func:`city_fit`): region
group and scale class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matchmaker.matching.profiles import Profile
from matchmaker.matching.regions import region_group, serves
from matchmaker.vocabulary import languages_compatible, load_vocabulary

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


def _scale_rank(term_id: str | None) -> int | None:
    return _SCALES.index(term_id) if term_id in _SCALES else None


def provider_fit(city: Profile, provider: Profile, w: FitWeights = DEFAULT_FIT) -> list[Factor]:
    """Context checks of a provider against a city (see the module docstring)."""
    out: list[Factor] = []
    ctx, offer = city.city, provider.offer
    # Language: the provider works in one of the city's working languages.
    if provider.languages and city.languages:
        shared = sorted(
            lang for lang in city.languages if any(languages_compatible(lang, p) for p in provider.languages)
        )
        if shared:
            out.append(Factor("language", 1.0, f"works in {', '.join(shared)}"))
        else:
            out.append(
                Factor(
                    "language",
                    w.language_miss,
                    f"city works in {', '.join(sorted(city.languages))}; provider offers "
                    f"{', '.join(sorted(provider.languages))}",
                )
            )
    # Region served.
    covered = serves(provider.regions_served, city.country)
    if covered is True:
        out.append(Factor("region", 1.0, f"serves {city.country}"))
    elif covered is False:
        out.append(
            Factor(
                "region", w.region_miss, f"serves {', '.join(provider.regions_served)}, not {city.country}"
            )
        )
    if ctx is None or offer is None:
        return out
    # Scale: the city's size class against the sizes the provider has served.
    city_rank = _scale_rank(ctx.scale.term_id if ctx.scale else None)
    served = sorted(r for r in (_scale_rank(s) for s in offer.scale_ids) if r is not None)
    if city_rank is not None and served and ctx.scale is not None:
        gap = min(abs(city_rank - r) for r in served)
        served_labels = ", ".join(_label(_SCALES[r]) for r in served)
        if gap == 0:
            out.append(Factor("scale", 1.0, f"has served {_label(ctx.scale.term_id)} places"))
        elif gap == 1:
            out.append(
                Factor("scale", w.scale_near, f"city is {_label(ctx.scale.term_id)}; served {served_labels}")
            )
        else:
            out.append(
                Factor("scale", w.scale_far, f"city is {_label(ctx.scale.term_id)}; served {served_labels}")
            )
    # Budget model.
    if ctx.budget and offer.business_model_ids:
        fits = sorted(offer.business_model_ids & ctx.acceptable_business_models)
        budget = ", ".join(_label(t.term_id) for t in ctx.budget)
        if fits:
            out.append(
                Factor("budget", w.budget_fit, f"{budget}: offers {', '.join(_label(f) for f in fits)}")
            )
        else:
            offered = ", ".join(_label(b) for b in sorted(offer.business_model_ids))
            out.append(Factor("budget", w.budget_miss, f"{budget}: offers only {offered}"))
    # Hosting: data that must stay on premises rules out cloud-only offers.
    if ctx.on_premises_required:
        if offer.offers_on_premises:
            out.append(
                Factor("hosting", w.hosting_fit, "data must stay on premises; offers on-premises hosting")
            )
        elif any(t.term_id == "hosting_cloud" for t in offer.hosting):
            out.append(
                Factor("hosting", w.hosting_miss, "data must stay on premises; the offer is cloud-hosted")
            )
    # Connectivity.
    if ctx.poor_connectivity:
        if offer.offline_capable:
            out.append(
                Factor(
                    "connectivity", w.connectivity_fit, "poor connectivity; works offline or low-bandwidth"
                )
            )
        elif provider.needs_connection:
            out.append(
                Factor("connectivity", w.connectivity_miss, "poor connectivity; needs a stable connection")
            )
    # Climate.
    city_climates = {t.term_id for t in ctx.climate}
    offer_climates = {t.term_id for t in offer.climate}
    if city_climates and offer_climates:
        both = sorted(city_climates & offer_climates)
        if both:
            out.append(Factor("climate", w.climate_fit, f"proven in {', '.join(_label(c) for c in both)}"))
        elif "climate_extreme_cold" in city_climates or "climate_extreme_heat" in city_climates:
            out.append(
                Factor(
                    "climate",
                    w.climate_miss,
                    f"city: {', '.join(_label(c) for c in sorted(city_climates))}; provider proven in "
                    f"{', '.join(_label(c) for c in sorted(offer_climates))}",
                )
            )
    return out


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
    return Factor("references", w.reference_fit, f"references in {', '.join(near)}")


def city_fit(a: Profile, b: Profile, w: FitWeights = DEFAULT_FIT) -> list[Factor]:
    """Context similarity of two cities: the same region group, neighbouring scale classes."""
    out: list[Factor] = []
    ga, gb = region_group(a.country), region_group(b.country)
    if ga is not None and ga == gb:
        out.append(Factor("region", 1.0, f"both in {ga.replace('_', ' ')}"))
    else:
        out.append(
            Factor("region", w.city_region_miss, f"{a.country} and {b.country} are in different regions")
        )
    sa = _scale_rank(a.city.scale.term_id if a.city and a.city.scale else None)
    sb = _scale_rank(b.city.scale.term_id if b.city and b.city.scale else None)
    if sa is not None and sb is not None:
        if abs(sa - sb) <= 1:
            out.append(Factor("scale", 1.0, f"{_label(_SCALES[sa])} and {_label(_SCALES[sb])}"))
        else:
            out.append(Factor("scale", w.city_scale_far, f"{_label(_SCALES[sa])} and {_label(_SCALES[sb])}"))
    return out


__all__ = [
    "CEILING",
    "DEFAULT_FIT",
    "FLOOR",
    "Factor",
    "FitWeights",
    "city_fit",
    "combine",
    "provider_fit",
    "reference_factor",
]
