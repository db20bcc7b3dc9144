"""casus: hand-annotated conflict-event corpora, HuggingFace datasets, and honestly measured models.

Offset convention (the only one in casus): character offsets into the document text, counted in
Unicode code points (Python string indices), end exclusive, so ``text[start:end]`` is a span's text.
"""

__version__ = "0.1.0"
