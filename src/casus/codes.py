"""The catalogue of problem codes: every ``Problem.code`` casus emits, with what it means.

``tests/test_codes.py`` checks that every code written in the source is listed here and that
``docs/problem-codes.md`` is this table (regenerate it with ``python -m casus.codes > docs/problem-codes.md``).
"""

from __future__ import annotations

# (area, code, meaning); areas in the order a file is read
CATALOGUE: list[tuple[str, str, str]] = [
    # files and paths
    ("file", "no-such-path", "a path given to validate does not exist"),
    ("file", "unreadable", "a file could not be read (permissions, a folder, an I/O error)"),
    ("file", "not-utf8", "a file is not valid UTF-8 (the byte position is given)"),
    ("file", "malformed-json", "a JSON file does not parse (line and column given)"),
    ("file", "unknown-file", "a file in corpus/ or annotations/ that is none of text, metadata, annotation or inline (warning)"),
    ("file", "bad-schema", "annotations/schema.yaml does not load"),
    # corpus documents and metadata
    ("corpus", "missing-metadata-file", "a corpus text without its .meta.json"),
    ("corpus", "orphan-metadata", "a .meta.json without its text"),
    ("corpus", "no-gold", "a corpus document without a gold annotation (warning)"),
    ("corpus", "crlf", "a corpus text contains carriage returns; corpus texts are LF-only"),
    ("metadata", "meta-type", "the metadata file is not a JSON object"),
    ("metadata", "missing-metadata", "a required metadata key (title, date, region, source, licence, sha256) is missing"),
    ("metadata", "unknown-metadata", "a metadata key casus does not know"),
    ("metadata", "bad-date", "the date is not YYYY-MM-DD"),
    ("metadata", "bad-kind", "kind is not one of report_of_public_event, composite, imported"),
    ("metadata", "bad-hard-negative", "hard_negative is not yes or no"),
    ("metadata", "hard-negative-with-events", "a document marked hard_negative: yes has events"),
    # annotation files: structure
    ("annotation", "not-an-object", "an annotation file does not hold a JSON object"),
    ("annotation", "unknown-key", "an unknown top-level key in an annotation file"),
    ("annotation", "bad-doc-id", "doc_id is missing or not a valid id"),
    ("annotation", "doc-id-mismatch", "doc_id differs from the file name"),
    ("annotation", "no-document", "an annotation whose corpus document is missing"),
    ("annotation", "bad-annotator", "annotator is not a string"),
    ("annotation", "missing-text-hash", "text_sha256 is missing"),
    ("annotation", "text-hash-mismatch", "text_sha256 differs from the corpus text: the text changed since annotation"),
    ("annotation", "spans-type", "spans is not a list"),
    ("annotation", "events-type", "events is not a list"),
    ("annotation", "span-type", "a span is not an object"),
    ("annotation", "event-type", "an event is not an object"),
    # spans
    ("span", "bad-span-id", "a span id is missing or not letters, digits, _ . -"),
    ("span", "duplicate-span-id", "two spans share an id"),
    ("span", "bad-offset-type", "start or end is not an integer"),
    ("span", "empty-or-reversed", "start >= end (end is exclusive)"),
    ("span", "offset-out-of-range", "offsets outside the text"),
    ("span", "missing-span-text", "a span without its text copy"),
    ("span", "text-mismatch", "the span's text copy differs from the document text at its offsets"),
    ("span", "whitespace-edge", "a span starts or ends with whitespace"),
    ("span", "mid-word-boundary", "a span starts or ends inside a word"),
    ("span", "unknown-label", "a label the schema does not define"),
    ("span", "overlap", "two spans overlap (the layer is flat)"),
    ("span", "orphan-trigger", "a TRIGGER span anchors no event"),
    ("span", "trigger-attrs", "a TRIGGER span carries attributes (the event holds them)"),
    # attributes
    ("attribute", "attrs-type", "attrs is not an object"),
    ("attribute", "unknown-attribute", "an attribute the schema does not define for the label or event"),
    ("attribute", "missing-attribute", "a required attribute is missing"),
    ("attribute", "bad-attribute-value", "an attribute value of the wrong type or outside its enum / range"),
    ("attribute", "count-without-qualifier", "a casualty count without count_qualifier"),
    ("attribute", "qualifier-without-count", "a count_qualifier without a count"),
    ("attribute", "range-without-max", "count_qualifier range without count_max"),
    ("attribute", "max-without-range", "count_max without count_qualifier range"),
    ("attribute", "bad-range", "count_max below count"),
    # events
    ("event", "bad-event-id", "an event id is missing or invalid"),
    ("event", "duplicate-event-id", "two events share an id"),
    ("event", "unknown-event-type", "an event type the schema does not define"),
    ("event", "unknown-subtype", "a subtype not listed for the event type"),
    ("event", "dangling-trigger", "an event's trigger is not a span id of the file"),
    ("event", "trigger-label", "an event's trigger span is not labelled TRIGGER"),
    ("event", "shared-trigger", "one trigger span anchors two events (use same_as)"),
    ("event", "args-type", "args is not a list"),
    ("event", "arg-shape", "an argument is not {role, span}"),
    ("event", "unknown-role", "a role the event type does not have"),
    ("event", "dangling-argument", "an argument points at a missing span"),
    ("event", "role-label", "an argument's span has a label the role does not accept"),
    ("event", "duplicate-arg", "the same argument twice"),
    ("event", "self-reference", "same_as points at the event itself"),
    ("event", "dangling-event-ref", "same_as points at a missing event"),
    # the inline contributor format
    ("inline", "missing-header", "the file does not start with a '---' YAML header"),
    ("inline", "unclosed-header", "the YAML header is not closed by '---'"),
    ("inline", "bad-header", "the header is not valid YAML"),
    ("inline", "missing-id", "the header has no id"),
    ("inline", "carriage-return", "a CR character (the inline format is LF-only)"),
    ("inline", "bad-escape", "a backslash before a character that is not [, ] or \\"),
    ("inline", "nested-markup", "'[' inside a span (markup cannot nest)"),
    ("inline", "unmatched-bracket", "']' without an opening '['"),
    ("inline", "unclosed-span", "'[' never closed by ']('"),
    ("inline", "missing-annotation", "']' not followed by '(LABEL ...)'"),
    ("inline", "unclosed-annotation", "'(' of an annotation never closed"),
    ("inline", "bad-annotation", "an annotation that cannot be read"),
    ("inline", "bad-token", "a token inside an annotation that cannot be read"),
    ("inline", "missing-value", "key= without a value"),
    ("inline", "two-ids", "two #ids in one annotation"),
    ("inline", "invalid", "the parsed document does not form a valid annotation (message given)"),
    # imports
    ("import", "id-clash", "two documents with different texts share an id in the source"),
    ("import", "duplicate-id", "one document occurs twice in the source with different annotations"),
    ("import", "crlf-offset", "a span boundary falls inside a CRLF pair in the source"),
    ("import", "would-overwrite", "the import would replace a different existing annotation (use --replace)"),
]

CODES: dict[str, str] = {code: meaning for _, code, meaning in CATALOGUE}


def markdown() -> str:
    lines = ["# Problem codes", "",
             "Every problem casus reports (`casus validate`, `add`, `import`, ...) carries one of these codes, with the",
             "file, the line where known, the span or event id, what is wrong and how to fix it. Generated from",
             "`src/casus/codes.py` (`python -m casus.codes > docs/problem-codes.md`).", "",
             "| area | code | meaning |", "|---|---|---|"]
    lines += [f"| {area} | `{code}` | {meaning} |" for area, code, meaning in CATALOGUE]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
