"""The ISO 639-1 language codes, as a set that costs nothing to load.

They are the two-letter codes of pycountry's ISO 639-3 table. Reading that table loads and indexes
every one of its 7,900 languages, which cost a command that reads a few cities (``matchmaker list
cities``) a tenth of its time just to check each city's language code. ISO 639-1 is closed, so the set
is written out here; a test checks it against pycountry's table.
"""

from __future__ import annotations

_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv
    dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie
    ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv
    mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm
    rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""

#: Every ISO 639-1 code, lower-case.
ISO_639_1 = frozenset(_CODES.split())

__all__ = ["ISO_639_1"]
