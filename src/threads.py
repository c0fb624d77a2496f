"""CPU threads per run, so that parallel jobs on one machine do not oversubscribe its cores.

torch, BLAS and OpenMP each start one thread per core by default. Two joblib jobs on two cores would then run four
busy threads that preempt each other; one thread per job per core is as fast and no slower than one job alone.
"""

from __future__ import annotations

import os
import sys

from src.errors import ConfigError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a cluster scheduler may narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_jobs() -> int:
    """How many jobs of this sweep run at once on this machine: ``n_jobs`` of the joblib launcher, else 1."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return 1
    hydra_cfg = HydraConfig.get()
    target = str(hydra_cfg.launcher.get("_target_", ""))
    if hydra_cfg.mode != RunMode.MULTIRUN or "joblib" not in target.lower():
        return 1
    n_jobs = hydra_cfg.launcher.get("n_jobs")
    cores = available_cores()
    if n_jobs is None or int(n_jobs) < 0:  # joblib's -1: one job per core
        return cores
    return max(1, min(int(n_jobs), cores))


def job_threads(requested: int | None) -> int | None:
    """Threads for this run: ``requested``, or in a joblib sweep an equal share of the cores; ``None`` leaves the
    libraries' own default (every core).

    Raises:
        ConfigError: ``requested`` is below 1.
    """
    if requested is not None:
        if requested < 1:
            raise ConfigError(f"threads: must be at least 1 or null, got {requested}")
        return requested
    jobs = parallel_jobs()
    return max(1, available_cores() // jobs) if jobs > 1 else None


def limit_threads(threads: int | None) -> None:
    """Cap torch, BLAS and OpenMP at ``threads`` in this process (those loaded now, and those loaded later)."""
    if threads is None:
        return
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    if "torch" in sys.modules:  # never imported here: the TF-IDF path stays free of torch
        sys.modules["torch"].set_num_threads(threads)
