"""Adjudication: compare independent annotation passes of one document and build a gold file from choices.

The versions of a document are its passes (``annotations/passes/<name>/<doc>.json``) and, if present,
its gold file (version ``gold``). Spans of all versions are grouped into **regions**: maximal runs of
spans that overlap one another (across versions). In a region each version has a *reading*: its spans
there, each with label, attributes and — for a trigger — its event frame (type, subtype, attributes,
arguments located by the (start, end, label) of their spans, ``same_as`` by its trigger's location).

A region where every version reads the same is **agreed** and kept. Every other region is a
**disagreement** of one or more kinds:

* ``missing``     spans in some versions, nothing in others;
* ``boundary``    overlapping spans with different boundaries;
* ``label``       the same boundaries, different labels;
* ``attributes``  the same spans and labels, different attributes;
* ``event``       the same trigger span, a different event frame (type, subtype, modality, same_as,
  arguments).

Each disagreement is resolved by a choice: one version's reading (its spans there, with their
attributes and event frames), ``drop`` (nothing there) or ``skip`` (nothing there, recorded as
unresolved). Because a version's own spans are flat and regions do not overlap, the result is flat.
Event arguments of a chosen frame are re-pointed at the result's span with the same (start, end, label),
else at an overlapping result span with the same label; an argument with neither is dropped and noted
(likewise ``same_as``).

Provenance in the written file::

    "provenance": {"adjudication": {"versions": [...], "prefer": "alice" | null, "date": "YYYY-MM-DD",
                   "sources": {span_id: [versions with a span at the same (start, end, label)]},
                   "decisions": [{"start", "end", "kinds", "choice"}], "notes": [...]}}
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .errors import CasusError, StoreError
from .model import ID_RE, AnnotationSet, Argument, Document, Event, Span
from .store import GOLD, Repo

DROP = "drop"
SKIP = "skip"
Key = tuple[int, int, str]


@dataclass(frozen=True)
class Version:
    name: str
    aset: AnnotationSet


@dataclass
class Region:
    index: int
    start: int
    end: int
    readings: dict[str, tuple[Span, ...]]   # version name -> its spans in the region (text order)
    sigs: dict[str, tuple]                   # version name -> comparable reading
    kinds: list[str] = field(default_factory=list)

    @property
    def agreed(self) -> bool:
        return not self.kinds


@dataclass
class Comparison:
    doc_id: str
    text: str
    versions: list[Version]
    regions: list[Region]

    @property
    def disagreements(self) -> list[Region]:
        return [r for r in self.regions if not r.agreed]


# -- loading ---------------------------------------------------------------------------------------


def load_versions(repo: Repo, doc_id: str, annotators: Sequence[str] | None = None,
                  include_gold: bool = True) -> list[Version]:
    """The versions to compare: the named annotators (``gold`` allowed), else every pass of the document
    plus gold if present. Each must validate."""
    if not repo.has_document(doc_id):
        raise StoreError(f"no corpus document {doc_id!r}")
    if annotators:
        names = list(dict.fromkeys(annotators))
        bad = [n for n in names if n != GOLD and not ID_RE.match(n)]
        if bad:
            raise CasusError(f"not an annotator name: {', '.join(bad)}")
        missing = [n for n in names if not repo.annotation_path(doc_id, n).is_file()]
        if missing:
            raise StoreError(f"{doc_id}: no annotation by {', '.join(missing)} "
                             f"(passes: {', '.join(a for a in repo.annotators() if doc_id in repo.pass_ids(a)) or 'none'})")
    else:
        names = [a for a in repo.annotators() if repo.annotation_path(doc_id, a).is_file()]
        if include_gold and repo.annotation_path(doc_id, GOLD).is_file():
            names.append(GOLD)
    if not names:
        raise StoreError(f"{doc_id}: no passes to adjudicate (annotations/passes/<name>/{doc_id}.json)")
    return [Version(n, repo.annotation(doc_id, n)) for n in names]


# -- comparing -------------------------------------------------------------------------------------


def _frozen(attrs: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in attrs.items()))


def _event_sig(aset: AnnotationSet, ev: Event) -> tuple:
    spans = aset.span_by_id()
    ev_trigger = {e.id: spans[e.trigger].key for e in aset.events}
    attrs = {}
    for k, v in ev.attrs.items():
        if k == "same_as" and v in ev_trigger:
            attrs[k] = ev_trigger[v]
        elif k == "modality" and v == "asserted":
            continue  # absent means asserted
        else:
            attrs[k] = v
    args = tuple(sorted((a.role, spans[a.span].key) for a in ev.args))
    return (ev.type, ev.subtype, _frozen(attrs), args)


def _span_sig(aset: AnnotationSet, s: Span, events_by_trigger: dict[str, list[Event]]) -> tuple:
    evs = tuple(sorted(_event_sig(aset, e) for e in events_by_trigger.get(s.id, [])))
    return (s.start, s.end, s.label, _frozen(s.attrs), evs)


def compare(versions: Sequence[Version]) -> Comparison:
    """Group the spans of every version into regions and classify each region's disagreement."""
    if not versions:
        raise CasusError("nothing to compare")
    text = versions[0].aset.text
    for v in versions[1:]:
        if v.aset.text != text:
            raise CasusError(f"{v.name}'s annotation of {v.aset.doc_id} is on a different text")
    all_spans: list[tuple[int, int, str, Span]] = sorted(
        ((s.start, s.end, v.name, s) for v in versions for s in v.aset.spans), key=lambda x: (x[0], x[1], x[2]))
    clusters: list[list[tuple[str, Span]]] = []
    cur_end = -1
    for s, e, name, span in all_spans:
        if clusters and s < cur_end:
            clusters[-1].append((name, span))
            cur_end = max(cur_end, e)
        else:
            clusters.append([(name, span)])
            cur_end = e
    by_trigger = {v.name: _events_by_trigger(v.aset) for v in versions}
    asets = {v.name: v.aset for v in versions}
    regions: list[Region] = []
    for i, cl in enumerate(clusters):
        readings = {v.name: tuple(sp for n, sp in cl if n == v.name) for v in versions}
        sigs = {n: tuple(_span_sig(asets[n], sp, by_trigger[n]) for sp in spans) for n, spans in readings.items()}
        r = Region(index=i, start=min(sp.start for _, sp in cl), end=max(sp.end for _, sp in cl),
                   readings=readings, sigs=sigs)
        r.kinds = _kinds(r)
        regions.append(r)
    return Comparison(doc_id=versions[0].aset.doc_id, text=text, versions=list(versions), regions=regions)


