"""Deterministic demo corpus: text banks (`textgen`) and the generator script (`make_corpus.py`)."""
