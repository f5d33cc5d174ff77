"""SQLModel families for the stored records.

Each record kind follows ``XBase`` → ``XCreate`` / ``XPublic`` → ``X(table=True)``:

- ``XBase`` holds the public fields and their validation.
- ``XCreate`` is what a corpus file or an API body gives; it may carry confidential fields.
- ``XPublic`` is what leaves the service to any role. It cannot carry a confidential field because
  none is declared on it, so a leak needs a deliberate change here.
- ``X`` is the table.

The city focal point is personal data; it lives in its own table (:class:`FocalPoint`) and only the
staff read model :class:`CityConfidential` carries it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import pycountry
from pydantic import AfterValidator, BeforeValidator, ConfigDict, EmailStr
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from matchmaker.db.languages import ISO_639_1
from matchmaker.validation import StrictTruthModel

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ID_RULE = (
    "1-128 characters of Latin letters (a-z, A-Z), digits, '.', '_' or '-', starting with a letter or digit"
)
NAME_MAX = 300
#: The longest note on an API user (who holds its token, who the person is).
LABEL_MAX = 200
TEXT_MAX = 20_000
SHORT_TEXT_MAX = 2_000
LIST_MAX = 100
POPULATION_MAX = 100_000_000


def _whole_number_text(value: object) -> object:
    """Text given for a whole number is digits alone: "47.000" is refused as "47,000" is, not read as
    47 (a point or a comma between digits is a decimal mark in some locales, a thousands separator in
    others), whether it comes from a CSV cell, a JSON string or a console form."""
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return value


#: A whole number that may be given as text of digits alone (see :func:`_whole_number_text`).
WholeNumber = Annotated[int | None, BeforeValidator(_whole_number_text)]
PROGRAMME_LEVELS = (1, 3)
YEARS = (1900, 2100)
WEBSITE_MAX = 500
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
_HOST = re.compile(r"^(?=.{1,253}$)[^\W_][\w-]*(?:\.[\w-]+)*$|^\[[0-9a-fA-F:.]+\]$")

CityKind = Literal["municipality", "metropolitan_municipality", "national_institution", "coordination_unit"]
ProviderKind = Literal["company", "startup", "university", "public_company", "ngo"]
Role = Literal["staff", "city", "provider"]

_EXTRA_COUNTRIES = {"XK"}  # Kosovo: user-assigned code in common use


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def check_id(value: str) -> str:
    """Validate a record id: no spaces, slashes or control characters."""
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        msg = f"id {value!r} is not valid: use {ID_RULE}"
        raise ValueError(msg)
    return value


#: Country codes and names people write that ISO 3166-1 reads otherwise or not at all, with the code
#: they mean: the EU's codes of the United Kingdom and Greece, and names the standard's list lacks.
_COUNTRIES_WRITTEN_OTHERWISE = {"UK": "GB", "EL": "GR", "TURKEY": "TR", "KOSOVO": "XK"}


def _country_meant(value: str) -> str | None:
    """The alpha-2 code of a country written as a name, an alpha-3 code or a code used outside the
    standard (``Albania``, ``ALB``, ``UK``), or None."""
    text = value.strip()
    if text.upper() in _COUNTRIES_WRITTEN_OTHERWISE:
        return _COUNTRIES_WRITTEN_OTHERWISE[text.upper()]
    if not text or text.isdigit():
        return None
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def check_country(value: str) -> str:
    """Validate an ISO 3166-1 alpha-2 code (``XK`` accepted for Kosovo); returns it upper-cased. A
    country written otherwise (``Albania``, ``ALB``, ``UK``) is refused with the code to give."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code in _EXTRA_COUNTRIES or (len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None):
        return code
    meant = _country_meant(value) if isinstance(value, str) else None
    hint = f"; give {meant}" if meant else " (XK is accepted for Kosovo)"
    msg = f"country {value!r} is not an ISO 3166-1 alpha-2 code{hint}"
    raise ValueError(msg)


def check_language(value: str) -> str:
    """Validate an ISO 639-1 language code; returns it lower-cased."""
    code = value.strip().lower() if isinstance(value, str) else ""
    if len(code) == 2 and code in ISO_639_1:
        return code
    msg = f"language {value!r} is not an ISO 639-1 code"
    raise ValueError(msg)


