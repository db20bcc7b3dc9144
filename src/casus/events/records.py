"""Event records: one row per event (same_as mentions merged), every cell backed by character spans.

Pipeline (:class:`EventPredictor`): entities from the NER run, triggers from the trigger model, role
links from the argument classifier, casualty attributes from :mod:`casus.events.normalize`, same_as
clusters from :func:`cluster_events`, then :func:`assemble_records`.

A **record** (a JSON-ready dict)::

    {"record_id": "casus-001:e1", "doc_id": "casus-001", "event_id": "e1", "type": "ATTACK",
     "subtype": "shooting", "modality": "asserted",
     "triggers": [{"text": "attacked", "start": 7, "end": 15, "event": "e1"}, ...],
     "date": {"value": "2022-06-19", "source": "article"|"text"|null, "text": ..., "start": ..., "end": ...},
     "attackers": [{"text": "Gunmen", "start": 0, "end": 6, "label": "ACTOR", "role": "attacker"}],
     "targets": [...], "place": [...], "weapons": [...],
     "killed": {"count": 23, "count_max": null, "qualifier": "at_least", "group": "civilian",
                "text": "at least 23 civilians", "spans": [{"text": ..., "start": ..., "end": ...}]},
     "injured": {...}, "abducted": {...}, "missing": {...},
     "casualties": [every victim CASUALTY mention with its attrs and role]}

Field roles: ``attackers`` = attacker / perpetrator / agent; ``targets`` = target (ATTACK), ACTOR victims
(ABDUCTION), detainee (ARREST); ``place`` = place; ``weapons`` = instrument; casualty fields = CASUALTY
victims. Values are de-duplicated by case-folded text (the first mention in the text is kept).

**Toll rule** (one count per status from several toll mentions of one event, GUIDELINES 1.4 "revised
tolls"): take the victim CASUALTY mentions of that status that carry a count. (1) If any of them sits in a
sentence after a toll-revision cue (``rose to``, ``risen to``, ``raising it to``, ``climbed``, ``revised``,
``lowered``, ``updated``, ``stood at``, ``final toll``, ...), the revised figure of the **latest** such
sentence wins (in it, the figure nearest after the cue: ``risen to two dozen, including nine children``
gives 24): a revision supersedes what came before, also when it lowers the figure. (2) Otherwise the **largest**
figure wins, and when the mentions name several distinct groups (``three soldiers and two civilians``)
whose per-group largest figures add up to more than the largest single figure, the record takes that
sum (group ``mixed``; qualifier ``exact`` only if all parts are exact). Subgroup mentions
(``including nine children``) therefore never lower a total. Without any count the field keeps the
mentions and ``count`` is null (``dozens of people``).

**Date**: the article's date (``--date`` or corpus metadata) unless the event's sentences say otherwise:
an explicit date (``12 March 2021``, ``March 12``) wins; ``on Monday`` is the latest Monday on or before
the article date; ``yesterday`` is the day before. Null when no article date is known and the text gives
no absolute date.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from ..align import sentence_ranges
from ..model import AnnotationSet, Argument, Document, Event, Span
from ..schema import Schema
from .dates import event_date
from .main_event import rank_records
from .normalize import normalize_in_text

STATUSES = ("killed", "injured", "abducted", "missing")
ATTACKER_ROLES = ("attacker", "perpetrator", "agent")
ENTITY_FIELDS = ("attackers", "targets", "place", "weapons")
REVISION_RE = re.compile(r"\b(?:rose|risen|rising|raised|raising|climbed|climbing|increased|jumped|lowered|revised|"
                         r"updated|now stands|stood at|stands at|later put|final toll|bringing the (?:death )?toll|"
                         r"brought the (?:death )?toll|reached)\b", re.IGNORECASE)


def field_of(role: str, label: str, event_type: str) -> str | None:
    """Which record field an argument fills (None: a casualty field or not reported)."""
    if label == "CASUALTY":
        return None
    if role in ATTACKER_ROLES:
        return "attackers"
    if role in ("target", "detainee") or (role == "victim" and label != "CASUALTY"):
        return "targets"
    if role == "place":
        return "place"
    if role == "instrument":
        return "weapons"
    return None


# -- same_as clusters --------------------------------------------------------------------------------

def _places_compatible(a: set[str], b: set[str]) -> bool:
    """No place on one side, or a place of one contained in a place of the other (``Kharkiv`` and
    ``the centre of Kharkiv``)."""
    return not a or not b or any(x in y or y in x for x in a for y in b)


def cluster_events(events: Sequence[tuple[str, str, str | None, int]],
                   places: Mapping[str, set[str]] | None = None, apart: set[str] | None = None) -> dict[str, str]:
    """same_as for predicted events: (event id, type, subtype, trigger start) -> {event id: main id}.

    Rule ``class``: in one document, mentions of the same ``TYPE:subtype`` are one event; the first mention
    in the text is the main frame. On the gold corpus (gold triggers) this gives pairwise same_as precision
    0.85 and recall 1.00 (every gold cluster has one class; misses are distinct events of one class).
    Rule ``class_place`` (``places`` given: event id -> normalised texts of its place arguments): a mention
    joins the first earlier cluster of its class whose places are compatible (:func:`_places_compatible`),
    else it starts a new event; two strikes of one subtype on two named towns stay two records.
    ``apart``: event ids that are their own event whatever the rule (a past incident recalled, an
    interception: :func:`casus.events.main_event.stays_apart`).
    """
    clusters: dict[tuple[str, str | None], list[tuple[str, set[str]]]] = {}
    out: dict[str, str] = {}
    for eid, typ, sub, _ in sorted(events, key=lambda x: x[3]):
        if apart and eid in apart:
            out[eid] = eid
            continue
        mine = set((places or {}).get(eid, ()))
        for k, (main, where) in enumerate(clusters.get((typ, sub), [])):
            if places is None or _places_compatible(where, mine):
                out[eid] = main
                clusters[(typ, sub)][k] = (main, where | mine)
                break
        else:
            clusters.setdefault((typ, sub), []).append((eid, mine))
            out[eid] = eid
    return out


def roots(aset: AnnotationSet) -> dict[str, str]:
    """Event id -> id of its main frame (following same_as chains; unknown targets make a root)."""
    ids = {e.id for e in aset.events}
    parent = {e.id: (str(e.attrs.get("same_as")) if e.attrs.get("same_as") in ids else e.id) for e in aset.events}
    out = {}
    for eid in parent:
        seen = [eid]
        cur = eid
        while parent[cur] != cur and parent[cur] not in seen:
            cur = parent[cur]
            seen.append(cur)
        out[eid] = cur
    return out


# -- tolls ---------------------------------------------------------------------------------------------

def _span_ref(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"text": m["text"], "start": m["start"], "end": m["end"]}


def toll(mentions: Sequence[Mapping[str, Any]], text: str, sentences: Sequence[tuple[int, int]]) -> dict[str, Any] | None:
    """One status's toll from its victim mentions (dicts with text/start/end/attrs), by the module's rule."""
    if not mentions:
        return None
    ms = sorted(mentions, key=lambda m: m["start"])
    counted = [m for m in ms if m["attrs"].get("count") is not None]

    def single(m: Mapping[str, Any], rule: str) -> dict[str, Any]:
        a = m["attrs"]
        return {"count": a.get("count"), "count_max": a.get("count_max"), "qualifier": a.get("count_qualifier"),
                "group": a.get("group"), "text": m["text"], "spans": [_span_ref(m)], "rule": rule}

    if not counted:
        out = single(ms[0], "no count")
        out["spans"] = [_span_ref(m) for m in ms]
        return out

    def sentence_of(pos: int) -> tuple[int, int]:
        for lo, hi in sentences:
            if lo <= pos < hi:
                return lo, hi
        return (0, 0)

    # a revised figure follows a revision cue in its sentence ("the toll had risen to two dozen, including
    # nine children from three families": the figure nearest after the cue, not the subgroups after it)
    revised = []
    for m in counted:
        lo, _ = sentence_of(m["start"])
        cues = [c for c in REVISION_RE.finditer(text, lo, m["start"])]
        if cues:
            revised.append((lo, m["start"] - cues[-1].end(), m))
    if revised:
        latest = max(lo for lo, _, _ in revised)
        return single(min((r for r in revised if r[0] == latest), key=lambda r: r[1])[2], "latest revision")
    best = max(counted, key=lambda m: (m["attrs"]["count"], m["start"]))
    per_group: dict[str, Mapping[str, Any]] = {}
    for m in counted:
        g = m["attrs"].get("group") or "unknown"
        if g == "unknown":
            continue
        if g not in per_group or m["attrs"]["count"] > per_group[g]["attrs"]["count"]:
            per_group[g] = m
    total = sum(m["attrs"]["count"] for m in per_group.values())
    if len(per_group) > 1 and total > best["attrs"]["count"]:
        parts = sorted(per_group.values(), key=lambda m: m["start"])
        quals = {m["attrs"].get("count_qualifier") for m in parts}
        qual = "exact" if quals == {"exact"} else ("at_least" if "at_least" in quals else sorted(q for q in quals if q != "exact")[0])
        return {"count": total, "count_max": None, "qualifier": qual, "group": "mixed",
                "text": " + ".join(m["text"] for m in parts), "spans": [_span_ref(m) for m in parts],
                "rule": "sum over groups"}
    return single(best, "largest")


# -- assembly ----------------------------------------------------------------------------------------

def assemble_records(aset: AnnotationSet, schema: Schema | None = None, article_date: Any = None) -> list[dict[str, Any]]:
    """Records of one annotation set (gold or predicted): one per same_as cluster; the article's main event
    first, the others in text order (``article_role``, ``rank``, ``place_main``: :mod:`casus.events.main_event`)."""
    text = aset.text
    spans = aset.span_by_id()
    sents = sentence_ranges(text, [(s.start, s.end) for s in aset.spans]) or [(0, len(text))]
    if article_date is None:
        article_date = aset.document.metadata.get("date")
    root = roots(aset)
    clusters: dict[str, list[Event]] = {}
    for e in aset.events:
        clusters.setdefault(root[e.id], []).append(e)
    events_by_id = {e.id: e for e in aset.events}

    def sent_of(pos: int) -> tuple[int, int]:
        for lo, hi in sents:
            if lo <= pos < hi:
                return lo, hi
        return (0, len(text))

    records = []
    for main_id, evs in clusters.items():
        main = events_by_id[main_id]
        mentions = sorted(evs, key=lambda e: (e.id != main_id, spans[e.trigger].start))
        trig = [{"text": text[spans[e.trigger].start:spans[e.trigger].end], "start": spans[e.trigger].start,
                 "end": spans[e.trigger].end, "event": e.id} for e in sorted(evs, key=lambda e: spans[e.trigger].start)]
        fields: dict[str, list[dict[str, Any]]] = {f: [] for f in ENTITY_FIELDS}
        seen: dict[str, set[str]] = {f: set() for f in ENTITY_FIELDS}
        casualties: list[dict[str, Any]] = []
        cas_seen: set[tuple[int, int]] = set()
        args = [(e, a) for e in mentions for a in e.args if a.span in spans]
        args.sort(key=lambda ea: spans[ea[1].span].start)
        for e, a in args:
            s = spans[a.span]
            item = {"text": text[s.start:s.end], "start": s.start, "end": s.end, "label": s.label, "role": a.role}
            if s.label == "CASUALTY":
                if (s.start, s.end) not in cas_seen:
                    cas_seen.add((s.start, s.end))
                    casualties.append({**item, "attrs": dict(s.attrs)})
                continue
            f = field_of(a.role, s.label, main.type)
            if f is None:
                continue
            key = item["text"].casefold()
            if key in seen[f]:
                continue
            seen[f].add(key)
            fields[f].append(item)
        ordered_sents = []
        for e in mentions:
            r = sent_of(spans[e.trigger].start)
            if r not in ordered_sents:
                ordered_sents.append(r)
        rec: dict[str, Any] = {
            "record_id": f"{aset.doc_id}:{main_id}", "doc_id": aset.doc_id, "event_id": main_id,
            "type": main.type, "subtype": main.subtype, "modality": main.modality,
            "triggers": trig, "date": event_date(text, ordered_sents, article_date),
        }
        rec.update(fields)
        for st in STATUSES:
            rec[st] = toll([c for c in casualties if c["attrs"].get("status") == st], text, sents)
        rec["casualties"] = casualties
        records.append(rec)
    records.sort(key=lambda r: r["triggers"][0]["start"] if r["triggers"] else 0)
    return rank_records(records, text, article_date)


# -- records -> annotation (Label Studio round trip) -------------------------------------------------

_PREFIX = {"ACTOR": "a", "WEAPON": "w", "LOCATION": "l", "CASUALTY": "c"}


def records_to_annotation(records: Sequence[Mapping[str, Any]], document: Document, trigger_label: str = "TRIGGER",
                          annotator: str = "model") -> AnnotationSet:
    """An annotation set holding ``records`` of one document: per record a main event on its first
    trigger with every field value as a role argument, and a ``same_as`` event on each other trigger."""
    span_ids: dict[tuple[int, int, str], str] = {}
    spans: list[Span] = []
    counters: dict[str, int] = {}

    # trigger spans keep their event ids (a trigger and its event share the id), so records survive the trip
    taken = {t.get("event") for rec in records for t in rec.get("triggers") or [] if t.get("event")}

    def span_id(start: int, end: int, label: str, attrs: Mapping[str, Any] | None = None,
                want: str | None = None) -> str:
        key = (start, end, label)
        if key not in span_ids:
            used = {s.id for s in spans}
            if want and want not in used:
                sid = want
            else:
                p = _PREFIX.get(label, "t" if label == trigger_label else "x")
                sid = ""
                while not sid or sid in used or sid in taken:
                    counters[p] = counters.get(p, 0) + 1
                    sid = f"{p}{counters[p]}"
            span_ids[key] = sid
            spans.append(Span(sid, start, end, label, dict(attrs or {})))
        return span_ids[key]

    events: list[Event] = []
    for rec in records:
        trigs = sorted(rec["triggers"], key=lambda t: (t.get("event") != rec["event_id"], t["start"]))
        if not trigs:
            continue
        tids = [span_id(t["start"], t["end"], trigger_label, want=t.get("event")) for t in trigs]
        args: list[Argument] = []
        for f in ENTITY_FIELDS:
            for item in rec.get(f) or []:
                args.append(Argument(item["role"], span_id(item["start"], item["end"], item["label"])))
        for c in rec.get("casualties") or []:
            args.append(Argument(c.get("role", "victim"), span_id(c["start"], c["end"], "CASUALTY", c.get("attrs"))))
        attrs = {"modality": rec["modality"]} if rec.get("modality") not in (None, "asserted") else {}
        main_id = tids[0]
        events.append(Event(main_id, rec["type"], main_id, rec.get("subtype"), tuple(args), attrs))
        for tid in tids[1:]:
            events.append(Event(tid, rec["type"], tid, rec.get("subtype"), (), {"same_as": main_id}))
    return AnnotationSet(document=document, spans=tuple(spans), events=tuple(events), annotator=annotator)


# -- building predicted annotation sets ----------------------------------------------------------------

def build_annotation(doc: Document, entities: Sequence[tuple[int, int, str]], triggers: Sequence[tuple[int, int, str]],
                     schema: Schema, annotator: str = "model") -> tuple[AnnotationSet, list, list]:
    """Spans of a predicted annotation set (no events yet): entity spans with casualty attributes, trigger
    spans. Overlaps are resolved toward a flat layer: a WEAPON inside a trigger goes (``drone strike``,
    D22), otherwise the trigger goes. Returns (aset without events, entity mentions, trigger mentions)."""
    from .arguments import Mention

    ents = sorted(set(entities))
    trigs = sorted(set(triggers))
    keep_t = []
    for t in trigs:
        clash = [e for e in ents if e[0] < t[1] and t[0] < e[1]]
        if clash and any(e[2] != "WEAPON" for e in clash):
            continue
        ents = [e for e in ents if e not in clash]
        keep_t.append(t)
    counters: dict[str, int] = {}
    ent_m, spans = [], []
    cas = [e for e in ents if e[2] == "CASUALTY"]
    cas_attrs = dict(zip(cas, (c.attrs() for c in normalize_in_text(doc.text, [(a, b) for a, b, _ in cas]))))
    for s, e, lab in ents:
        p = _PREFIX.get(lab, "x")
        counters[p] = counters.get(p, 0) + 1
        sid = f"{p}{counters[p]}"
        spans.append(Span(sid, s, e, lab, cas_attrs.get((s, e, lab), {})))
        ent_m.append(Mention(sid, s, e, lab))
    trig_m = []
    for k, (s, e, cls) in enumerate(keep_t, 1):
        spans.append(Span(f"e{k}", s, e, schema.trigger_label))
        trig_m.append(Mention(f"e{k}", s, e, cls))
    return AnnotationSet(document=doc, spans=tuple(spans), annotator=annotator), ent_m, trig_m


def attach_events(aset: AnnotationSet, trig_m: Sequence, pairs: Sequence, cluster: bool | str = True,
                  modalities: Mapping[str, str] | None = None) -> AnnotationSet:
    """Add one event per trigger mention with the predicted role links, same_as by :func:`cluster_events`
    and the predicted modality (trigger id -> modality; absent or ``asserted`` leaves it out)."""
    args: dict[str, list[Argument]] = {t.id: [] for t in trig_m}
    for p in sorted(pairs, key=lambda p: p.entity.start):
        if p.role != "none":
            args[p.trigger.id].append(Argument(p.role, p.entity.id))
    infos = []
    for t in trig_m:
        typ, _, sub = t.label.partition(":")
        infos.append((t.id, typ, sub or None, t.start))
    from .main_event import stays_apart

    apart = {t.id for t in trig_m if stays_apart(aset.document.text, t.start, t.end,
                                                 aset.document.metadata.get("date"))}
    if cluster == "class_place":
        from ..metrics.ceaf import normalize_string

        text = aset.document.text
        places: dict[str, set[str]] = {t.id: set() for t in trig_m}
        for p in pairs:
            if p.role == "place":
                places[p.trigger.id].add(normalize_string(text[p.entity.start:p.entity.end]))
        same = cluster_events(infos, places, apart)
    else:
        same = cluster_events(infos, apart=apart) if cluster and cluster != "none" else {t.id: t.id for t in trig_m}
    events = []
    for (eid, typ, sub, _) in infos:
        attrs = {"same_as": same[eid]} if same[eid] != eid else {}
        mod = (modalities or {}).get(eid, "asserted")
        if mod != "asserted":
            attrs["modality"] = mod
        events.append(Event(eid, typ, eid, sub, tuple(args[eid]), attrs))
    return aset.with_(events=tuple(events))
