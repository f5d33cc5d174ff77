"""Resolving ids and names typed by people to stored records.

Names are compared after :func:`normalize_name`: transliterated to ASCII (Kukës → kukes, İstanbul →
istanbul, Ош → osh), case-folded, punctuation dropped, and legal or administrative suffixes removed
(A.Ş., LLC, Belediyesi, Municipality, Opština, City Hall...). A query is tried as an id, then as a whole
name (also in the spelling that writes š, ş, č, ç, ž, đ as two letters, so ``Oš`` is ``Osh``,
without an apostrophe inside a word, so ``Oʻsh`` is ``Osh``, or as the words of an id), then as a whole
name as it sounds (:func:`sound_key`: the letters romanisations use for one sound written one way, so
``Худжанд`` (Khudzhand) and ``Xujand`` are Khujand, ``Гянджа`` (Gyandzha) and Azerbaijani ``Gəncə``
are Ganja, ``Кахул`` (Kakhul) is Cahul, ``Գյումրի`` is Gyumri), then word by word against the words of
each name and id (a word, the start of one, or a word a letter away: ``kosovo``, ``kosova`` and
``fushe kosove`` find Fushë Kosovë, id ``kosovo-polje``), then as a whole name with a typo or two, as
written or as it sounds, or, for a name of five letters and three consonants or more, with other vowels
between the same consonants (:func:`sound_skeleton`: Karakalpak ``Нөкис``, Nókis, is Nukus). A query
resolves only when exactly one record matches it best; a whole name resolves however short it is, but
one or two letters that are not a whole name never resolve alone, and names a sound apart (``Os`` and
``Osh``) stay apart. When several records match, :class:`~matchmaker.errors.AmbiguousNameError` lists
the candidates; when none does, :class:`~matchmaker.errors.NotFoundError` names the closest few, as
written or as they sound.

RapidFuzz is imported when a name is first compared fuzzily: resolving an id (``show city kukes``) does
not load it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from matchmaker.errors import AmbiguousNameError, NotFoundError

# Words that say what kind of body a name is, not which one. Compared after transliteration.
_NOISE_WORDS = frozenset(
    {
        # legal forms
        "a.s",
        "as",
        "anonim",
        "sirketi",
        "ltd",
        "sti",
        "limited",
        "llc",
        "l.l.c",
        "inc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "s.a",
        "sarl",
        "sas",
        "srl",
        "spa",
        "bv",
        "nv",
        "plc",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "too",
        "tov",
        "ooo",
        "oao",
        "zao",
        "llp",
        "doo",
        "d.o.o",
        "dooel",
        "shpk",
        "sh.p.k",
        "sh.a",
        "mchj",
        "kft",
        # administrative words
        "belediyesi",
        "belediye",
        "buyuksehir",
        "municipality",
        "municipal",
        "metropolitan",
        "council",
        "city",
        "hall",
        "town",
        "mairie",
        "commune",
        "comune",
        "opstina",
        "opcina",
        "obshtina",
        "obcina",
        "grad",
        "bashkia",
        "bashkise",
        "komuna",
        "hakimiyat",
        "akimat",
        "akimiyat",
        "administration",
        "meriya",
        "meria",
        "municipalite",
        "municipalidad",
        "shaary",
        "shahri",
        "shahar",
        "qalasy",
        "khural",
        "of",
        "the",
        "de",
        "la",
        "du",
        "des",
        "le",
    }
)
_CITY_HALL = re.compile(r"\bcity\s+hall\b")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Transliterate to lower-case ASCII, handling Turkish dotted and dotless i."""
    text = text.replace("İ", "I").replace("ı", "i")
    text = unicodedata.normalize("NFKC", text)
    return anyascii(text).casefold()


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """The comparable form of a name: ASCII, lower case, no punctuation, no legal or admin suffixes
    (kept for the names seen last: an engine compares every reference with every city's name)."""
    return _without_noise(fold(name), _is_noise)


def _is_noise(token: str) -> bool:
    return token in _NOISE_WORDS or token.replace(".", "") in _NOISE_WORDS