def check_text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    """Strip a text field and check its length."""
    text = value.strip()
    if required and not text:
        msg = f"{field} must not be empty"
        raise ValueError(msg)
    if len(text) > limit:
        msg = f"{field} is {len(text)} characters long; the limit is {limit}"
        raise ValueError(msg)
    return text


def check_str_list(values: list[str], field: str) -> list[str]:
    """Strip, drop empties and de-duplicate a list of short strings, keeping order."""
    if len(values) > LIST_MAX:
        msg = f"{field} has {len(values)} entries; the limit is {LIST_MAX}"
        raise ValueError(msg)
    out: list[str] = []
    for item in values:
        text = check_text(item, field, SHORT_TEXT_MAX)
        if text and text not in out:
            out.append(text)
    return out


def _checked_text(field: str, limit: int, *, required: bool = False) -> AfterValidator:
    """The validator of a text field (:func:`check_text`), named ``field`` in messages; a field that may
    be left out stays ``None``."""

    def check(value: str | None) -> str | None:
        return None if value is None else check_text(value, field, limit, required=required)

    return AfterValidator(check)


def check_website(value: str | None) -> str | None:
    """Validate a website: an ``http`` or ``https`` address with a host name, or none when left out or
    blank. A bare host name (``www.example.md``) is given ``https://``; any other scheme (``javascript:``,
    ``data:``, ``ftp:``) is refused, because the address is shown to every role as a link."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > WEBSITE_MAX:
        msg = f"website is {len(text)} characters long; the limit is {WEBSITE_MAX}"
        raise ValueError(msg)
    if "://" not in text and not _SCHEME.match(text):
        text = f"https://{text}"
    parts = urlsplit(text)
    host = parts.hostname or ""
    web = parts.scheme.lower() in ("http", "https")
    if not web or not _HOST.match(host) or any(c.isspace() for c in text):
        msg = f"website {value.strip()!r} is not a web address: give one such as https://www.example.com"
        raise ValueError(msg)
    return text


#: What separates languages typed in one entry ("tr, en", "tr en", "tr/en"): a code has none of these.
_LANGUAGE_SEPARATORS = re.compile(r"[\s,;/|]+")


def _check_languages(values: list[str]) -> list[str]:
    """ISO 639-1 codes, lower-cased, each once; an entry may hold several codes separated by commas,
    spaces, slashes or semicolons, as people type them in a form or a spreadsheet cell."""
    codes: list[str] = []
    for entry in check_str_list(values, "languages"):
        for part in _LANGUAGE_SEPARATORS.split(entry):
            code = check_language(part) if part else ""
            if code and code not in codes:
                codes.append(code)
    return codes


def _typed_country(value: object) -> object:
    """:func:`check_country` on a text; any other value is left to the type's own check."""
    return check_country(value) if isinstance(value, str) else value


def _check_optional_language(value: object) -> object:
    """A typed language checked before its length, so that a word ("Albanian") is refused as not a
    language code rather than as too long; a value that is not text is left to the type's own check."""
    if not isinstance(value, str):
        return value
    return None if not value.strip() else check_language(value)


# Field types that carry their validation, so each rule is written once and shared by every model that
# has such a field (record models here, event schemas in ``services.events``).

#: A record or event id (:func:`check_id`).
RecordIdStr = Annotated[str, AfterValidator(check_id)]
#: An ISO 3166-1 alpha-2 country code (:func:`check_country`), checked before its length so that a
#: name ("Albania") is refused as not a country code rather than as too long.
CountryCode = Annotated[str, BeforeValidator(_typed_country)]
#: An ISO 639-1 language code, or none when left out or blank.
OptionalLanguage = Annotated[str | None, BeforeValidator(_check_optional_language)]
#: ISO 639-1 language codes (:func:`check_str_list`, then :func:`check_language` on each).
LanguageList = Annotated[list[str], AfterValidator(_check_languages)]
#: A list of short strings (:func:`check_str_list`).
StrList = Annotated[list[str], AfterValidator(partial(check_str_list, field="list"))]
#: A provider's website (:func:`check_website`).
Website = Annotated[str | None, AfterValidator(check_website)]
#: A required name or title.
Name = Annotated[str, _checked_text("name", NAME_MAX, required=True)]


#: The largest id :func:`serial_id` can hold: its column is a 32-bit integer in PostgreSQL.
SERIAL_ID_MAX = 2**31 - 1


def serial_id() -> Any:
    """The field of an integer primary key that the database numbers as rows are added (1 to
    :data:`SERIAL_ID_MAX`)."""
    return Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))


