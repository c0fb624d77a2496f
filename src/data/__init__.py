"""Data flow, first stage: read and validate the corpus, split it, ingest raw articles."""