def _without_noise(folded: str, is_noise: Callable[[str], bool]) -> str:
    """A folded name without its suffix words and punctuation (all of it when it is nothing else)."""
    folded = _CITY_HALL.sub(" ", folded)
    # Keep dotted abbreviations together (a.s., d.o.o.) before stripping punctuation.
    tokens = [t.strip(".,;:()[]\"'") for t in folded.split()]
    text = _NON_ALNUM.sub(" ", " ".join(t for t in tokens if t and not is_noise(t))).strip()
    if not text:  # the name was nothing but suffix words: keep it whole
        text = _NON_ALNUM.sub(" ", folded).strip()
    return text


# Latin letters that other spellings of the same name write as two letters: Oš, Oş and Ош (osh) are
# one city, Žabalj and Жабаљ (zhabalj) one town. Transliteration drops the mark (oš → os); a name is
# also compared in this second spelling, so a short name written either way is still that whole name.
_DIGRAPHS = str.maketrans(
    {"š": "sh", "Š": "Sh", "ş": "sh", "Ş": "Sh", "ș": "sh", "Ș": "Sh", "č": "ch", "Č": "Ch", "ç": "ch",
     "Ç": "Ch", "ž": "zh", "Ž": "Zh", "đ": "dj", "Đ": "Dj"}
)  # fmt: skip


# An apostrophe inside a word is a letter mark in some spellings (Uzbek Oʻsh, Qoʻqon: O'sh, Qo'qon as
# typed) and is left out in others (Osh): a name is also compared without it. Names are written with
# many marks for it: every character that transliterates to an apostrophe or a backquote and is no
# letter with a case of its own (the modifier letters ʻ ʼ ʹ ʾ ʿ, the quotation marks ‘ ’ ‚ ‛, the
# primes, the grave and acute accents, the full-width apostrophe) is one, read alike everywhere.
_APOSTROPHES = (
    "\u0027\u0060\u00b4\u02b9\u02bb\u02bc\u02bd\u02be\u02bf\u02c0\u02c1\u02c8\u02ca\u02cb\u02ce\u02cf"
    "\u02d2\u02d3\u02e4\u02f4\u02f9\u02fa\u2018\u2019\u201a\u201b\u2032\u2035\ua717\ua718\ua770\uff07"
)
_INNER_APOSTROPHE = re.compile(rf"(?<=\w)[{_APOSTROPHES}](?=\w)")


def spellings(name: str) -> frozenset[str]:
    """The comparable forms of a name (:func:`normalize_name`): as transliterated, with the letters
    that other spellings write as two (š, ş, č, ç, ž, đ) written so (``Oš`` → ``os``, ``osh``), and
    without an apostrophe inside a word (``Oʻsh`` → ``osh``)."""
    digraphs = name.translate(_DIGRAPHS)
    joined = _INNER_APOSTROPHE.sub("", name)
    return frozenset({normalize_name(name), normalize_name(digraphs), normalize_name(joined)})


# Romanisations write one sound in different letters: Худжанд is Khujand in English, Khudzhand as
# Russian romanises it, Xujand in Uzbek; Кахул is Kakhul, and Cahul in Romanian. Before transliteration
# the letters whose sound it would lose are written out (š as sh, ţ as ts, ć and ћ as ch, ə as a), and
# soft and hard signs, no sound of their own, are left out; the rules then write each sound one way.
_SOUND_LETTERS = str.maketrans(
    {"š": "sh", "ş": "sh", "ș": "sh", "č": "ch", "ç": "ch", "ć": "ch", "ћ": "ch", "ž": "zh", "đ": "dj",
     "ţ": "ts", "ț": "ts", "ə": "a", "ә": "a", "ь": "", "ъ": ""}
)  # fmt: skip
_CONSONANT = "[b-df-hj-np-tv-xzšč]"
_VOWEL = "[aeiou]"
_SOUND_RULES = tuple(
    (re.compile(pattern), spelling)
    for pattern, spelling in (
        (rf"(?<={_VOWEL})j(?!{_VOWEL})", "y"),  # Džejhan, Jeyhan; Lajkovac, Лайковац (Laykovats)
        (r"dzh|dj|zh", "j"),  # Dzhalal-Abad, Jalal-Abad; Zhabalj, Žabalj; Đakovo, Djakovo
        (r"kh|x", "h"),  # Khujand, Xujand, Hujand
        (r"gh", "g"),  # Qaraghandy, Qaragandy
        (r"sh", "š"),  # Oš, Oş, Osh
        (r"ch", "č"),  # Čačak, Chachak; Turkish ç
        (r"c(?=[aou])|q", "k"),  # Cahul, Kahul; Samarqand, Samarkand
        (r"ts", "c"),  # Subotica, Subotitsa; Romanian ţ
        (rf"ow(?={_CONSONANT})|ou", "u"),  # Armenian ու as transliterated (Gyowmri), French ou (Sousse)
        (r"w", "v"),
        (rf"(?<={_CONSONANT})y(?={_VOWEL})", ""),  # Gyandzha, Ganja; Gyumri, Gumri
        (rf"y(?!{_VOWEL})", "i"),  # Nalaykh, Nalaikh; Naryn, Narin
        (r"(.)\1+", r"\1"),  # Ulaanbaatar, Ulanbatar
    )
)