#: The table options of a table whose integer ids people are shown and whose rows are deleted: SQLite
#: then never gives a deleted row's id to a new row (without AUTOINCREMENT it numbers a new row one
#: past the largest id left). PostgreSQL's sequences never reuse an id anyway.
NEVER_REUSED_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=JSON)


#: An ``extra`` key whose name starts with one of these (in any case) is marked internal: staff only.
#: A ``focal_point`` given where the model has none (a provider's, a case study's contact person) is
#: personal data, as a city's focal point is.
INTERNAL_PREFIXES = ("internal", "private", "confidential", "_", "focal_point")
#: Confidential values (contacts, internal fields) shorter than this are neither looked for in public
#: text nor redacted from it: they would match ordinary words.
MIN_CONFIDENTIAL_CHARS = 5


def is_internal_key(key: str) -> bool:
    """Whether an ``extra`` key is marked internal (staff only)."""
    return key.strip().lower().startswith(INTERNAL_PREFIXES)


class _StrictInput(SQLModel, StrictTruthModel):
    """A record as given by a user: a field it does not know is refused, not dropped, and true and
    false are kept apart from numbers and text (:class:`StrictTruthModel`)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class _StoredRecord(SQLModel):
    """The columns every record table has after its kind's own: the id, the extra fields of the corpus
    file, and when the row was created and last changed."""

    id: str = Field(primary_key=True, max_length=128)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------------------------------
# Cities


class CityBase(SQLModel):
    """Public fields of a city, municipality or institution."""

    name: Name = Field(max_length=NAME_MAX, index=True)
    country: CountryCode = Field(max_length=2, index=True)
    summary: Annotated[str, _checked_text("summary", TEXT_MAX, required=True)] = Field(sa_type=Text)
    kind: CityKind | None = Field(default=None, sa_type=String(40))
    population: WholeNumber = Field(default=None, ge=0, le=POPULATION_MAX)
    language: OptionalLanguage = Field(default=None, max_length=2)
    priorities: StrList = _json_list()
    challenges: StrList = _json_list()
    programme_level: WholeNumber = Field(default=None, ge=PROGRAMME_LEVELS[0], le=PROGRAMME_LEVELS[1])
    maturity: dict[str, Any] | str | None = Field(default=None, sa_type=JSON)


def check_named_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` as given, each of its values under a field with a name: one under an empty or blank
    key would be a field with no name, so it is refused, as a corpus file's is, not kept."""
    if any(not key.strip() for key in extra):
        raise ValueError("a value is given under a field with no name; name that field")
    return extra


#: The ``extra`` of an input: the fields a model does not know, each named (:func:`check_named_fields`).
ExtraFields = Annotated[dict[str, Any], AfterValidator(check_named_fields)]


class FocalPointIn(SQLModel):
    """Contact details of a city's focal point: personal data, staff only.

    Its ``extra`` holds the contact's fields this model does not know (a second phone, a postal
    address), kept as given: a corpus file's unknown keys are moved there (like a record's own), an
    API body names them under ``extra``, and a key it does not know otherwise is refused, not dropped.
    They are as confidential as the rest of the focal point.
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: str | None = Field(default=None, max_length=NAME_MAX)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=60)
    extra: ExtraFields = Field(default_factory=dict)


class CityCreate(CityBase, _StrictInput):
    """A city as given by a corpus file or an API body."""

    id: RecordIdStr
    focal_point: FocalPointIn | None = None
    extra: ExtraFields = Field(default_factory=dict)


class CityUpdate(_StrictInput):
    """A partial change to a city; fields left out stay as they are."""

    name: str | None = None
    country: str | None = None
    summary: str | None = None
    kind: CityKind | None = None
    population: WholeNumber = Field(default=None, ge=0, le=POPULATION_MAX)
    language: str | None = None
    priorities: list[str] | None = None
    challenges: list[str] | None = None
    programme_level: WholeNumber = Field(default=None, ge=PROGRAMME_LEVELS[0], le=PROGRAMME_LEVELS[1])
    maturity: dict[str, Any] | str | None = None
    focal_point: FocalPointIn | None = None


class CityPublic(CityBase):
    """A city as any role may see it."""

    id: str
    extra: dict[str, Any] = Field(default_factory=dict)


class CityConfidential(CityPublic):
    """A city with its focal point: for staff and for the city itself."""

    focal_point: FocalPointIn | None = None


class City(_StoredRecord, CityBase, table=True):
    """Table of cities."""

    __tablename__ = "city"


class FocalPoint(SQLModel, table=True):
    """Table of focal-point contacts, one per city; never joined into a public read model."""

    __tablename__ = "focal_point"

    city_id: str = Field(
        sa_column=Column(String(128), ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    )
    name: str | None = Field(default=None, max_length=NAME_MAX)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=60)
    #: The contact's fields :class:`FocalPointIn` does not know (``None`` in rows stored before it).
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSON)


# --------------------------------------------------------------------------------------------------
# Providers


class SolutionBase(SQLModel):
    """One offer of a provider, with where it was deployed."""

    title: Annotated[str, _checked_text("solution title", NAME_MAX, required=True)] = Field(
        max_length=NAME_MAX
    )
    description: Annotated[str, _checked_text("solution description", TEXT_MAX)] = Field(
        default="", sa_type=Text
    )
    domains: StrList = _json_list()
    deployed_in: StrList = _json_list()


def check_public_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` of something every role sees (a provider's solution): a key marked internal there
    would be shown to everyone, so it is refused, naming the key, instead of kept or dropped."""
    internal = [key for key in extra if is_internal_key(key)]
    if internal:
        named = ", ".join(repr(key) for key in internal)
        msg = (
            f"{named} {'is' if len(internal) == 1 else 'are'} marked internal (staff only), but a solution"
            " is public; give staff-only fields beside the provider's own fields, not inside a solution"
        )
        raise ValueError(msg)
    return extra


