"""Label raw articles with a saved run, sentence by sentence.

    python -m src.predict model_dir=outputs/runs/<run> input=article.txt
    python -m src.predict model_dir=<run> input='articles/*.txt' format=jsonl output=labels.jsonl
    cat article.txt | python -m src.predict model_dir=<run> format=csv
    python -m src.predict model_dir=<run> input='archive/*.parquet' output=labels/ engine=dask

The work is done by :func:`src.labelling.cli.predict`; this module is only the Hydra entry point.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from src.config import CONFIG_DIR
from src.errors import DiplostanceError
from src.labelling.cli import predict


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="predict")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: run :func:`predict`, reporting bad input as one line with exit code 2."""
    try:
        predict(cfg)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
