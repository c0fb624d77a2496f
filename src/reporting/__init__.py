"""The report of finished runs: ``python -m src.report DIR... [--out DIR]``.

The flow follows the files: :mod:`~src.reporting.runs` finds and reads run directories,
:mod:`~src.reporting.groups` groups them by configuration and aligns their predictions,
:mod:`~src.reporting.stats` holds the statistics (document bootstrap, paired permutation test, McNemar),
:mod:`~src.reporting.errors` the error analysis, :mod:`~src.reporting.plots` the figures,
:mod:`~src.reporting.build` computes a report, :mod:`~src.reporting.render` writes it as text, and
:mod:`~src.reporting.cli` is the command line.
"""
