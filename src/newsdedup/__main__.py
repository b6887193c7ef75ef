"""``python -m newsdedup``, and the ``newsdedup`` command's entry point, :func:`main`.

The entry point lives here rather than in :mod:`newsdedup.cli` because worker processes
are spawned (see :mod:`newsdedup.parallel`): a spawned interpreter runs the parent's
script again, and the ``newsdedup`` script's first line imports its entry point's
module. From :mod:`newsdedup.cli` that was typer and rich (and then pydantic), about 0.1 s
of every worker's start for nothing; this module imports nothing heavy until it is called.
(``python -m`` is not run again: :mod:`multiprocessing` skips ``__main__`` modules.)
"""

import os


def main() -> None:
    """Run the command line (see :func:`newsdedup.cli.main`)."""
    limit_blas_threads()
    from .cli import main as run

    run()


def limit_blas_threads() -> None:
    """Have NumPy's BLAS (OpenBLAS, in NumPy's wheels) start no threads of its own, unless
    ``OPENBLAS_NUM_THREADS`` says otherwise; call it before NumPy is imported.

    OpenBLAS starts a thread per core as NumPy is imported, and on this 2-core machine
    they spun for 0.10-0.15 s of CPU each time (importing NumPy took 0.25-0.28 s of CPU,
    against 0.10-0.16 s with one thread): in every command, and in every worker process
    of every ``ingest``, where the other core is busy. newsdedup does no linear algebra.
    Workers inherit the setting from the environment, and set it themselves too
    (:mod:`newsdedup.workerpool`: the pool may be started by a program of the caller's),
    in time unless that program's main script imports NumPy itself: a spawned worker runs
    it again before it starts (set ``OPENBLAS_NUM_THREADS=1`` there, or in the environment).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


if __name__ == "__main__":
    main()