# Azerbaijani and Turkish, and the Tatar, Crimean Tatar and Gagauz Latin alphabets, write the j sound c
# (Gəncə is Ganja, Cəlilabad Jalilabad). A word with a letter only these alphabets use (ə, dotless ı, ğ,
# dotted İ) has its c heard as j. Not ş or ç: Moldovan names written with ş (Cimişlia) read c as ch,
# Albanian ones with ç as ts. A word without such a letter keeps its c (Lumicity in Lumicity Aydınlatma).
_C_AS_J_WORD = re.compile(r"[^\s-]*[əƏıİğĞ][^\s-]*")
#: The countries whose alphabet writes the j sound c (Türkiye, Azerbaijan): the name of a record of one
#: of them is also heard with every c as j, whatever its letters (Ceyhan, Jeyhan), besides as written.
C_AS_J_COUNTRIES = frozenset({"TR", "AZ"})


# A c read as the j sound, as another romanisation spells that sound (dzh, so that no rule takes it for
# the j of other alphabets, the y sound); a c before h is the English ch (Mingachevir), no j.
_C_NOT_CH = re.compile(r"[cC](?![hH])")


def _c_as_j(word: re.Match[str] | str) -> str:
    text = word if isinstance(word, str) else word.group()
    return _C_NOT_CH.sub(lambda c: "dzh" if c.group() == "c" else "Dzh", text)


@lru_cache(maxsize=65536)
def sound_key(name: str, *, c_as_j: bool = False) -> str:
    """A name (:func:`normalize_name`) as it sounds, whatever script or romanisation wrote it.

    Each sound that romanisations spell differently is written one way: dzh, dj, zh, ǆ, j → j;
    kh, x, h → h; k, q and c before a, o, u → k; ts, ţ and other c → c; ch, č, ç, ć → č;
    sh, š, ş → š; w, v → v; ow before a consonant, ou, u → u; a y between a consonant and a vowel is
    left out, a y before no vowel is i, a letter written twice is written once, and ö, ø, ө, ü are o
    and u as transliteration writes them. ``Худжанд``, ``Khujand`` and ``Xujand`` are ``hujand``;
    ``Кахул`` and ``Cahul`` ``kahul``; ``Գյումրի`` and ``Gyumri`` ``gumri``; ``Oš``, ``Ош`` and
    ``Osh`` ``oš``, while ``Os`` stays ``os``: a sound written otherwise is the same name, one sound
    more or less another name. In a word spelled as Azerbaijani and Turkish spell (with ə, ı, ğ or İ)
    c is the j sound: ``Gəncə``, like ``Ganja`` and ``Гянджа``, is ``ganja``; with ``c_as_j`` every c
    is (:data:`C_AS_J_COUNTRIES`). A j after a vowel and before none is the y sound, as in the
    alphabets that write it so (``Džejhan`` and ``Jeyhan`` are ``jeihan``)."""
    joined = _INNER_APOSTROPHE.sub("", unicodedata.normalize("NFC", name))
    spelled = _c_as_j(joined) if c_as_j else _C_AS_J_WORD.sub(_c_as_j, joined)
    text = unicodedata.normalize("NFKC", spelled.replace("İ", "I").replace("ı", "i")).casefold()
    plain = frozenset(normalize_name(name).split())

    def is_noise(token: str) -> bool:  # a suffix word spelled out (Opština as opshtina) is one still
        return _is_noise(token) or (token not in plain and _is_noise(_UNSPELLED.sub(_unspell, token)))

    key = _without_noise(fold(text.translate(_SOUND_LETTERS)), is_noise)
    for pattern, spelling in _SOUND_RULES:
        key = pattern.sub(spelling, key)
    return key


