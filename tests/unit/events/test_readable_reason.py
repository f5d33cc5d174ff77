"""The one-line reason participants read in requests, agendas and exports."""

from __future__ import annotations

from matchmaker.services.matching import readable_reason


def _explanation(need: dict[str, str], match: dict[str, str]) -> dict[str, object]:
    return {"needs": [{"need": need, "match": match}], "shared_tags": []}


def test_a_quote_not_in_english_carries_its_english_gloss() -> None:
    line = readable_reason(
        _explanation(
            {
                "text": "Kırsal kesimdeki sokakların çoğunun resmî bir adı yok.",
                "gloss": "need — rural street name",
            },
            {"text": "Street addressing for small municipalities."},
        ),
        city="Kukës",
        other="Adresa Lab",
    )
    assert line == (
        "Kukës needs “Kırsal kesimdeki sokakların çoğunun resmî bir adı yok.” [en gloss: need — rural street"
        " name] ↔ Adresa Lab: “Street addressing for small municipalities.”"
    )


def test_english_quotes_stay_as_they_are() -> None:
    line = readable_reason(
        _explanation({"text": "Most streets have no names."}, {"text": "Street addressing."}),
        city="Kukës",
        other="Adresa Lab",
    )
    assert line == "Kukës needs “Most streets have no names.” ↔ Adresa Lab: “Street addressing.”"


def test_a_comparable_city_is_given_the_need_both_state_not_its_case_study() -> None:
    """The contacts page says mentors have a case study and comparable cities share needs; the reason
    of a comparable city that also has a case study quotes the shared need."""
    exp = {
        **_explanation({"text": "Waste trucks miss streets."}, {"text": "Our trucks follow fixed routes."}),
        "relation": "comparable",
        "mentor_case": {"title": "Route planning for waste collection"},
    }
    line = readable_reason(exp, city="Tepebaşı", other="Osh")
    assert (
        line
        == "Tepebaşı needs “Waste trucks miss streets.”, and so does Osh: “Our trucks follow fixed routes.”"
    )
    mentor = readable_reason({**exp, "relation": "mentor"}, city="Tepebaşı", other="Osh")
    assert mentor == "Osh has a case study on a similar problem: “Route planning for waste collection”"


def test_a_city_is_said_to_need_only_what_it_states_as_a_need() -> None:
    """The matcher's best passage may be a city's context (its IT department) rather than a need; the
    reason quotes a need when the explanation has one, and never calls context a need."""
    context = {"text": "The city administration has an IT department of four people.", "role": "context"}
    need = {"text": "The server was locked by ransomware last year.", "role": "need"}
    exp = {
        "needs": [
            {"need": context, "match": {"text": "Municipal transit card company."}},
            {"need": need, "match": {"text": "Offsite backups and staff training."}},
        ],
        "shared_tags": [],
    }
    line = readable_reason(exp, city="Bihać", other="SecureOps")
    assert line == (
        "Bihać needs “The server was locked by ransomware last year.” ↔ SecureOps: "
        "“Offsite backups and staff training.”"
    )


def test_without_a_stated_need_the_reason_names_shared_topics_or_nothing() -> None:
    exp = {
        "needs": [
            {
                "need": {"text": "Working languages Azerbaijani and Russian.", "role": "background"},
                "match": {"text": "Integration with national payment switches in Azerbaijan."},
            }
        ],
        "shared_tags": [{"label": "Mobility and transport"}],
    }
    line = readable_reason(exp, city="Sumqayit", other="KartLink")
    assert line == "Sumqayit and KartLink share: Mobility and transport"
    assert readable_reason({**exp, "shared_tags": []}, city="Sumqayit", other="KartLink") is None


def test_a_need_is_not_set_against_an_offer_that_shares_no_topic_with_it() -> None:
    """The closest passage of a fare-card company to a waste-collection need does not answer it: the
    reason quotes a need on a topic both share, or names the shared topics, or gives none."""
    waste = {
        "need": {"text": "Waste trucks run fixed routes; containers overflow.", "role": "need"},
        "match": {"text": "Contactless cards, QR and EMV on validators."},
        "tags": [],
    }
    buses = {
        "need": {"text": "Nobody knows when the bus comes.", "role": "need"},
        "match": {"text": "Fleet location and arrival prediction."},
        "tags": ["Mobility and transport"],
    }
    exp = {"needs": [waste, buses], "shared_tags": [{"label": "Mobility and transport"}]}
    assert readable_reason(exp, city="Cahul", other="KartLink") == (
        "Cahul needs “Nobody knows when the bus comes.” ↔ KartLink: “Fleet location and arrival prediction.”"
    )
    only_waste = {"needs": [waste], "shared_tags": []}
    assert readable_reason(only_waste, city="Cahul", other="KartLink") is None


