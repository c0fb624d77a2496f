"""``engine=dask``: label an archive's partitions on a Dask cluster.

The driver (``python -m src.predict``) reads the inputs and sends each partition's articles to a worker; the
worker loads the model directory once (on the first partition it gets; later ones reuse it; a worker with several
threads loads it once per thread, so keep ``dask.threads_per_worker=1`` and one worker per core), labels the
partition with :func:`src.labelling.archive.label_partition` and writes its file into the output directory, which
must therefore be a path every worker can reach (a shared file system on a cluster; the model directory and any
officeholders tables likewise). Only the driver writes the manifest. A bounded number of partitions is in flight
at a time, so the driver never holds more than a few partitions of a large table.

Without ``dask.address`` a ``LocalCluster`` is started on this machine; with it, the run joins a running
scheduler (dask-jobqueue on SLURM, Kubernetes, ``dask scheduler`` + ``dask worker``; see the README).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from src.errors import ConfigError
from src.labelling.archive import LabellerSpec, PartitionJob, label_partition
from src.labelling.tables import Partition

# Partitions queued per worker thread beyond the one it labels: keeps workers busy while the driver reads ahead.
IN_FLIGHT_PER_THREAD = 2

# Per worker thread: the labellers it has loaded, by what they were loaded from. Not shared between threads: a
# labeller keeps mutable caches (the TF-IDF word columns, for one) that concurrent calls would corrupt.
_LABELLERS = threading.local()


def worker_labeller(spec: LabellerSpec) -> Any:
    """This worker thread's labeller for ``spec``, loaded on its first partition and kept for the next ones."""
    loaded: dict[LabellerSpec, Any] = _LABELLERS.__dict__.setdefault("by_spec", {})
    if spec not in loaded:
        # Dask runs the workers side by side already: the labeller must not fork processes of its own.
        loaded[spec] = spec.load(workers=1)
    return loaded[spec]


def label_on_worker(spec: LabellerSpec, job: PartitionJob, partition: Partition) -> dict[str, Any]:
    """The task each partition becomes: label it with the worker's labeller and write its file."""
    return label_partition(worker_labeller(spec), partition, job)


def connect(
    address: str | None,
    n_workers: int | None,
    threads_per_worker: int,
    processes: bool,
    timeout: float,
) -> tuple[Any, Callable[[], None]]:
    """A Dask client of the scheduler at ``address``, or of a new LocalCluster; returns ``(client, close)``.

    Raises:
        ConfigError: The scheduler cannot be reached within ``timeout`` seconds, or the settings are invalid.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            "engine=dask needs dask.distributed: pip install -e '.[dask]' (or 'dask[distributed]')"
        ) from None
    if threads_per_worker < 1:
        raise ConfigError(f"dask.threads_per_worker: must be at least 1, got {threads_per_worker}")
    if address:
        try:
            client = Client(address, timeout=f"{timeout}s")
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"dask.address: cannot reach the Dask scheduler at {address} ({reason})"
            ) from None
        return client, client.close
    from src.labelling.labeller import available_cores

    workers = n_workers or max(1, available_cores() // threads_per_worker)
    if workers < 1:
        raise ConfigError(f"dask.n_workers: must be at least 1, got {workers}")
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        dashboard_address=None,
    )
    client = Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()

    return client, close


def dask_engine(
    spec: LabellerSpec,
    job: PartitionJob,
    address: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    processes: bool = True,
    timeout: float = 10.0,
) -> tuple[Callable[[Iterable[Partition]], Iterator[dict[str, Any]]], Callable[[], None]]:
    """Start (or join) the cluster; returns ``(run, close)`` as :func:`src.labelling.archive.local_engine` does.

    ``run`` yields each partition's manifest entry as it finishes (not in input order: the manifest is keyed by
    partition name, and each file's content does not depend on which worker wrote it).
    """
    from distributed import as_completed

    client, close = connect(address, n_workers, threads_per_worker, processes, timeout)

    def run(parts: Iterable[Partition]) -> Iterator[dict[str, Any]]:
        limit = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
        pending = iter(parts)
        queue = as_completed()
        in_flight = 0
        for partition in pending:
            queue.add(client.submit(label_on_worker, spec, job, partition, pure=False))
            in_flight += 1
            if in_flight >= limit:
                break
        for future in queue:
            in_flight -= 1
            entry = future.result()  # a worker's error (bad model, unwritable output) ends the run here
            future.release()
            yield entry
            following = next(pending, None)
            if following is not None:
                queue.add(client.submit(label_on_worker, spec, job, following, pure=False))
                in_flight += 1

    return run, close