# The two letters _SOUND_LETTERS writes for one, back to the one as transliteration writes it.
_UNSPELLED = re.compile(r"sh|ch|zh|dj|ts")


def _unspell(found: re.Match[str]) -> str:
    return found.group()[0]


#: A name's sound key needs this many letters, and this many of them consonants, before a name whose
#: key differs from it only in its vowels is taken for it (:func:`sound_skeleton`).
_SKELETON_LETTERS = 5
_SKELETON_CONSONANTS = 3
_VOWELS = re.compile(f"{_VOWEL}+")


@lru_cache(maxsize=65536)
def sound_skeleton(name: str) -> str | None:
    """The :func:`sound_key` of a name with each run of vowels written ``_``, or ``None`` for a name
    too short to be told by its consonants (fewer than five letters or three consonants).

    Neighbouring languages and their romanisations differ most in vowels: Karakalpak Нөкис (Nókis) is
    Nukus, Бухоро is Bukhara, Küləb and Kulyab are Kulob. A long enough name whose consonants are those
    of one record, in order and with vowels between the same ones, is taken for that record when
    nothing else is as close."""
    key = sound_key(name)
    letters = key.replace(" ", "")
    consonants = len(_VOWELS.sub("", letters))
    if len(letters) < _SKELETON_LETTERS or consonants < _SKELETON_CONSONANTS:
        return None
    return _VOWELS.sub("_", key)


def _id_form(record_id: str) -> str:
    """An id as a name would be typed: its words (``kosovo-polje`` → ``kosovo polje``)."""
    return _NON_ALNUM.sub(" ", fold(record_id)).strip()


@dataclass(frozen=True, slots=True)
class NameEntry:
    """A stored record as name resolution sees it."""

    id: str
    name: str
    country: str = ""


