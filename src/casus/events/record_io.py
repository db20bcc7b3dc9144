"""Event records in and out: the flat table (``records.csv`` / ``records.parquet``, one row per record, columns
:data:`FLAT_COLUMNS`) and the Label Studio review loop (records as tasks, corrected tasks back to records).
What a record holds is :mod:`casus.events.records`'s."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import FormatError
from ..model import Document
from ..schema import Schema
from .records import ENTITY_FIELDS, STATUSES, assemble_records, records_to_annotation


def export_labelstudio(records: Sequence[Mapping[str, Any]], documents: Mapping[str, Document], path: Any,
                       schema: Schema, target: str = "predictions") -> int:
    """Write records as Label Studio tasks (one per document; relations = role links) for correction."""
    from ..formats import labelstudio

    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        by_doc.setdefault(r["doc_id"], []).append(r)
    asets = [records_to_annotation(by_doc.get(d, []), documents[d], schema.trigger_label) for d in documents]
    labelstudio.write(asets, path, schema, target=target)
    return len(asets)


def import_labelstudio(path: Any, schema: Schema, source: str = "annotations", article_dates: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Read (corrected) Label Studio tasks back into records."""
    from ..formats import labelstudio

    out: list[dict[str, Any]] = []
    for aset in labelstudio.read(path, schema, source=source):
        out.extend(assemble_records(aset, schema, (article_dates or {}).get(aset.doc_id)))
    return out


FLAT_COLUMNS = ["record_id", "doc_id", "event_id", "type", "subtype", "modality", "date", "date_source",
                "date_span", "triggers", "trigger_spans", "attackers", "attacker_spans", "targets", "target_spans",
                "place", "place_spans", "weapons", "weapon_spans"]
for _st in ("killed", "injured"):
    FLAT_COLUMNS += [f"{_st}_count", f"{_st}_count_max", f"{_st}_qualifier", f"{_st}_group", f"{_st}_text",
                     f"{_st}_spans"]
FLAT_COLUMNS += ["abducted_count", "abducted_spans", "missing_count", "missing_spans", "rank", "article_role",
                 "place_main", "place_main_span", "place_main_source", "confidence", "min_cell_confidence", "withheld"]


def _spans_str(items: Iterable[Mapping[str, Any]]) -> str:
    return ";".join(f"{i['start']}-{i['end']}" for i in items)


def flatten(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One flat row (CSV): list values joined with ``; `` and spans as ``start-end;start-end``."""
    d = rec["date"] or {}
    row: dict[str, Any] = {k: rec.get(k) for k in ("record_id", "doc_id", "event_id", "type", "subtype", "modality")}
    row.update({"date": d.get("value"), "date_source": d.get("source"),
                "date_span": f"{d['start']}-{d['end']}" if d.get("start") is not None else None,
                "triggers": "; ".join(t["text"] for t in rec["triggers"]), "trigger_spans": _spans_str(rec["triggers"])})
    for f, col in (("attackers", "attacker"), ("targets", "target"), ("place", "place"), ("weapons", "weapon")):
        row[f] = "; ".join(i["text"] for i in rec.get(f) or [])
        row[f"{col}_spans"] = _spans_str(rec.get(f) or [])
    pm = rec.get("place_main") or {}
    row.update({"rank": rec.get("rank"), "article_role": rec.get("article_role"), "place_main": pm.get("text"),
                "place_main_span": f"{pm['start']}-{pm['end']}" if pm.get("start") is not None else None,
                "place_main_source": pm.get("source"), "confidence": rec.get("confidence"),
                "min_cell_confidence": rec.get("min_cell_confidence"), "withheld": len(rec.get("withheld") or [])})
    for st in STATUSES:
        t = rec.get(st) or {}
        row[f"{st}_count"] = t.get("count")
        row[f"{st}_spans"] = _spans_str(t.get("spans") or [])
        if st in ("killed", "injured"):
            row[f"{st}_count_max"] = t.get("count_max")
            row[f"{st}_qualifier"] = t.get("qualifier")
            row[f"{st}_group"] = t.get("group")
            row[f"{st}_text"] = t.get("text")
    return {k: row.get(k) for k in FLAT_COLUMNS}


def _parquet_schema():
    import pyarrow as pa

    ref = pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
    item = pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()),
                      ("role", pa.string()), ("confidence", pa.float64())])
    tollt = pa.struct([("count", pa.int64()), ("count_max", pa.int64()), ("qualifier", pa.string()),
                       ("group", pa.string()), ("text", pa.string()), ("spans", pa.list_(ref)), ("rule", pa.string()),
                       ("confidence", pa.float64())])
    cas = pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()),
                     ("role", pa.string()), ("confidence", pa.float64()),
                     ("attrs", pa.struct([("status", pa.string()), ("count", pa.int64()), ("count_max", pa.int64()),
                                          ("count_qualifier", pa.string()), ("group", pa.string())]))])
    fields = [("record_id", pa.string()), ("doc_id", pa.string()), ("event_id", pa.string()), ("type", pa.string()),
              ("subtype", pa.string()), ("modality", pa.string()),
              ("triggers", pa.list_(pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
                                               ("event", pa.string())]))),
              ("date", pa.struct([("value", pa.string()), ("source", pa.string()), ("text", pa.string()),
                                  ("start", pa.int32()), ("end", pa.int32())]))]
    fields += [(f, pa.list_(item)) for f in ENTITY_FIELDS]
    fields += [(st, tollt) for st in STATUSES]
    fields += [("casualties", pa.list_(cas))]
    fields += [("rank", pa.int32()), ("article_role", pa.string()),
               ("place_main", pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
                                         ("level", pa.float64()), ("source", pa.string())])),
               ("confidence", pa.float64()), ("min_cell_confidence", pa.float64()),
               ("withheld", pa.list_(pa.struct([("field", pa.string()), ("text", pa.string()), ("start", pa.int32()),
                                                ("end", pa.int32()), ("confidence", pa.float64())])))]
    return pa.schema(fields)


def write_records(path: Path, records: Sequence[Mapping[str, Any]]) -> int:
    """Write records as JSONL (nested), CSV (flat, see :func:`flatten`) or Parquet (nested), by extension."""
    from ..store import atomic_write

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        atomic_write(path, body)
    elif suffix == ".csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=FLAT_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in records:
            w.writerow(flatten(r))
        atomic_write(path, buf.getvalue())
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([dict(r) for r in records], schema=_parquet_schema())
        tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, str(tmp))
        tmp.replace(path)
    else:
        raise FormatError(f"{path}: unknown record format {path.suffix!r}; use .jsonl, .csv or .parquet")
    return len(records)
