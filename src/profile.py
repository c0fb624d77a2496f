"""``python -m src.profile OUTPUT_DIR [--out DIR]``: stance shares of labelled output by speaker, role, source and
month, with bootstrap intervals over articles (see :mod:`src.labelling.corpus_profile`).

The work is done by :func:`src.labelling.corpus_profile.build_profile`; this module only parses arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from src.errors import DiplostanceError


def main(argv: Sequence[str] | None = None) -> int:
    """Profile an output directory of ``python -m src.predict``: CSV tables and PNG figures, main table printed."""
    from src.labelling.corpus_profile import PROFILE_DIR, build_profile, main_table, write_profile

    parser = argparse.ArgumentParser(prog="python -m src.profile", description=main.__doc__)
    parser.add_argument(
        "output_dir", type=Path, help="an output directory of python -m src.predict (output=DIR)"
    )
    parser.add_argument(
        "--out", type=Path, help="new profile directory (default: OUTPUT_DIR/_profile, replaced)"
    )
    parser.add_argument("--top", type=int, default=25, help="speakers in the speaker table and figure")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples per group")
    parser.add_argument("--confidence", type=float, default=0.95, help="two-sided interval level")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    try:
        profile = build_profile(
            args.output_dir,
            top=args.top,
            resamples=args.resamples,
            confidence=args.confidence,
            seed=args.seed,
            figures=not args.no_figures,
        )
        out = write_profile(profile, args.out or args.output_dir / PROFILE_DIR, replace=args.out is None)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(main_table(profile), flush=True)
    print(f"profile: {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