def entry_sound_keys(entry: NameEntry) -> frozenset[str]:
    """The ways a record's name sounds (:func:`sound_key`): as written, and for a record of a country
    whose alphabet writes the j sound c (:data:`C_AS_J_COUNTRIES`) with its c as j too."""
    keys = {sound_key(entry.name)}
    if entry.country in C_AS_J_COUNTRIES:
        keys.add(sound_key(entry.name, c_as_j=True))
    return frozenset(keys)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible resolution with its similarity (0-100)."""

    id: str
    name: str
    score: float


#: A best match at or above this similarity is accepted when it is clearly ahead of the next.
ACCEPT = 88.0
#: Candidates within this many points of the best make the query ambiguous.
MARGIN = 6.0
#: Below this similarity nothing is suggested.
SUGGEST = 60.0


def candidates(query: str, entries: Sequence[NameEntry], limit: int = 5) -> list[Candidate]:
    """The closest entries to ``query`` by normalised name or by :func:`sound_key`, best first; a name
    that differs from the query only in its vowels (:func:`sound_skeleton`) scores :data:`ACCEPT`."""
    target = normalize_name(query)
    if not target:
        return []
    from rapidfuzz import fuzz, process  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    ranked: dict[str, Candidate] = {}

    def offer(entry: NameEntry, value: float) -> None:
        if entry.id not in ranked or ranked[entry.id].score < value:
            ranked[entry.id] = Candidate(entry.id, entry.name, value)

    for form in (normalize_name, sound_key):
        choices = {i: form(e.name) for i, e in enumerate(entries)}
        found = process.extract(form(query), choices, scorer=fuzz.WRatio, limit=max(limit * 3, 10))
        for _choice, score, index in found:
            entry = entries[int(index)]
            # Prefer exact token equality over partial containment (Osh vs Oshkosh).
            offer(entry, 100.0 if normalize_name(entry.name) == target else float(score))
    skeleton = sound_skeleton(query)
    if skeleton is not None:
        for entry in entries:
            if sound_skeleton(entry.name) == skeleton:
                offer(entry, ACCEPT)
    return sorted(ranked.values(), key=lambda c: (-c.score, c.id))[:limit]


#: Whole-string similarity (0-100) at or above which a name counts as close to the query (typos).
CLOSE = 75.0
_MIN_PREFIX = 3


def close_to(target: str, name: str) -> bool:
    """Whether a normalised name is close to a normalised query, not merely sharing a few letters.

    Close means a whole-string or word-set similarity of at least :data:`CLOSE` (``kukse`` ~ ``kukes``,
    ``novi`` ~ ``novi pazar``), or every word of the query starting a word of the name
    (``prisht`` ~ ``prishtina``). Partial similarity alone (``atlantis`` ~ ``nis``) is not close.
    """
    if not target or not name:
        return False
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    if fuzz.ratio(target, name) >= CLOSE or fuzz.token_set_ratio(target, name) >= CLOSE:
        return True
    words = name.split()
    return all(
        len(part) >= _MIN_PREFIX and any(word.startswith(part) for word in words) for part in target.split()
    )


def _close(query: str, name: str) -> bool:
    """Whether a name is close to a query (:func:`close_to`) as written or as it sounds
    (:func:`sound_key`), or differs from it only in its vowels (:func:`sound_skeleton`)."""
    if close_to(normalize_name(query), normalize_name(name)) or close_to(sound_key(query), sound_key(name)):
        return True
    skeleton = sound_skeleton(query)
    return skeleton is not None and skeleton == sound_skeleton(name)


#: A word at least this similar (0-100) to a word of a name matches it despite a letter or so of
#: difference (``kosovo`` ~ ``kosove``, ``samarqand`` ~ ``samarkand``).
WORD_CLOSE = 80.0
#: At most this many candidates are listed when a query matches several records.
LISTED = 10
#: A name at least this similar (0-100) to a query that matched nothing is named as the closest.
HINT = 60.0

# How well one query word matches the words of a record, best first: the word itself or the start of
# one (``cyber`` is as close to Cyber Hygiene as to CyberShield), a word a letter or so away, or the
# start of one by a word shorter than _MIN_PREFIX (``ko``), which lists candidates but never resolves.
_WORD, _NEAR, _SHORT_PREFIX = 2, 1, 0


def _words(entry: NameEntry) -> frozenset[str]:
    """The words a record is known by: those of its normalised name and of its id."""
    id_words = _NON_ALNUM.sub(" ", fold(entry.id)).split()
    return frozenset(normalize_name(entry.name).split()) | frozenset(id_words)


def _word_level(word: str, words: frozenset[str]) -> int | None:
    """How well a query word matches the words of a record, or ``None`` when it matches none."""
    if word in words:
        return _WORD
    starts = any(w.startswith(word) for w in words)
    if len(word) < _MIN_PREFIX:
        return _SHORT_PREFIX if starts else None
    if starts:
        return _WORD
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    if any(len(w) >= _MIN_PREFIX and fuzz.ratio(word, w) >= WORD_CLOSE for w in words):
        return _NEAR
    return None


def word_matches(query: str, entries: Sequence[NameEntry]) -> list[tuple[int, NameEntry]]:
    """The entries every word of ``query`` matches a word of (name or id), each with its weakest
    word's level, best first."""
    target = normalize_name(query).split()
    if not target:
        return []
    found: list[tuple[int, NameEntry]] = []
    for entry in entries:
        words = _words(entry)
        levels = [_word_level(word, words) for word in target]
        if all(level is not None for level in levels):
            found.append((min(level for level in levels if level is not None), entry))
    return sorted(found, key=lambda m: (-m[0], normalize_name(m[1].name), m[1].id))


def _closest(query: str, entries: Sequence[NameEntry], limit: int = 3) -> str:
    """``; closest: id (name), ...`` for the few names most like a query that matched nothing, as
    written or as they sound (:func:`sound_key`: ``Khudzhand`` is nearer Kujang than Khuzdar), or ``""``."""
    target, sound = normalize_name(query), sound_key(query)
    if not target:
        return ""
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    def similarity(entry: NameEntry) -> float:
        written = fuzz.ratio(target, normalize_name(entry.name))
        return max(written, fuzz.ratio(sound, sound_key(entry.name))) if sound else written

    scored = sorted(((similarity(e), e) for e in entries), key=lambda s: (-s[0], s[1].id))
    near = [f"{e.id} ({e.name})" for score, e in scored[:limit] if score >= HINT]
    return f"; closest: {', '.join(near)}" if near else ""


