"""Casualty normalisation: a CASUALTY phrase and its sentence -> count, range, qualifier, group, status.

The specification is GUIDELINES 1.4 (attribute table) and decisions D13, D14, D16, D19; the committed
table ``tests/fixtures/casualty_cases.yaml`` is the executable form of it. Rules, in order:

* **count** — digits (``1,800`` -> 1800), number words up to the thousands (``Forty-four`` -> 44), ``a dozen``
  -> 12, ``two dozen`` -> 24, ``half a dozen`` -> 6; a singular head with ``a``/``an``/``one`` or a
  named individual (``a child``, ``President Moïse``, ``his sister``) -> 1 (D13). ``dozens``, ``scores``,
  ``hundreds``, ``thousands``, ``several``, ``many``, ``some`` and bare plurals (``civilians``) -> no count.
* **count_qualifier** — ``at least``/``more than``/``over`` -> at_least; ``up to``/``as many as``/``no more
  than`` -> at_most; ``about``/``around``/``nearly``/``some``/``roughly``/``almost`` -> about; ``between 10 and
  15``/``10 to 15``/``10-15`` -> range (``count`` 10, ``count_max`` 15); a plain number -> exact; absent
  without a count.
* **group** — from the head noun and its modifiers (police > military > militant > civilian keyword
  classes, see the tables below; gendarmes/troopers -> police, peacekeepers/prisoners of war -> military,
  fighters/gunmen/commanders -> militant, residents/children/hostages/migrants -> civilian);
  ``people``/``persons``/``bodies``/``dead``/``wounded`` -> unknown; number-only tolls and ``others`` take
  the group of the casualty phrase they stand for (the caller passes it as ``antecedent_group``), else
  unknown (D14); any other noun naming a person (``a farmer``, ``his brother``) -> civilian.
* **status** — from the phrase itself (``14 bodies``, ``51 dead``, ``60 wounded``), else from the nearest
  status cue in the sentence (``killed``/``died``/``dead``/``death toll`` -> killed, ``wounded``/``injured``/
  ``hurt`` -> injured, ``kidnapped``/``abducted``/``taken hostage`` -> abducted, ``missing``/``unaccounted
  for`` -> missing, ``casualties`` -> unknown); the nearest cue wins, a cue in the same clause beating one
  behind a clause break (``killing three soldiers and wounding five``: ``five`` is injured).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Sequence

# -- numbers ---------------------------------------------------------------------------------------

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
VAGUE = {"dozens", "scores", "hundreds", "thousands", "several", "many", "numerous", "some", "few", "multiple",
         "countless", "tens", "millions"}
ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "another", "other", "further", "more", "single", "lone"}

_NUM_WORD = "|".join(sorted(list(UNITS) + list(TENS) + list(SCALES) + ["dozen", "a", "an", "and", "half"],
                            key=len, reverse=True))
WORD_RE = re.compile(r"\d[\d,]*(?:\.\d+)?|[A-Za-zÀ-ÿ]+(?:['’][A-Za-z]+)?|-|[^\sA-Za-z\d]")


def _words(text: str) -> list[str]:
    return [w for w in WORD_RE.findall(text)]


def _digit_value(tok: str) -> int | None:
    t = tok.replace(",", "")
    if re.fullmatch(r"\d+", t):
        return int(t)
    return None


def parse_number(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """Parse a number starting at ``words[i]`` (lower-case tokens). Returns (value, tokens used) or None.

    Handles digits, number words (``forty-four``, ``two hundred and ten``), ``a dozen``, ``two dozen``,
    ``half a dozen``, ``a hundred``. ``dozens`` etc. are not numbers.
    """
    n = len(words)
    if i >= n:
        return None
    w = words[i]
    d = _digit_value(w)
    if d is not None:
        j = i + 1
        if j < n and words[j] in ("dozen",):
            return d * 12, 2
        if j < n and words[j] in SCALES:
            return d * SCALES[words[j]], 2
        return d, 1
    if w == "half" and i + 2 < n and words[i + 1] in ("a", "an") and words[i + 2] == "dozen":
        return 6, 3
    if w in ("a", "an") and i + 1 < n and words[i + 1] in ("dozen", "hundred", "thousand"):
        base = 12 if words[i + 1] == "dozen" else SCALES[words[i + 1]]
        return base, 2
    total, current, j, used_any = 0, 0, i, False
    while j < n:
        t = words[j]
        if t in UNITS:
            current += UNITS[t]
        elif t in TENS:
            current += TENS[t]
            if j + 2 < n and words[j + 1] == "-" and words[j + 2] in UNITS:
                current += UNITS[words[j + 2]]
                j += 2
        elif t == "dozen" and used_any:
            current = max(current, 1) * 12
        elif t in SCALES and used_any:
            current = max(current, 1) * SCALES[t]
            if SCALES[t] >= 1000:
                total += current
                current = 0
        elif t == "and" and used_any and j + 1 < n and (words[j + 1] in UNITS or words[j + 1] in TENS) \
                and j >= 1 and words[j - 1] in SCALES:
            pass
        else:
            break
        used_any = True
        j += 1
    if not used_any:
        return None
    return total + current, j - i


# -- groups ----------------------------------------------------------------------------------------

POLICE = {"police", "policeman", "policemen", "policewoman", "policewomen", "gendarme", "gendarmes",
          "gendarmerie", "constable", "constables", "trooper", "troopers", "officer", "officers", "crpf",
          "cadets", "cadet", "bodyguard", "bodyguards", "patrolmen", "patrolman", "commandos", "agents",
          "border guards"}
MILITARY = {"soldier", "soldiers", "troop", "troops", "service", "servicemen", "serviceman", "servicemembers",
            "marine", "marines", "sailor", "sailors", "airman", "airmen", "conscript", "conscripts", "private",
            "corporal", "sergeant", "lieutenant", "captain", "major", "colonel", "general", "brigadier",
            "peacekeeper", "peacekeepers", "paratroopers", "paratrooper", "personnel", "guardsmen",
            "reservists", "reservist", "legionnaires", "army", "military", "infantrymen", "pow", "pows",
            "prisoners", "prisoner", "corps", "recruits", "recruit"}
MILITANT = {"fighter", "fighters", "militant", "militants", "insurgent", "insurgents", "gunman", "gunmen",
            "attacker", "attackers", "assailant", "assailants", "rebel", "rebels", "militiaman", "militiamen",
            "militia", "militias", "jihadist", "jihadists", "bomber", "bombers", "commander", "commanders",
            "combatant", "combatants", "extremists", "extremist", "terrorist", "terrorists", "gang", "gangsters",
            "bandit", "bandits", "kidnapper", "kidnappers", "raiders", "separatists", "separatist",
            "guerrillas", "guerrilla", "vigilantes", "vigilante", "volunteers", "auxiliaries", "vdp", "jtf",
            "mujahideen", "governor"}
CIVILIAN = {"civilian", "civilians", "resident", "residents", "villager", "villagers", "child", "children",
            "boy", "boys", "girl", "girls", "baby", "babies", "infant", "infants", "toddler", "woman", "women",
            "man", "men", "worker", "workers", "labourer", "labourers", "laborers", "contractor", "contractors",
            "journalist", "journalists", "reporter", "reporters", "farmer", "farmers", "herder", "herders",
            "shepherd", "shepherds", "fisherman", "fishermen", "trader", "traders", "shopkeeper",
            "shopkeepers", "vendor", "vendors", "passenger", "passengers", "student", "students",
            "schoolgirls", "schoolboys", "pupils", "pupil", "teacher", "teachers", "doctor", "doctors",
            "nurse", "nurses", "patient", "patients", "worshipper", "worshippers", "worshipers", "pilgrims",
            "hostage", "hostages", "migrant", "migrants", "refugee", "refugees", "detainee", "detainees",
            "driver", "drivers", "staff", "employee", "employees", "volunteer", "diners", "guests",
            "tourists", "tourist", "travellers", "travelers", "mourners", "shoppers", "wife", "husband",
            "son", "sons", "daughter", "daughters", "brother", "brothers", "sister", "sisters", "mother",
            "father", "parents", "family", "relatives", "elderly", "administrator", "official", "officials",
            "president", "lady", "mayor", "chief", "deminers", "deminer", "member", "members", "waitress",
            "waiter", "receptionist", "firefighter", "firefighters", "passer", "passers", "bystander",
            "bystanders", "priest", "priests", "imam", "cleric", "monk", "nun", "nuns", "engineers", "engineer",
            "villagers", "townspeople", "protesters", "protesters", "demonstrators", "people's"}
UNKNOWN = {"people", "persons", "person", "others", "dead", "bodies", "body", "wounded", "injured",
           "casualties", "victims", "victim", "individuals", "lives", "fatalities"}
# Multi-word keys checked first (on the lower-cased phrase).
PHRASES = [("prisoners of war", "military"), ("service members", "military"), ("service member", "military"),
           ("aid workers", "civilian"), ("aid worker", "civilian"), ("border guards", "police"),
           ("frontier corps", "military"), ("armed police", "police"), ("riot police", "police"),
           ("security forces", "military"), ("security personnel", "military"), ("gang members", "militant"),
           ("civilian jtf", "militant"), ("civilian", "civilian"), ("pro-government", "militant"), ("police", "police")]

# -- status cues -----------------------------------------------------------------------------------

STATUS_CUES: list[tuple[str, str]] = [
    (r"taken to (?:a |the )?(?:[\w-]+ ){0,2}hospitals?|rushed to (?:a |the )?(?:[\w-]+ ){0,2}hospitals?", "injured"),
    (r"taken hostage|held hostage|taken captive|held captive|kidnapp\w*|abduct\w*|hostages?|seized|snatched|"
     r"captives?|freed|released|rescued|taken away|taken|held|carried off|led away", "abducted"),
    (r"missing|unaccounted for|disappeared|searching for", "missing"),
    (r"wound\w*|injur\w*|hurt|hospitali[sz]ed|maimed|burned|burns|treated|lost (?:a|an|his|her|their|both) \w+|"
     r"hit in the \w+", "injured"),
    (r"kill\w*|dead|died|dies|die|dying|deaths?|death toll|toll|bodies|body|slain|murder\w*|massacred|executed|"
     r"beheaded|lost their lives|fatalit\w*|perished|shot dead|lynched|assassinat\w*|buried|funerals?", "killed"),
    (r"casualties", "unknown"),
]
_CUE_RE = re.compile(r"\b(" + "|".join(f"(?:{p})" for p, _ in STATUS_CUES) + r")\b", re.IGNORECASE)
_BREAK_BEFORE = re.compile(r"[;:]|,\s*(?:and|but|while|whereas)\b|\b(?:but|while|after|before|when|whereas)\b",
                           re.IGNORECASE)
_PASSIVE = re.compile(r"^\s*(?:(?:who|were|was|had|have|has|are|is|been|being|reportedly|reported|later|also|all|"
                      r"both|badly|seriously|critically|slightly|lightly|fatally|subsequently|then|still|"
                      r"believed|thought|feared|to|be)\s+)*$", re.IGNORECASE)


def _cue_status(word: str) -> str:
    for pat, status in STATUS_CUES:
        if re.fullmatch(pat, word, re.IGNORECASE):
            return status
    return "unknown"


QUALIFIERS = [
    (("at", "least"), "at_least"), (("more", "than"), "at_least"), (("over",), "at_least"),
    (("upwards", "of"), "at_least"), (("in", "excess", "of"), "at_least"), (("no", "fewer", "than"), "at_least"),
    (("not", "less", "than"), "at_least"),
    (("up", "to"), "at_most"), (("as", "many", "as"), "at_most"), (("no", "more", "than"), "at_most"),
    (("at", "most"), "at_most"), (("fewer", "than"), "at_most"), (("less", "than"), "at_most"),
    (("about",), "about"), (("around",), "about"), (("nearly",), "about"), (("some",), "about"),
    (("roughly",), "about"), (("approximately",), "about"), (("almost",), "about"), (("an", "estimated"), "about"),
    (("estimated",), "about"), (("close", "to"), "about"), (("some",), "about"), (("circa",), "about"),
]


@dataclass(frozen=True)
class Casualty:
    """Normalised attributes of one CASUALTY phrase (``None`` = absent)."""

    status: str
    group: str
    count: int | None = None
    count_max: int | None = None
    count_qualifier: str | None = None

    def attrs(self) -> dict[str, Any]:
        """The span attributes in schema form (absent values left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def parse_count(phrase: str) -> tuple[int | None, int | None, str | None]:
    """(count, count_max, qualifier) of a casualty phrase, following GUIDELINES 1.4 and D13/D14."""
    words = [w.lower() for w in _words(phrase)]
    if not words:
        return None, None, None
    # leading qualifier
    qual: str | None = None
    i = 0
    for toks, q in QUALIFIERS:
        if tuple(words[: len(toks)]) == toks:
            nxt = parse_number(words, len(toks))
            if nxt is not None or (q == "about" and toks == ("some",) and False):
                qual, i = q, len(toks)
                break
    # "between X and Y"
    if words[0] == "between":
        a = parse_number(words, 1)
        if a is not None:
            k = 1 + a[1]
            if k < len(words) and words[k] == "and":
                b = parse_number(words, k + 1)
                if b is not None:
                    return a[0], b[0], "range"
    # find the first number token
    start = i
    num = None
    while start < len(words):
        if words[start] in VAGUE:
            return None, None, None
        num = parse_number(words, start)
        if num is not None:
            break
        # skip pre-number words only when they are possessives/demonstratives we know; otherwise stop
        if words[start] in ("the", "his", "her", "their", "its", "our", "these", "those"):
            start += 1
            continue
        break
    if num is not None:
        value, used = num
        k = start + used
        # a/an/one + singular head: count 1 (a dozen etc. handled by parse_number)
        # X to Y / X-Y / X or Y ranges
        if k + 1 < len(words) and words[k] in ("to", "-", "or") and (words[start] not in ("a", "an")):
            b = parse_number(words, k + 1)
            if b is not None and b[0] > value and not (k + 1 + b[1] < len(words) and words[k + 1 + b[1]] in
                                                       ("year", "years", "month", "months", "-")):
                return value, b[0], "range"
        # "10-year-old son": the number is an age, not a count
        if k < len(words) and words[k] == "-" and k + 1 < len(words) and words[k + 1] in ("year", "month", "week",
                                                                                          "day"):
            return 1, None, "exact"
        return value, None, qual or "exact"
    # no numeral: a/an/one + singular, or a named individual / singular noun -> 1 (D13)
    first = words[0]
    if first in ("a", "an"):
        return 1, None, "exact"
    if first in VAGUE:
        return None, None, None
    head = _head(words)
    if head is not None and not _is_plural(head):
        return 1, None, "exact"
    return None, None, None


_IRREGULAR_PLURALS = {"people", "children", "men", "women", "gunmen", "militiamen", "policemen", "servicemen",
                      "police", "personnel", "staff", "dead", "wounded", "injured", "fishermen", "townspeople",
                      "troops", "others", "mujahideen", "japanese", "chinese", "vietnamese", "lebanese",
                      "sudanese", "congolese", "malians", "family", "guardsmen", "airmen", "infantrymen",
                      "patrolmen", "policewomen", "civilians", "missing", "elderly", "youths", "lives"}
_SINGULAR_S = {"boss", "bus", "analysis", "corps", "press", "moïse", "moise", "jesus", "nicolas", "thomas", "lucas"}


def _is_plural(word: str) -> bool:
    w = word.lower()
    if w in _IRREGULAR_PLURALS:
        return True
    if w in _SINGULAR_S:
        return False
    return w.endswith("s") and not w.endswith("ss") and len(w) > 3


def _head(words: Sequence[str]) -> str | None:
    alpha = [w for w in words if re.match(r"[a-zà-ÿ]", w)]
    return alpha[-1] if alpha else None


def phrase_group(phrase: str, antecedent_group: str | None = None) -> str:
    """Group from the phrase's own words; ``antecedent_group`` for number-only phrases and ``others``."""
    low = phrase.lower()
    words = [w.lower() for w in _words(phrase)]
    content = [w for w in words if re.match(r"[a-zà-ÿ]", w) and parse_number([w], 0) is None
               and w not in VAGUE and w not in ("at", "least", "more", "than", "about", "up", "to", "nearly",
                                                "around", "over", "between", "and", "of", "the", "a", "an",
                                                "some", "other", "another", "as", "many", "roughly", "almost")]
    if not content or content == ["others"] or (content and content[-1] == "others"):
        return antecedent_group or "unknown"
    for key, g in PHRASES:
        if re.search(r"\b" + re.escape(key) + r"\b", low):
            return g
    # police beats military beats militant beats civilian, on any content word
    classes = [(POLICE, "police"), (MILITARY, "military"), (MILITANT, "militant"), (CIVILIAN, "civilian")]
    head = content[-1]
    for vocab, g in classes:
        if head in vocab:
            # a bare "officer(s)" is police unless an army rank word precedes it
            if g == "police" and head in ("officer", "officers") and any(w in MILITARY for w in content[:-1]):
                return "military"
            return g
    if head in UNKNOWN:
        for vocab, g in classes:
            if any(w in vocab for w in content[:-1]):
                return g
        return "unknown"
    for vocab, g in classes:
        if any(w in vocab for w in content):
            return g
    # a capitalised demonym-like plural ("four Palestinians") says nothing about the group
    if _is_plural(head) and phrase.strip().split()[-1][:1].isupper():
        return "unknown"
    # any other noun naming people: a person outside the armed groups (D13: named individuals harmed)
    return "civilian"


def phrase_status(phrase: str) -> str | None:
    """Status carried by the phrase itself (``14 bodies``, ``51 dead``, ``60 wounded``), else None."""
    for w in _words(phrase):
        lw = w.lower()
        if lw in ("dead", "bodies", "body", "fatalities"):
            return "killed"
        if lw in ("wounded", "injured"):
            return "injured"
        if lw == "missing":
            return "missing"
    return None


def context_status(sentence: str, start: int, end: int) -> str:
    """Status from the nearest cue word in ``sentence`` around the phrase at [start, end).

    A cue before the phrase (``killing 12``) counts by its distance, plus a penalty when a clause break
    (``;``, ``but``, ``while``, ``after``, ...) lies between; a cue after the phrase counts only as the
    predicate of the phrase (``five soldiers were killed``, ``two villagers were taken away``), any
    other cue after it (``... and wounding five others``) is heavily penalised.
    """
    best: tuple[float, str] | None = None
    for m in _CUE_RE.finditer(sentence):
        if start <= m.start() < end:
            continue
        status = _cue_status(m.group(1))
        if m.end() <= start:
            between = sentence[m.end():start]
            dist = float(start - m.end())
            if _BREAK_BEFORE.search(between):
                dist += 60
        else:
            between = sentence[end:m.start()]
            dist = float(m.start() - end)
            if _PASSIVE.match(between):
                dist = 0.0   # the phrase's own predicate: "two farm workers were wounded"
            else:
                dist += 40
        if best is None or dist < best[0]:
            best = (dist, status)
    return best[1] if best else "unknown"


def normalize_casualty(phrase: str, sentence: str | None = None, start: int | None = None,
                       antecedent_group: str | None = None) -> Casualty:
    """Normalise a casualty phrase. ``sentence`` with the phrase at ``start`` gives the status context."""
    count, count_max, qual = parse_count(phrase)
    group = phrase_group(phrase, antecedent_group)
    status = phrase_status(phrase)
    if status is None:
        if sentence is not None:
            s = start if start is not None else sentence.find(phrase)
            if s < 0:
                s = 0
            status = context_status(sentence, s, s + len(phrase))
        else:
            status = "unknown"
        if status == "unknown" and re.search(r"\bhostages?\b|\bcaptives?\b", phrase, re.IGNORECASE):
            status = "abducted"
    return Casualty(status=status, group=group, count=count, count_max=count_max,
                    count_qualifier=qual if count is not None else None)


def _back(sents: Sequence[tuple[int, int]], lo: int, n: int) -> int:
    """Start offset of the sentence ``n`` sentences before the one starting at ``lo``."""
    starts = [a for a, _ in sents]
    k = starts.index(lo) if lo in starts else 0
    return starts[max(0, k - n)]


def normalize_in_text(text: str, spans: Sequence[tuple[int, int]]) -> list[Casualty]:
    """Normalise several CASUALTY spans of one document (code-point offsets into ``text``).

    The status context is the span's sentence; number-only spans and ``others`` take the group of the
    previous casualty phrase with a group in the same sentence (D14), else of the next one there, else of
    the nearest one in the two sentences before.
    """
    from ..align import sentence_ranges

    sents = sentence_ranges(text, [tuple(s) for s in spans])
    order = sorted(range(len(spans)), key=lambda k: spans[k][0])
    own = {k: phrase_group(text[spans[k][0]:spans[k][1]], None) for k in order}
    out: dict[int, Casualty] = {}

    def sent_of(pos: int) -> tuple[int, int]:
        for lo, hi in sents:
            if lo <= pos < hi:
                return lo, hi
        return 0, len(text)

    for idx, k in enumerate(order):
        s, e = spans[k]
        lo, hi = sent_of(s)
        ante = None
        prev = [j for j in order[:idx] if sent_of(spans[j][0]) == (lo, hi) and own[j] != "unknown"]
        nxt = [j for j in order[idx + 1:] if sent_of(spans[j][0]) == (lo, hi) and own[j] != "unknown"]
        earlier = [j for j in order[:idx] if own[j] != "unknown" and spans[j][0] >= _back(sents, lo, 2)]
        if prev:
            ante = own[prev[-1]]
        elif nxt:
            ante = own[nxt[0]]
        elif earlier:
            ante = own[earlier[-1]]
        out[k] = normalize_casualty(text[s:e], text[lo:hi], s - lo, ante)
    return [out[k] for k in range(len(spans))]