class SolutionIn(SolutionBase):
    """A solution as given in a corpus file or API body.

    Its ``extra`` holds the solution's fields this model does not know (a licence, a price band), kept
    as given: a corpus file's unknown keys are moved there (like a record's own), an API body names them
    under ``extra``, and a key it does not know otherwise is refused, not dropped. They are as public as
    the rest of the solution, so a key marked internal is refused there (:func:`check_public_extra`).
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    extra: Annotated[ExtraFields, AfterValidator(check_public_extra)] = Field(default_factory=dict)


class SolutionPublic(SolutionBase):
    """A solution as any role may see it, with its fields beyond the known ones (``extra``)."""

    extra: dict[str, Any] = Field(default_factory=dict)


class Solution(SolutionBase, table=True):
    """Table of provider solutions; ``deployed_in`` holds the reference deployments."""

    __tablename__ = "solution"
    __table_args__ = (UniqueConstraint("provider_id", "position"),)

    id: int | None = serial_id()
    provider_id: str = Field(
        sa_column=Column(String(128), ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    )
    position: int = 0
    #: The solution's fields :class:`SolutionIn` does not know (``None`` in rows stored before it).
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class ProviderBase(SQLModel):
    """Public fields of a solution or service provider."""

    name: Name = Field(max_length=NAME_MAX, index=True)
    country: CountryCode = Field(max_length=2, index=True)
    description: Annotated[str, _checked_text("description", TEXT_MAX, required=True)] = Field(sa_type=Text)
    kind: ProviderKind | None = Field(default=None, sa_type=String(40))
    languages: LanguageList = _json_list()
    regions_served: Annotated[list[str], AfterValidator(partial(check_str_list, field="regions_served"))] = (
        _json_list()
    )
    website: Website = Field(default=None, max_length=WEBSITE_MAX)


class ProviderCreate(ProviderBase, _StrictInput):
    """A provider as given by a corpus file or an API body."""

    id: RecordIdStr
    solutions: list[SolutionIn] = Field(default_factory=list, max_length=LIST_MAX)
    extra: ExtraFields = Field(default_factory=dict)


class ProviderUpdate(_StrictInput):
    """A partial change to a provider."""

    name: str | None = None
    country: str | None = None
    description: str | None = None
    kind: ProviderKind | None = None
    languages: list[str] | None = None
    regions_served: list[str] | None = None
    website: str | None = None
    solutions: list[SolutionIn] | None = None


class ProviderPublic(ProviderBase):
    """A provider as any role may see it."""

    id: str
    solutions: list[SolutionPublic] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class Provider(_StoredRecord, ProviderBase, table=True):
    """Table of providers."""

    __tablename__ = "provider"


# --------------------------------------------------------------------------------------------------
# Case studies


class CaseBase(SQLModel):
    """Public fields of a case study."""

    title: Annotated[str, _checked_text("title", NAME_MAX, required=True)] = Field(max_length=NAME_MAX)
    city: Annotated[str, _checked_text("city", NAME_MAX, required=True)] = Field(
        max_length=NAME_MAX, index=True
    )
    country: CountryCode = Field(max_length=2, index=True)
    text: Annotated[str, _checked_text("text", TEXT_MAX, required=True)] = Field(sa_type=Text)
    year: WholeNumber = Field(default=None, ge=YEARS[0], le=YEARS[1])
    domains: StrList = _json_list()
    obstacles: StrList = _json_list()
    stages: StrList = _json_list()
    funding: Annotated[str | None, _checked_text("funding", SHORT_TEXT_MAX)] = Field(
        default=None, sa_type=Text
    )
    outcomes: StrList = _json_list()
    providers: StrList = _json_list()
    source_url: str | None = Field(default=None, max_length=1000)


class CaseCreate(CaseBase, _StrictInput):
    """A case study as given by a corpus file or an API body."""

    id: RecordIdStr
    extra: ExtraFields = Field(default_factory=dict)


class CaseUpdate(_StrictInput):
    """A partial change to a case study."""

    title: str | None = None
    city: str | None = None
    country: str | None = None
    text: str | None = None
    year: WholeNumber = Field(default=None, ge=YEARS[0], le=YEARS[1])
    domains: list[str] | None = None
    obstacles: list[str] | None = None
    stages: list[str] | None = None
    funding: str | None = None
    outcomes: list[str] | None = None
    providers: list[str] | None = None
    source_url: str | None = None


class CasePublic(CaseBase):
    """A case study as any role may see it."""

    id: str
    extra: dict[str, Any] = Field(default_factory=dict)


class CaseStudy(_StoredRecord, CaseBase, table=True):
    """Table of case studies."""

    __tablename__ = "case_study"


# --------------------------------------------------------------------------------------------------
# The three record kinds: one home for the kind names and the record unions

#: A record kind: a city, a provider or a case study.
Kind = Literal["city", "provider", "case"]
KINDS: tuple[Kind, ...] = ("city", "provider", "case")
#: The plural words used in file names, CLI arguments and URLs.
PLURALS: dict[str, Kind] = {"cities": "city", "providers": "provider", "cases": "case"}
#: The plural word of each kind.
PLURAL_OF: dict[Kind, str] = {kind: plural for plural, kind in PLURALS.items()}
#: How a kind is called in messages.
KIND_WORDS: dict[Kind, str] = {"city": "city", "provider": "provider", "case": "case study"}
#: The field a record is known by when people name it (a lookup by name): a case study's is its title.
NAME_FIELDS: dict[Kind, Literal["name", "title"]] = {"city": "name", "provider": "name", "case": "title"}
#: A record as written (ingest, create): validated, with confidential fields.
RecordIn = CityCreate | ProviderCreate | CaseCreate
#: A record as read by anyone: public fields only.
PublicRecord = CityPublic | ProviderPublic | CasePublic
#: The partial change of a record (PATCH).
RecordUpdate = CityUpdate | ProviderUpdate | CaseUpdate
#: The model of a partial change, per kind.
UPDATE_MODELS: dict[Kind, type[RecordUpdate]] = {
    "city": CityUpdate,
    "provider": ProviderUpdate,
    "case": CaseUpdate,
}


# --------------------------------------------------------------------------------------------------
# Users and ingest runs


class ApiUser(SQLModel, table=True):
    """An API user: a role, the record it speaks for, and the hash of its bearer token."""

    __tablename__ = "api_user"

    id: int | None = serial_id()
    role: str = Field(max_length=20)
    subject_id: str | None = Field(default=None, max_length=128)
    label: str | None = Field(default=None, max_length=LABEL_MAX)
    token_hash: str = Field(max_length=128, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked: bool = False
    #: Where invitations and notifications for this user go (none for script-only users).
    email: str | None = Field(default=None, max_length=320)
    last_sign_in_at: datetime | None = None


class IngestRun(SQLModel, table=True):
    """One ingest: when, what was read, how many records were accepted and which were rejected."""

    __tablename__ = "ingest_run"

    id: int | None = serial_id()
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    source: str = Field(default="cli", max_length=40)
    files: list[str] = _json_list()
    accepted: int = 0
    rejected: int = 0
    rejections: list[str] = _json_list()
