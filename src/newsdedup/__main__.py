"""``python -m newsdedup``, and the ``newsdedup`` command's entry point, :func:`main`.

The entry point lives here rather than in :mod:`newsdedup.cli` because worker processes
are spawned (see :mod:`newsdedup.parallel`): a spawned interpreter runs the parent's
script again, and the ``newsdedup`` script's first line imports its entry point's
module. From :mod:`newsdedup.cli` that was typer, rich and pydantic, about 0.1 s of
every worker's start for nothing; this module imports nothing until it is called.
(``python -m`` is not run again: :mod:`multiprocessing` skips ``__main__`` modules.)
"""


def main() -> None:
    """Run the command line (see :func:`newsdedup.cli.main`)."""
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
