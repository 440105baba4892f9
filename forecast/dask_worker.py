"""What each Dask worker process is set up with (imported only where a cluster is used: it needs ``distributed``)."""

from __future__ import annotations

from distributed import WorkerPlugin

#: BLAS and OpenMP threads per worker process (each worker is one thread; more would fight over the cores).
BLAS_THREADS = 1


class OneBlasThread(WorkerPlugin):
    """One BLAS thread in each worker process (workers that join later included)."""

    name = "shiftcast-one-blas-thread"

    def setup(self, worker) -> None:
        from threadpoolctl import threadpool_limits

        worker._shiftcast_blas_limits = threadpool_limits(limits=BLAS_THREADS)