def _events_by_trigger(aset: AnnotationSet) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for e in aset.events:
        out.setdefault(e.trigger, []).append(e)
    return out


def _kinds(r: Region) -> list[str]:
    sigs = list(r.sigs.values())
    if all(s == sigs[0] for s in sigs):
        return []
    kinds: list[str] = []
    nonempty = [s for s in sigs if s]
    if len(nonempty) < len(sigs):
        kinds.append("missing")
    bounds = {tuple((x[0], x[1]) for x in s) for s in nonempty}
    labels = {tuple((x[0], x[1], x[2]) for x in s) for s in nonempty}
    attrs = {tuple(x[:4] for x in s) for s in nonempty}
    if len(bounds) > 1:
        kinds.append("boundary")
    elif len(labels) > 1:
        kinds.append("label")
    elif len(attrs) > 1:
        kinds.append("attributes")
    elif len(set(nonempty)) > 1:
        kinds.append("event")
    return kinds


# -- showing ---------------------------------------------------------------------------------------


def describe(comp: Comparison, region: Region, name: str) -> str:
    """One version's reading of a region, in inline-like markup: ``[text](LABEL k=v)``, triggers with
    their event frame ``[text](ATTACK:shooting attacker=[Gunmen] ...)``; ``—`` for nothing."""
    version = next(v for v in comp.versions if v.name == name)
    aset = version.aset
    spans = aset.span_by_id()
    evs = _events_by_trigger(aset)
    parts = []
    for s in region.readings[name]:
        bits = []
        if s.id in evs:
            for e in evs[s.id]:
                bits.append(e.trigger_class)
                for a in e.args:
                    t = spans[a.span]
                    bits.append(f"{a.role}=[{_short(aset.text[t.start:t.end])}]")
                for k, val in e.attrs.items():
                    if k == "same_as":
                        ref = next((x for x in aset.events if x.id == val), None)
                        tt = spans[ref.trigger] if ref else None
                        bits.append(f"same_as=[{_short(aset.text[tt.start:tt.end])}]" if tt else f"same_as={val}")
                    else:
                        bits.append(f"{k}={val}")
        else:
            bits.append(s.label)
            bits += [f"{k}={val}" for k, val in s.attrs.items()]
        parts.append(f"[{aset.text[s.start:s.end]}]({' '.join(bits)}) @{s.start}-{s.end}")
    return "\n".join(parts) if parts else "—"


