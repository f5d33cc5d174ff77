"""Matching: need-by-need hybrid retrieval, vocabulary and context scoring, mentors, explanations.

Modules (nothing is imported here, so ``matching.names`` stays cheap for commands that only resolve
names):

- :mod:`.engine`: the :class:`~matchmaker.matching.engine.Engine` (needs, evidence, the five queries);
- :mod:`.kinds`: what one kind of documents holds for matching (vectors, tags, roles, BM25) and the
  candidates the signals read;
- :mod:`.needs`: a query's needs (splitting, need weights);
- :mod:`.ranking`: results over arrays (rankings, scored candidates, relevance rows);
- :mod:`.signals`: the signals and their fusion, pure functions on arrays;
- :mod:`.scoring`: :class:`~matchmaker.matching.scoring.EngineConfig` and the scoring profiles of
  ``scoring_profiles.json`` (the service's ``full`` profile and the evaluation variants);
- :mod:`.profiles`: tags, city context and provider offer of each document;
- :mod:`.fit`: context factors (language, region, scale, budget, hosting, connectivity, climate,
  references; region and scale between cities);
- :mod:`.lexical`: BM25 over folded, prefix-stemmed words;
- :mod:`.glossary`: English glosses of non-English text;
- :mod:`.regions`: region groups and the region words of ``regions_served``;
- :mod:`.explain`: JSON explanations;
- :mod:`.names`: resolving ids and fuzzy names.

The use cases the CLI and the web API call live in :mod:`matchmaker.services.matching`; see
``docs/matching.md``.
"""
