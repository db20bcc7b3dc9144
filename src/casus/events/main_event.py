"""The article's main event: which record is the incident the article reports, and where exactly it happened.

:func:`rank_records` gives every record of one document an ``article_role`` and a ``rank`` and puts the
main record first (the rest keep text order):

* ``air_defence`` — an interception, not an attack: the trigger is ``shot down`` / ``intercepted`` /
  ``downed`` / ``repelled``, or the trigger's sentence says air defences destroyed or intercepted something;
* ``past`` — an earlier incident recalled: the record's date (from its own sentences) lies more than
  ``PAST_DAYS`` before the article date, or its first sentence names a year before the article's or says
  ``last year``, ``anniversary``, ``years ago`` ...;
* ``unconfirmed`` — modality claimed, denied or hypothetical (reactions, threats, denials);
* ``main`` — the best remaining record by :func:`main_score` (an ATTACK before other types, then the
  number of mentions, tolls, filled fields and a mention in the lead); ``secondary`` — the others.
  When every record is demoted, the best demoted one is still ``main`` only if it is ``unconfirmed``
  (a claimed strike can be the story); an interception or a past event never is.

:func:`place_of` resolves a record's place to its most specific location, settlement > district > region
> country (:func:`place_level`), with the dateline (``KHARKIV, Ukraine, 3 March —``) as the fallback when
the record has no place; ``place_main`` carries the choice and its ``source`` (``argument`` / ``dateline``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Mapping, Sequence

from .dates import parse_iso

PAST_DAYS = 14
INTERCEPT_TRIGGER_RE = re.compile(r"^(?:shot|shoot|shooting|shoots)\s+down$|^intercept\w*$|^downed$|^repel\w*$|"
                                  r"^(?:brought|bringing)\s+down$", re.IGNORECASE)
AIR_DEFENCE_RE = re.compile(r"\bair[- ]defen[cs]es?\b|\banti-aircraft\b|\binterceptors?\b", re.IGNORECASE)
PAST_CUE_RE = re.compile(r"\b(?:last (?:year|month|spring|summer|autumn|winter)|anniversary|years? ago|months ago|"
                         r"a decade ago|earlier this year|(?P<y>(?:19|20)\d\d))\b", re.IGNORECASE)

# place levels: 0 facility or street, 1 settlement or part of one, 2 district, 3 region, 4 country
LEVEL_WORDS = [
    (0, r"market|hospital|school|mosque|church|camp|base|airport|airbase|checkpoint|street|road|bridge|square|"
        r"station|port|factory|plant|compound|building|office|headquarters|prison|university|clinic|farm"),
    (1, r"village|town|city|neighbou?rhood|suburb|quarter|settlement|hamlet|township|outskirts|centre|center"),
    (2, r"district|county|municipality|commune|department|sub-?district|local government area|lga|raion"),
    (3, r"province|region|state|oblast|governorate|prefecture|territory|valley|coast|border|frontline|front"),
]
COUNTRIES = {c.casefold() for c in (
    "Afghanistan", "Algeria", "Armenia", "Azerbaijan", "Bangladesh", "Benin", "Burkina Faso", "Burundi", "Cameroon",
    "Central African Republic", "Chad", "Colombia", "Congo", "Democratic Republic of Congo", "DR Congo", "DRC",
    "Egypt", "Eritrea", "Ethiopia", "Gaza", "Gaza Strip", "Georgia", "Haiti", "India", "Indonesia", "Iran", "Iraq",
    "Israel", "Jordan", "Kenya", "Lebanon", "Libya", "Mali", "Mauritania", "Mexico", "Mozambique", "Myanmar", "Niger",
    "Nigeria", "Pakistan", "Palestine", "Philippines", "Russia", "Rwanda", "Saudi Arabia", "Somalia", "South Sudan",
    "Sudan", "Syria", "Thailand", "Togo", "Turkey", "Türkiye", "Uganda", "Ukraine", "United States", "Venezuela",
    "West Bank", "Yemen", "Belarus", "Poland", "Moldova", "Kosovo", "Serbia", "Tunisia", "Morocco", "Senegal",
    "Ghana", "Guinea", "Sierra Leone", "Liberia", "Ivory Coast", "Côte d'Ivoire", "Zimbabwe", "Tanzania", "Angola",
    "China", "Taiwan", "North Korea", "South Korea", "Japan", "Tajikistan", "Kyrgyzstan", "Uzbekistan", "Kazakhstan",
    "Sri Lanka", "Nepal", "Ecuador", "Peru", "Brazil", "Honduras", "El Salvador", "Guatemala", "Nicaragua",
)}
_LEVEL_RES = [(lvl, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for lvl, words in LEVEL_WORDS]
DATELINE_RE = re.compile(r"\A\s*(?P<place>[A-Z][A-Z'’.-]{2,}(?:[ -][A-Z][A-Z'’.-]+)*)"
                         r"(?:,\s*(?P<region>[A-Z][A-Za-z'’.-]+(?: [A-Z][A-Za-z'’.-]+)*))?\s*[,(—–-]")


def place_level(text: str) -> float:
    """0 facility ... 4 country; 1.5 for a bare name (a settlement or a region: unknown)."""
    t = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    if t.casefold() in COUNTRIES:
        return 4.0
    found = [lvl for lvl, rx in _LEVEL_RES if rx.search(t)]
    if found:
        # "the village of X" -> 1; "X district" -> 2; "a market in X" -> 0 (the head word comes first)
        first = min(((rx.search(t).start(), lvl) for lvl, rx in _LEVEL_RES if rx.search(t)))
        return float(first[1])
    return 1.5


def dateline(text: str) -> dict[str, Any] | None:
    """The dateline's place at the start of an article (``KHARKIV, Ukraine, 3 March (casus) —``), or None."""
    m = DATELINE_RE.match(text)
    if not m or not any(c.isalpha() for c in m.group("place")):
        return None
    word = m.group("place")
    if word.upper() != word or len(word) > 40:
        return None
    return {"text": word, "start": m.start("place"), "end": m.end("place"), "label": "LOCATION", "role": "place",
            "source": "dateline"}


