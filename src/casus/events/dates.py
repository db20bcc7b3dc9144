"""Dates of events: the article date (ISO) and the dates an event's own sentences give.

:func:`event_date`: an explicit date in the event's sentences (``12 March 2021``, ``March 12``) wins; ``on
Monday`` is the latest Monday on or before the article date; ``yesterday`` the day before; else the article's
date; null when neither is known.
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import timedelta
from typing import Any, Sequence

MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"], 1)}
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                        "sunday"])}
_M = "(January|February|March|April|May|June|July|August|September|October|November|December)"
DATE_PATTERNS = [
    re.compile(rf"\b(?P<d>\d{{1,2}}) {_M}(?: (?P<y>\d{{4}}))?\b"),
    re.compile(rf"\b{_M} (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?\b"),
]
WEEKDAY_RE = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
YESTERDAY_RE = re.compile(r"\byesterday\b", re.IGNORECASE)


def parse_iso(value: Any) -> Date | None:
    if isinstance(value, Date):
        return value
    if isinstance(value, str):
        try:
            return Date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def event_date(text: str, sentences: Sequence[tuple[int, int]], article_date: Any) -> dict[str, Any]:
    """The date of an event from its sentences (in order of preference) and the article's date."""
    art = parse_iso(article_date)
    for lo, hi in sentences:
        seg = text[lo:hi]
        for pat in DATE_PATTERNS:
            m = pat.search(seg)
            if m:
                month = MONTHS[next(g for g in m.groups() if g and g.lower() in MONTHS).lower()]
                day = int(m.group("d"))
                year = int(m.group("y")) if m.group("y") else (art.year if art else None)
                if year is None:
                    continue
                try:
                    d = Date(year, month, day)
                except ValueError:
                    continue
                if art and not m.group("y") and d > art:  # "December 30" in a January article
                    d = Date(year - 1, month, day)
                return {"value": d.isoformat(), "source": "text", "text": m.group(0), "start": lo + m.start(),
                        "end": lo + m.end()}
        if art:
            m = WEEKDAY_RE.search(seg)
            if m:
                back = (art.weekday() - WEEKDAYS[m.group(1).lower()]) % 7
                return {"value": (art - timedelta(days=back)).isoformat(), "source": "text", "text": m.group(0),
                        "start": lo + m.start(), "end": lo + m.end()}
            m = YESTERDAY_RE.search(seg)
            if m:
                return {"value": (art - timedelta(days=1)).isoformat(), "source": "text", "text": m.group(0),
                        "start": lo + m.start(), "end": lo + m.end()}
    if art:
        return {"value": art.isoformat(), "source": "article", "text": None, "start": None, "end": None}
    return {"value": None, "source": None, "text": None, "start": None, "end": None}


