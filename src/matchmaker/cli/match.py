"""``matchmaker match …``, ``matchmaker search cases …`` and ``matchmaker eval``.

With ``--json`` every query prints one line, ``MatchResponse.model_dump()``:
``{"query": "...", "results": [{"id": "...", "score": 0.0, "explanation": {...}, ...}, ...]}``.
``--city``, ``--provider`` and the search text may be repeated; the model and the indexes are
loaded once and the queries answered in turn. A query that fails (a name that matches nothing or
several records, an empty text) prints its ``error:`` line on standard error, the others are still
answered, and the command exits with that failure's code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matchmaker.cli.app import app, command_group
from matchmaker.cli.context import open_services
from matchmaker.cli.output import (
    QueryFailures,
    configure_logging,
    emit_json,
    fail,
    handled,
    new_table,
    stdout,
)
from matchmaker.db.models import Kind
from matchmaker.errors import InvalidInputError
from matchmaker.services.container import Services
from matchmaker.settings import DEFAULT_TOP
from matchmaker.wording import noun_for

if TYPE_CHECKING:
    from matchmaker.services.matching import Matcher, MatchResponse

match_app = command_group("match", "Suggest providers, cities and case studies, with reasons.")
search_app = command_group("search", "Free-text search.")

CityOpt = Annotated[
    list[str] | None, typer.Option("--city", help="City id or name; repeat for several queries.")
]
ProviderOpt = Annotated[
    list[str] | None, typer.Option("--provider", help="Provider id or name; repeat for several queries.")
]
TopOpt = Annotated[int, typer.Option("--top", min=1, help="At most this many results per query.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per query, one per line.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress on standard error.")]
#: One of the matcher's queries about a city: (matcher, city id, how many) → the ranked answer.
CityQuery = Callable[["Matcher", str, int], "MatchResponse"]


def _print(response: MatchResponse, as_json: bool, title: str) -> None:
    if as_json:
        emit_json(response.model_dump(mode="json"))
        return
    table = new_table(title=title)
    for column in ("#", "id", "name", "score", "why"):
        table.add_column(
            column,
            justify="right" if column in ("#", "score") else "left",
            overflow="fold",
            no_wrap=column in ("#", "id", "score"),  # an id is copied: it stays on one line
        )
    for i, r in enumerate(response.results, start=1):
        why = str(r.explanation.get("summary", ""))
        if r.relation:
            why = f"[{r.relation}] {why}"
        table.add_row(str(i), r.id, r.name or "", f"{r.score:.3f}", why)
    stdout.print(table)


def _targets(
    services: Services, values: list[str] | None, kind: Kind, option: str, failures: QueryFailures
) -> list[tuple[str, str] | None]:
    """The id each of ``values`` resolves to, with the name that titles its table, or ``None`` for a
    value that does not resolve (its message printed and counted in ``failures``)."""
    if not values:
        raise InvalidInputError(f"give at least one {option} ID")
    targets: list[tuple[str, str] | None] = []
    with services.database.unit_of_work() as session:
        records = services.records(session)
        for value in values:
            target = None
            with failures.caught():
                record_id = records.resolve_id(kind, value)
                target = (record_id, getattr(records.get(kind, record_id), "name", None) or record_id)
            targets.append(target)
    return targets


def _answer_each(
    values: list[str] | None,
    kind: Kind,
    option: str,
    ask: Callable[[Matcher, str], MatchResponse],
    *,
    as_json: bool,
    title: str,
) -> None:
    """Resolve each of ``values`` to a record of ``kind``, then print the matcher's answer for each under
    ``title`` (its ``{name}`` filled in). A name that does not resolve prints its message on standard
    error and the others are still answered; the command then exits as for that name alone. When no
    name resolves, the model is not loaded."""
    failures = QueryFailures()
    with open_services() as services:
        targets = _targets(services, values, kind, option, failures)
        found = [target for target in targets if target is not None]
        if found:
            matcher = services.matching.matcher()
            for record_id, name in found:
                with failures.caught():
                    _print(ask(matcher, record_id), as_json, title.format(name=name))
    failures.exit()


def _city_command(name: str, ask: CityQuery, *, title: str, description: str) -> None:
    """Add ``matchmaker match NAME --city …``: the matcher's answer to ``ask`` for each city, each under
    ``title`` (its ``{name}`` filled in), with ``description`` as the command's help."""

    def command(
        city: CityOpt = None, top: TopOpt = DEFAULT_TOP, as_json: JsonOpt = False, verbose: VerboseOpt = False
    ) -> None:
        configure_logging(verbose)
        _answer_each(
            city,
            "city",
            "--city",
            lambda matcher, city_id: ask(matcher, city_id, top),
            as_json=as_json,
            title=title,
        )

    command.__name__ = command.__qualname__ = f"match_{name}"
    command.__doc__ = description
    match_app.command(name)(handled(command))