def _ambiguous(query: str, found: Sequence[tuple[str, str]]) -> AmbiguousNameError:
    return AmbiguousNameError(query, found[:LISTED], more=max(len(found) - LISTED, 0))


def namesakes(name: str, entries: Sequence[NameEntry]) -> list[NameEntry]:
    """The entries whose name is ``name`` once normalised (:func:`normalize_name`: ``Kukës``,
    `` KUKES `` and ``Kukes Municipality`` are one name); a lookup by that name cannot tell them apart."""
    target = normalize_name(name)
    return [e for e in entries if normalize_name(e.name) == target]


def resolve(query: str, entries: Sequence[NameEntry], *, kind: str = "record") -> str:
    """Resolve an id or a name to one id, or raise with the candidates that were found."""
    query = query.strip()
    ids = {e.id for e in entries}
    if query in ids:
        return query
    lowered = {e.id.casefold(): e.id for e in entries}
    if query.casefold() in lowered:
        return lowered[query.casefold()]
    target = normalize_name(query)
    same = namesakes(query, entries)
    if len(same) == 1:
        return same[0].id
    if same:
        raise _ambiguous(query, [(e.id, e.name) for e in same])
    # The whole name in another spelling, or the id written as words: exact, so it wins over any start
    # of a longer name, however short it is.
    forms = spellings(query)
    alike = [e for e in entries if forms & (spellings(e.name) | {_id_form(e.id)})]
    key = sound_key(query)
    if not alike and key:  # the whole name as another romanisation writes it (Худжанд: Khujand)
        alike = [e for e in entries if key in entry_sound_keys(e) | {sound_key(_id_form(e.id))}]
    if len(alike) == 1:
        return alike[0].id
    if alike:
        raise _ambiguous(query, [(e.id, e.name) for e in alike])
    by_words = word_matches(query, entries)
    if by_words:
        leading = [e for level, e in by_words if level == by_words[0][0]]
        if len(leading) == 1 and by_words[0][0] > _SHORT_PREFIX:
            return leading[0].id
        raise _ambiguous(query, [(e.id, e.name) for e in leading])
    found = [c for c in candidates(query, entries) if _close(query, c.name)]
    if not found or found[0].score < SUGGEST:
        raise NotFoundError(f"no {kind} matches {query!r}{_closest(query, entries)}")
    best = found[0]
    close = [c for c in found if best.score - c.score < MARGIN and c.score >= SUGGEST]
    if len(target.replace(" ", "")) < _MIN_PREFIX:  # a letter or two like a name is not that name
        raise _ambiguous(query, [(c.id, c.name) for c in (close if len(close) > 1 else found[:3])])
    if best.score >= ACCEPT and len(close) == 1:
        return best.id
    if len(close) > 1 or best.score < ACCEPT:
        raise _ambiguous(query, [(c.id, c.name) for c in (close if len(close) > 1 else found[:3])])
    return best.id


def probable_duplicates(
    entries: Sequence[NameEntry], threshold: float = 94.0
) -> list[tuple[NameEntry, NameEntry]]:
    """Pairs of different ids in the same country whose names normalise to near-identical strings, as
    written or as they sound (:func:`sound_key`: ``Худжанд`` and ``Khujand``, ``Gyandzha`` and
    ``Ganja``). Names with other vowels between the same consonants (:func:`sound_skeleton`) are not
    paired: different towns are named so (Minden and Münden)."""
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    by_country: dict[str, list[tuple[NameEntry, str, str]]] = {}
    for entry in entries:
        by_country.setdefault(entry.country, []).append(
            (entry, normalize_name(entry.name), sound_key(entry.name))
        )
    pairs: list[tuple[NameEntry, NameEntry]] = []
    for group in by_country.values():
        for i, (left, left_norm, left_sound) in enumerate(group):
            for right, right_norm, right_sound in group[i + 1 :]:
                if left.id != right.id and (
                    fuzz.ratio(left_norm, right_norm) >= threshold
                    or (left_sound and right_sound and fuzz.ratio(left_sound, right_sound) >= threshold)
                ):
                    pairs.append((left, right))
    return pairs