def _short(s: str, n: int = 24) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def context(comp: Comparison, region: Region, width: int = 40) -> str:
    t = comp.text
    lo, hi = max(0, region.start - width), min(len(t), region.end + width)
    left = ("…" if lo > 0 else "") + t[lo:region.start]
    right = t[region.end:hi] + ("…" if hi < len(t) else "")
    return " ".join(f"{left}«{t[region.start:region.end]}»{right}".split("\n"))


# -- resolving -------------------------------------------------------------------------------------


def _fresh(base: str, used: set[str]) -> str:
    stem = re.sub(r"\d+$", "", base) or "s"
    k = 1
    while f"{stem}{k}" in used:
        k += 1
    used.add(f"{stem}{k}")
    return f"{stem}{k}"


def resolve(comp: Comparison, choices: Mapping[int, str], *, annotator: str = GOLD, prefer: str | None = None,
            date: str | None = None) -> AnnotationSet:
    """The adjudicated AnnotationSet: agreed regions kept, each disagreement (by region index) resolved by
    ``choices[index]`` — a version name, ``drop`` or ``skip``. A disagreement without a choice is an error."""
    names = [v.name for v in comp.versions]
    asets = {v.name: v.aset for v in comp.versions}
    order = ([prefer] if prefer in names else []) + [n for n in names if n != prefer]
    kept: list[tuple[str, Span]] = []       # (version, span) in text order
    decisions: list[dict[str, Any]] = []
    for r in comp.regions:
        if r.agreed:
            src = next((n for n in order if r.readings[n]), order[0])
        else:
            choice = choices.get(r.index)
            if choice is None:
                raise CasusError(f"disagreement at {r.start}-{r.end} has no choice")
            if choice not in names and choice not in (DROP, SKIP):
                raise CasusError(f"choice {choice!r} is not a version ({', '.join(names)}), drop or skip")
            decisions.append({"start": r.start, "end": r.end, "kinds": list(r.kinds), "choice": choice})
            if choice in (DROP, SKIP):
                continue
            src = choice
        kept += [(src, s) for s in r.readings[src]]

    used: set[str] = set()
    new_id: dict[tuple[str, str], str] = {}
    # ids: keep each span's own id; the preferred / first-listed version wins a clash
    for n in order:
        for v, s in kept:
            if v == n and s.id not in used:
                used.add(s.id)
                new_id[(v, s.id)] = s.id
    for v, s in kept:
        if (v, s.id) not in new_id:
            new_id[(v, s.id)] = _fresh(s.id, used)
    by_key: dict[Key, str] = {}
    result_spans: list[Span] = []
    for v, s in kept:
        sid = new_id[(v, s.id)]
        result_spans.append(Span(id=sid, start=s.start, end=s.end, label=s.label, attrs=dict(s.attrs)))
        by_key.setdefault(s.key, sid)

    notes: list[str] = []

    def map_span(v: str, span_id: str) -> str | None:
        if (v, span_id) in new_id:
            return new_id[(v, span_id)]
        t = asets[v].span_by_id()[span_id]
        if t.key in by_key:
            return by_key[t.key]
        for rs in result_spans:
            if rs.label == t.label and rs.overlaps(t):
                return rs.id
        return None

    # events: those anchored on kept trigger spans, in trigger order
    ev_used: set[str] = set(used)
    ev_map: dict[tuple[str, str], str] = {}
    planned: list[tuple[str, Event, str]] = []
    for v, s in kept:
        for e in _events_by_trigger(asets[v]).get(s.id, []):
            tid = new_id[(v, s.id)]
            if e.id == s.id:
                eid = tid
            elif e.id not in ev_used:
                eid = e.id
                ev_used.add(eid)
            else:
                eid = _fresh(e.id, ev_used)
            ev_map[(v, e.id)] = eid
            planned.append((v, e, tid))
    trig_event: dict[Key, str] = {}
    for v, e, tid in planned:
        trig_event.setdefault(asets[v].span_by_id()[e.trigger].key, ev_map[(v, e.id)])
    events: list[Event] = []
    for v, e, tid in planned:
        eid = ev_map[(v, e.id)]
        spans_v = asets[v].span_by_id()
        args: list[Argument] = []
        for a in e.args:
            target = map_span(v, a.span)
            t = spans_v[a.span]
            if target is None:
                notes.append(f"event {eid}: argument {a.role}=[{comp.text[t.start:t.end]}] dropped "
                             "(its span was not kept)")
                continue
            arg = Argument(role=a.role, span=target)
            if arg not in args:
                args.append(arg)
        attrs = dict(e.attrs)
        if "same_as" in attrs:
            ref = next((x for x in asets[v].events if x.id == attrs["same_as"]), None)
            mapped = ev_map.get((v, ref.id)) if ref else None
            if mapped is None and ref is not None:
                mapped = trig_event.get(spans_v[ref.trigger].key)
            if mapped is None or mapped == eid:
                notes.append(f"event {eid}: same_as={attrs['same_as']} dropped (the event it repeats was not kept)")
                del attrs["same_as"]
            else:
                attrs["same_as"] = mapped
        events.append(Event(id=eid, type=e.type, subtype=e.subtype, trigger=tid, args=tuple(args), attrs=attrs))

    sources: dict[str, list[str]] = {}
    for rs in result_spans:
        sources[rs.id] = [n for n in names if any(s.key == rs.key for s in asets[n].spans)]
    prov = {"adjudication": {"versions": names, "prefer": prefer, "date": date or _dt.date.today().isoformat(),
                             "sources": sources, "decisions": decisions, "notes": notes}}
    base = comp.versions[0].aset.document
    doc = Document(id=base.id, text=base.text, metadata=base.metadata)
    return AnnotationSet(document=doc, spans=tuple(result_spans), events=tuple(events), annotator=annotator,
                         provenance=prov)