def test_the_citys_situation_on_the_offers_topic_is_quoted_without_being_called_a_need() -> None:
    """Kukës writes that its lighting is old sodium lamps it cannot finance replacing; the matcher reads
    that as context, not a stated need. The reason sets it against the lighting offer instead of
    naming shared topics ('Kukës and Enerko share: Utilities…, People, health…, Energy…')."""
    lighting = {
        "need": {
            "text": "Public lighting is old sodium lamps on wooden poles; the municipality cannot finance a"
            " replacement itself.",
            "role": "context",
        },
        "match": {"text": "Lighting as a service"},
        "tags": ["Energy and buildings"],
    }
    streets = {
        "need": {"text": "Most rural streets have no official names.", "role": "need"},
        "match": {"text": "No investment needed from the municipality."},
        "tags": [],
    }
    exp = {"needs": [lighting, streets], "shared_tags": [{"label": "Utilities and urban infrastructure"}]}
    line = readable_reason(exp, city="Kukës", other="Enerko")
    assert line == (
        "Kukës: “Public lighting is old sodium lamps on wooden poles; the municipality cannot fi…”"
        " ↔ Enerko: “Lighting as a service”"
    )
    assert "needs" not in line
    # Funding alone, which most summaries name, does not make e-documents an answer to the lighting.
    e_documents = {
        **lighting,
        "match": {"text": "Primăria dorește documente electronice."},
        "tags": ["Funding"],
    }
    only_funding = {"needs": [e_documents], "shared_tags": [{"label": "Funding"}]}
    assert readable_reason(only_funding, city="Kukës", other="Cahul") == "Kukës and Cahul share: Funding"
    comparable = {**exp, "relation": "comparable"}
    comparable["needs"] = [{**lighting, "match": {"text": "Sokak lambaları eski.", "role": "need"}}]
    assert readable_reason(comparable, city="Kukës", other="Kars") == (
        "Kukës: “Public lighting is old sodium lamps on wooden poles; the municipality cannot fi…”"
        " ↔ Kars: “Sokak lambaları eski.”"
    )


def test_a_pathway_stage_both_name_is_no_reason_to_meet() -> None:
    """Only shared topics (domains, obstacles) make the fallback line, never a stage of the pathway."""
    stage = {"term": "assess", "kind": "stage", "label": "Assess the current situation"}
    procurement = {"term": "procurement", "kind": "obstacle", "label": "Procurement"}
    exp: dict[str, object] = {"needs": [], "shared_tags": [stage]}
    assert readable_reason(exp, city="Bihać", other="Niš") is None
    exp["shared_tags"] = [stage, procurement]
    assert readable_reason(exp, city="Bihać", other="Ganja") == "Bihać and Ganja share: Procurement"


def test_a_mentor_by_what_it_already_does_is_not_given_an_unrelated_case_study() -> None:
    """A city is a mentor because its summary says it already did what the other needs; the case
    study it also has scored lower and is on another problem. The reason participants read quoted
    that case study as "a similar problem" (a street-addressing case for a need of e-documents),
    where the staff's summary gives the strength."""
    need = {"text": "The municipality wants electronic documents and signatures.", "role": "need"}
    done = {"text": "In recent years the municipality digitised its registry and permits."}
    exp = {
        "relation": "mentor",
        "needs": [{"need": need, "match": {"text": "The city has 100,000 inhabitants."}}],
        "shared_tags": [],
        "mentor_case": {
            "id": "case-ferizaj-addresses",
            "title": "Ferizaj: giving every house an address",
            "score": 0.139,
        },
        "mentor_strength": {"need": need, "match": done, "score": 0.289},
    }
    line = readable_reason(exp, city="Cahul", other="Ferizaj")
    assert line == (
        "Cahul needs “The municipality wants electronic documents and signatures.” ↔ Ferizaj has done it:"
        " “In recent years the municipality digitised its registry and permits.”"
    )
    no_need = readable_reason(
        {**exp, "mentor_strength": {"need": None, "match": done, "score": 0.289}},
        city="Cahul",
        other="Ferizaj",
    )
    assert (
        no_need
        == "Ferizaj has done what Cahul needs: “In recent years the municipality digitised its registry and"
        " permits.”"
    )
    # When its case study scores higher, the case study is what makes it a mentor, and is named.
    by_case = readable_reason(
        {**exp, "mentor_case": {**exp["mentor_case"], "score": 0.4}}, city="Cahul", other="Ferizaj"
    )
    assert (
        by_case == "Ferizaj has a case study on a similar problem: “Ferizaj: giving every house an address”"
    )
