"""The labelling flow: raw article -> ingest -> speakers -> model -> records.

``load_labeller(run_dir)`` loads a saved run and returns a :class:`Labeller`; ``src.labelling.cli`` is the
``python -m src.predict`` command. Ingestion (``ingest``) splits a raw article into sentences and reads its
header and transcript turns; the speaker package (``src.speakers``) says who speaks each sentence and for whom.
"""

from src.labelling.labeller import Labeller, load_labeller, stance_profile

__all__ = ["Labeller", "load_labeller", "stance_profile"]