def batch_choices(comp: Comparison, prefer: str) -> dict[int, str]:
    """Take ``prefer``'s reading on every disagreement (nothing where it has nothing)."""
    if prefer not in [v.name for v in comp.versions]:
        raise CasusError(f"--prefer {prefer!r} is not one of the versions ({', '.join(v.name for v in comp.versions)})")
    return {r.index: prefer for r in comp.disagreements}


@dataclass
class Outcome:
    comparison: Comparison
    result: AnnotationSet | None   # None for a dry run (compared, nothing resolved or written)
    path: Any = None


def adjudicate(repo: Repo, doc_id: str, *, annotators: Sequence[str] | None = None, prefer: str | None = None,
               out: str = GOLD, replace: bool = False, choose: Callable[[Comparison, Region], str] | None = None,
               dry_run: bool = False, date: str | None = None,
               on_compare: Callable[[Comparison], None] | None = None) -> Outcome:
    """Compare, resolve (``prefer`` in batch, else ``choose(comparison, region)`` per disagreement) and
    write ``out`` (gold or a pass name). An existing output file is refused without ``replace``.
    ``on_compare(comparison)`` is called once the versions are compared, before any choice (the CLI shows
    the disagreements there); a dry run stops after it and writes nothing."""
    if out != GOLD and not ID_RE.match(out):
        raise CasusError(f"output name {out!r}: a pass name is letters, digits, _ . -")
    target = repo.annotation_path(doc_id, out)
    if target.is_file() and not replace and not dry_run:
        raise StoreError(f"{target} exists; pass --replace to overwrite it with the adjudicated version")
    comp = compare(load_versions(repo, doc_id, annotators))
    if on_compare is not None:
        on_compare(comp)
    if dry_run:
        return Outcome(comparison=comp, result=None)
    if prefer is not None:
        choices = batch_choices(comp, prefer)
    elif choose is not None:
        choices = {r.index: choose(comp, r) for r in comp.disagreements}
    elif comp.disagreements:
        raise CasusError("disagreements need --prefer ANNOTATOR or interactive choices")
    else:
        choices = {}
    result = resolve(comp, choices, annotator=out, prefer=prefer, date=date)
    return Outcome(comparison=comp, result=result, path=repo.write_annotation(result, out))