_city_command(
    "providers",
    lambda matcher, city_id, top: matcher.providers_for_city(city_id, top=top),
    title="Providers for {name}",
    description="Providers whose capabilities answer a city's needs and fit its context.",
)


@match_app.command("cities")
@handled
def match_cities(
    city: CityOpt = None,
    provider: ProviderOpt = None,
    top: TopOpt = DEFAULT_TOP,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Comparable or mentor cities for a city (--city), or municipalities for a provider (--provider)."""
    configure_logging(verbose)
    if city and provider:
        raise InvalidInputError("give --city or --provider, not both")
    if not city and not provider:
        raise InvalidInputError("give --city ID or --provider ID")

    def ask(matcher: Matcher, record_id: str) -> MatchResponse:
        if provider:
            return matcher.cities_for_provider(record_id, top=top)
        return matcher.cities_for_city(record_id, top=top)

    if provider:
        _answer_each(provider, "provider", "--provider", ask, as_json=as_json, title="Cities for {name}")
    else:
        _answer_each(
            city, "city", "--city", ask, as_json=as_json, title="Comparable and mentor cities for {name}"
        )


_city_command(
    "cases",
    lambda matcher, city_id, top: matcher.cases_for_city(city_id, top=top),
    title="Case studies for {name}",
    description="Case studies useful to a city: the same problem, best if the same obstacle was overcome.",
)


@search_app.command("cases")
@handled
def search_cases(
    text: Annotated[list[str], typer.Argument(help="What to look for; several texts are answered in turn.")],
    top: TopOpt = DEFAULT_TOP,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Free-text search over the case studies, in any supported language."""
    configure_logging(verbose)
    failures = QueryFailures()
    with open_services() as services:
        matcher = services.matching.matcher()
        for query in text:
            with failures.caught():
                _print(matcher.search_cases(query, top=top), as_json, f"Case studies for “{query}”")
    failures.exit()


@app.command("eval")
@handled
def evaluate(  # noqa: PLR0917  Typer reads options from the parameters
    labels: Annotated[
        Path, typer.Option("--labels", help="Folder of <kind>.tsv judgements (and queries.tsv).")
    ] = Path("corpora/eval"),
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="city_provider, city_city, city_case or text_case; repeatable."),
    ] = None,
    split: Annotated[
        str,
        typer.Option(
            "--split", help="all, or only the queries of the tune or heldout half of the folder's split.tsv."
        ),
    ] = "all",
    by_language: Annotated[
        bool, typer.Option("--by-language", help="Also one row per query language.")
    ] = False,
    profiles: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            help="Scoring profile: base, dense, lexical, full, or -SIGNAL (full without it); repeatable.",
        ),
    ] = None,
    leave_one_out: Annotated[
        bool, typer.Option("--leave-one-out", help="Run full and full without each signal and adjuster.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """nDCG@10, recall@10 and MRR per query kind, for each scoring profile compared.

    By default: the base model used plainly (whole-text cosine), dense only, lexical only, full engine.
    """
    # The evaluation harness is loaded by this command only, not by every query command.
    from matchmaker.evaluation import MODES, QUERY_KINDS, SPLITS, markdown_table  # noqa: PLC0415
    from matchmaker.evaluation import evaluate as run  # noqa: PLC0415
    from matchmaker.matching.scoring import leave_one_out as scoring_leave_one_out  # noqa: PLC0415
    from matchmaker.matching.scoring import profile as scoring_profile  # noqa: PLC0415

    configure_logging(verbose)
    if not labels.is_dir():
        fail(f"{labels} is not a folder of judgement files", 2)
    kinds = kind or list(QUERY_KINDS)
    unknown = sorted(set(kinds) - set(QUERY_KINDS))
    if unknown:
        raise InvalidInputError(
            f"unknown query {noun_for(len(unknown), 'kind')}: {', '.join(unknown)};"
            f" use {', '.join(QUERY_KINDS)}"
        )
    half = next((s for s in SPLITS if s == split), None)
    if half is None:
        raise InvalidInputError(f"unknown split {split!r}; use {', '.join(SPLITS)}")
    names = list(profiles or MODES)
    if leave_one_out:
        names = ["full", *(n for n in scoring_leave_one_out() if n not in names)]
    configs = [scoring_profile(n) for n in names]
    with open_services() as services:
        matcher = services.matching.matcher()
        rows = run(
            matcher.engine(),
            labels,
            encoder=lambda: matcher.encoder,
            kinds=kinds,
            modes=configs,
            split=half,
            by_language=by_language,
        )
    if as_json:
        for row in rows:
            emit_json(row.to_dict())
        return
    typer.echo(markdown_table(rows))
    if half != "all":
        typer.echo(f"Split: the {half} half of {labels / 'split.tsv'} only.")
    typer.echo(f"Labels: {labels}. nDCG gain 2^grade - 1; recall@10 and MRR count grade >= 2 as relevant.")


__all__ = ["match_app", "search_app"]