def place_of(record: Mapping[str, Any], text: str) -> dict[str, Any] | None:
    """The most specific place argument of a record (ties: the first of ``X in Y`` / ``X, Y``, i.e. the
    earliest in the text), else the dateline's place, else None."""
    places = list(record.get("place") or [])
    if places:
        best = min(places, key=lambda p: (place_level(p["text"]), p["start"]))
        return {**{k: best[k] for k in ("text", "start", "end")}, "level": place_level(best["text"]),
                "source": "argument"}
    dl = dateline(text)
    if dl is not None:
        return {**{k: dl[k] for k in ("text", "start", "end")}, "level": place_level(dl["text"]), "source": "dateline"}
    return None


def _sentence(text: str, pos: int) -> str:
    lo = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    hi_candidates = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0]
    return text[lo:min(hi_candidates) + 1 if hi_candidates else len(text)]


def _past_cue(sentence: str, article_date: Any) -> bool:
    art = parse_iso(article_date)
    for m in PAST_CUE_RE.finditer(sentence):
        if m.group("y") is None or (art is not None and int(m.group("y")) < art.year):
            return True
    return False


def stays_apart(text: str, start: int, end: int, article_date: Any = None) -> bool:
    """A trigger mention that must not be merged into another event of its class (same_as): an
    interception (``shot down``) or a mention in a sentence recalling an earlier incident."""
    if INTERCEPT_TRIGGER_RE.match(text[start:end].strip()):
        return True
    return _past_cue(_sentence(text, start), article_date)


def demotion(record: Mapping[str, Any], text: str, article_date: Any = None) -> str | None:
    """Why a record cannot be the main event: air_defence, past, unconfirmed, or None."""
    trigs = record.get("triggers") or []
    if trigs and all(INTERCEPT_TRIGGER_RE.match(t["text"].strip()) or
                     (AIR_DEFENCE_RE.search(_sentence(text, t["start"])) and
                      re.match(r"(?:destroy|intercept|shot|down)", t["text"], re.IGNORECASE)) for t in trigs):
        return "air_defence"
    art = parse_iso(article_date)
    date = record.get("date") or {}
    d = parse_iso(date.get("value")) if date.get("source") == "text" else None
    if art and d and d < art - timedelta(days=PAST_DAYS):
        return "past"
    if trigs and _past_cue(_sentence(text, trigs[0]["start"]), article_date):
        return "past"
    if record.get("modality") not in (None, "asserted"):
        return "unconfirmed"
    return None


def main_score(record: Mapping[str, Any], text: str) -> tuple:
    """Larger is more likely the article's main event."""
    trigs = record.get("triggers") or []
    first = min((t["start"] for t in trigs), default=len(text))
    lead = 1 if first < max(400, len(text) // 5) else 0
    tolls = sum(1 for st in ("killed", "injured", "abducted") if (record.get(st) or {}).get("count") is not None)
    filled = sum(1 for f in ("attackers", "place", "weapons", "targets") if record.get(f))
    return (record.get("type") == "ATTACK", len(trigs) + 2 * tolls + filled + 3 * lead, -first)


def rank_records(records: list[dict[str, Any]], text: str, article_date: Any = None) -> list[dict[str, Any]]:
    """Set ``article_role``, ``rank`` and ``place_main`` on each record; the main record first."""
    if not records:
        return records
    why = [demotion(r, text, article_date) for r in records]
    scores = [main_score(r, text) for r in records]
    ok = [i for i, w in enumerate(why) if w is None] or [i for i, w in enumerate(why) if w == "unconfirmed"]
    main = max(ok, key=lambda i: scores[i]) if ok else None
    for i, r in enumerate(records):
        r["article_role"] = "main" if i == main else (why[i] or "secondary")
        r["place_main"] = place_of(r, text)
    order = ([main] if main is not None else []) + [i for i in range(len(records)) if i != main]
    out = [records[i] for i in order]
    for k, r in enumerate(out, 1):
        r["rank"] = k
    return out


def main_record(records: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next((r for r in records if r.get("article_role") == "main"), None)
