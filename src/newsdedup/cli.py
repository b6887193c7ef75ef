"""The ``newsdedup`` command line: a thin layer over the library.

Each command parses its arguments, makes one call on an :class:`Archive` (or
:func:`ingest_paths`), and prints the result: a table for people, JSON with
``--json``. Errors print ``Error: ...`` on stderr and exit 1; usage errors
exit 2. Heavy modules are imported inside commands so ``--help`` is instant.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from .config import Config
from .errors import ConfigError, NewsdedupError
from .records import MAX_ID, shown_title

if TYPE_CHECKING:
    from rich.console import Console

    from .archive import Archive
    from .workerpool import WorkerPool

DEFAULT_ARCHIVE = "archive"
ENV_ARCHIVE = "NEWSDEDUP_ARCHIVE"

app = typer.Typer(
    name="newsdedup",
    help="A deduplicating news-article archive and diff tool.\n\nExample:  newsdedup ingest data/ && newsdedup list",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LevelOption = Annotated[
    str | None,
    typer.Option(
        "--level",
        metavar="LEVEL",
        help="Only links of this level or stronger: exact (copies), near-duplicate (copies republished "
        "with changes) or same-story (all).",
    ),
]


def _level(level: str) -> str:
    """``--level``'s link level (in any case), or a usage error."""
    from .config import LINK_LEVELS

    chosen = level.strip().lower()
    if chosen not in LINK_LEVELS:
        _fail(f"--level must be one of {', '.join(LINK_LEVELS)}, got {level!r}", code=2)
    return chosen


def _up_to(level: str | None) -> tuple[str, ...] | None:
    """The link levels from the strongest down to ``level`` (of ``--level``), or None for all."""
    from .config import LINK_LEVELS

    return None if level is None else LINK_LEVELS[: LINK_LEVELS.index(_level(level)) + 1]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"newsdedup {version('newsdedup')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    archive: Annotated[
        str,
        typer.Option(
            "--archive",
            "-a",
            envvar=ENV_ARCHIVE,
            metavar="PATH",
            help="Archive folder (holds newsdedup.db) or .db file.",
        ),
    ] = DEFAULT_ARCHIVE,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A deduplicating news-article archive and diff tool."""
    ctx.obj = {"archive": archive}


def _open(ctx: typer.Context, config: Config | None = None, *, create: bool = False) -> Archive:
    """The archive named by --archive; only ``ingest`` creates one. An archive of an older
    schema is migrated on opening, which is said on stderr: it may take a while."""
    from .archive import Archive

    started: list[float] = []

    def migrating(old: int, new: int) -> None:
        started.append(time.monotonic())
        typer.echo(
            f"Migrating the archive {ctx.obj['archive']} from schema version {old} to {new} "
            "(once; other newsdedup commands on it wait meanwhile)...",
            err=True,
        )

    archive = Archive(ctx.obj["archive"], config, create=create, on_migrate=migrating)
    if started:
        typer.echo(f"Migrated in {time.monotonic() - started[0]:.1f} s.", err=True)
    return archive


#: The exit status of a command stopped by Ctrl-C (SIGINT), as shells give one: 128 + 2.
INTERRUPTED = 130


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _within_sqlite(ctx: typer.Context, param: typer.CallbackParam, value: int | None) -> int | None:
    """An option's number, refused when SQLite cannot hold it (as ``max=MAX_ID`` would, without
    printing 9223372036854775807 in every ``--help``)."""
    if value is not None and value > MAX_ID:
        raise typer.BadParameter(f"{value} is too large (at most {MAX_ID:,})")
    return value


#: The command-line options of ``ingest`` that set a :class:`Config` field.
_INGEST_OPTIONS = {
    "max_input_bytes": "--max-bytes",
    "input_format": "--format",
    "source": "--source",
    "batch_size": "--batch-size",
    "workers": "--workers",
    "fetch_timeout": "--timeout",
    "user_agent": "--user-agent",
}


def _fail_option(err: ConfigError, options: dict[str, str]) -> NoReturn:
    """A usage error for an option's value: the library names the field (``input_format must
    be one of ...``), the user typed the option (``--format must be one of ...``)."""
    message = str(err)
    name, space, rest = message.partition(" ")
    _fail(f"{options[name]}{space}{rest}" if name in options else message, code=2)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders (read recursively), .gz files, WARC files, RSS/Atom feeds, URLs, or - for stdin.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from-file",
            metavar="FILE",
            help="Also read inputs from FILE, one per line (# comments; - for stdin).",
        ),
    ] = None,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes",
            metavar="BYTES",
            min=1,
            callback=_within_sqlite,
            help="Refuse inputs larger than this (after decompression).",
        ),
    ] = Config().max_input_bytes,
    input_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Input format: auto, text or html.")
    ] = "auto",
    source: Annotated[
        str | None, typer.Option("--source", metavar="NAME", help="Outlet name for every article of this run.")
    ] = None,
    source_from_folder: Annotated[
        bool,
        typer.Option(
            "--source-from-folder",
            help="Outlet name for each file: its folder directly under the folder named (corpus/VNE/2020/a.txt: VNE).",
        ),
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            metavar="N",
            min=1,
            callback=_within_sqlite,
            help="Articles per transaction (the last ones of a run with workers: 128).",
        ),
    ] = Config().batch_size,
    include_hidden: Annotated[bool, typer.Option("--include-hidden", help="Also read dot-files in folders.")] = False,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-j",
            metavar="N",
            min=1,
            help="Processes fetching and preparing inputs, this one included (default: the cores; 1: this one alone).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", min=0.001, help="Seconds one fetch of a URL may take.")
    ] = Config().fetch_timeout,
    user_agent: Annotated[
        str | None,
        typer.Option("--user-agent", metavar="TEXT", help="User-Agent for fetching (default: newsdedup/VERSION ...)."),
    ] = None,
) -> None:
    """Archive articles from files, folders, .gz files, stdin, URLs, RSS/Atom feeds and WARC crawls.

    A feed's entries with the article's text are archived from the feed; the
    others are fetched from their links (robots.txt obeyed; an entry whose page
    is archived and not newer is not fetched again). Every HTML page of a
    WARC becomes an article; other records are skipped. URLs are compared
    without tracking parameters, case or trailing slashes.

    Prints a summary, or with --json one object per item (a file, a page, a
    feed entry, a WARC record): path, id, status (new, revision, duplicate,
    skipped, error) and, for errors, error; stored articles also get
    their cluster and their strongest link (id, level, score, evidence), or a
    note when they have no body text to link. An input whose URL is archived
    already is a new revision of that article when its title or body changed
    (status revision, with its number), else a duplicate (match same-url).
    Exits 1 if any input failed.

    Example:  newsdedup ingest data/ crawl.warc.gz https://example.com/rss --from-file feeds.txt

    Example (one folder per outlet):  newsdedup ingest corpus/ --source-from-folder
    """
    from .sources import STDIN, read_input_list, storable

    names = list(paths or [])
    if from_file == STDIN and STDIN in names:
        _fail("standard input cannot be both --from-file - and an input (-)", code=2)
    if not names and from_file is None:
        _fail("no inputs: name files, folders, URLs or feeds, or use --from-file", code=2)
    if source is not None and source_from_folder:
        _fail(f"--source {source!r} and --source-from-folder exclude each other: give one outlet name or none", code=2)
    try:
        if from_file is not None:
            listed = read_input_list(from_file)
            if from_file == STDIN and STDIN in listed:
                _fail("the list read from standard input (--from-file -) names - (standard input) again", code=2)
            names += listed
        if names.count(STDIN) > 1:
            _fail(f"standard input (-) can be read once; it is named {names.count(STDIN)} times", code=2)
        if source is not None and not source.strip():  # (the library would say "or None")
            _fail(f"--source must name an outlet (leave it out for none), got {source!r}", code=2)
        config = Config(
            max_input_bytes=max_bytes,
            input_format=input_format.lower(),  # type: ignore[arg-type]
            source=None if source is None else storable(source),  # (bytes of argv that are not UTF-8: \\xNN)
            source_from_folder=source_from_folder,
            batch_size=batch_size,
            include_hidden=include_hidden,
            fetch_timeout=timeout,
            user_agent=user_agent,
        )
        if workers is not None:
            config = config.with_options(workers=workers)
    except ConfigError as err:
        _fail_option(err, _INGEST_OPTIONS)
    except NewsdedupError as err:
        _fail(str(err))
    with _worker_pool(names, config) as pool:
        _ingest(ctx, names, config, pool, as_json=as_json, progress=progress)


#: Files from which ``ingest`` starts its workers at once (``parallel.MIN_PARALLEL``).
_MANY_INPUTS = 64


def _worker_pool(names: list[str], config: Config) -> contextlib.AbstractContextManager[WorkerPool | None]:
    """The workers of an ingest of many files (a large folder, a long list), started now:
    they start while this process imports and opens the archive (see
    :mod:`newsdedup.workerpool`). Otherwise none: a large feed or crawl starts them itself,
    as does a run that finds it has many once it is under way."""
    from .sources import iter_inputs

    if config.workers == 1:
        return contextlib.nullcontext()
    # Walked again to be read: counting stops at the threshold, so a large folder costs the
    # listing of its first directory, not a walk (54 ms for one of 60,983 files, 7 ms for
    # four of 21k on average).
    files = iter_inputs(names, include_hidden=config.include_hidden)
    if sum(1 for _ in itertools.islice(files, _MANY_INPUTS)) < _MANY_INPUTS:
        return contextlib.nullcontext()
    from .workerpool import WorkerPool

    try:
        return WorkerPool(config.workers - 1)
    except OSError:  # no processes here (no /dev/shm, a process limit): this process does it all
        return contextlib.nullcontext()


class _StopOnInterrupt:
    """While entered (in the main thread), the first Ctrl-C (SIGINT) only asks the run to stop
    (:meth:`requested` then says True, for ``ingest_paths``'s ``stop``), saying so on
    ``console``; a second one raises ``KeyboardInterrupt`` as usual."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._asked = False
        self.stopped = False  # the run was told to stop (after Ctrl-C): its work is not all done
        self._installed = False
        self._previous: Any = None

    def requested(self) -> bool:
        """Whether Ctrl-C was pressed; once it said so, :attr:`stopped` is True."""
        self.stopped = self.stopped or self._asked
        return self._asked

    def _handle(self, signum: int, frame: object) -> None:
        if self._asked:
            raise KeyboardInterrupt
        self._asked = True
        self.console.print("Stopping once the batch being written is archived (Ctrl-C again to stop now).")

    def __enter__(self) -> _StopOnInterrupt:
        import signal

        # Only the main thread may set handlers; and a run started with SIGINT ignored (a
        # shell's background job) or handled by its caller keeps it so.
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        import signal

        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False


def _ingest(
    ctx: typer.Context,
    names: list[str],
    config: Config,
    pool: WorkerPool | None,
    *,
    as_json: bool,
    progress: bool | None,
) -> None:
    from .ingest import ingest_paths
    from .sources import find_inputs
    from .workerpool import settle_collector

    try:
        archive = _open(ctx, config, create=True)
    except NewsdedupError as err:
        _fail(str(err))
    counts = {"new": 0, "revision": 0, "duplicate": 0, "skipped": 0, "error": 0}
    show_progress = (not as_json and sys.stderr.isatty()) if progress is None else progress
    err_console = _stderr_console()
    with archive, _progress(err_console, show_progress) as bar:
        # Folders are walked here, once, so the bar knows how many inputs there are
        # (not how many items: a feed's or a crawl's are counted as they come).
        inputs = find_inputs(names, include_hidden=config.include_hidden, source_from_folder=config.source_from_folder)
        # What exists now lives as long as the run: the modules, and an object per input
        # (61k for VNTC's VNE folder, beside 29.5k after the imports). Frozen, the cyclic
        # garbage collector no longer walks them; and it collects less often (see settle_collector).
        settle_collector()
        task = bar.add_task(_progress_text(counts), total=len(inputs)) if bar else None

        def input_done(_: str) -> None:
            if bar is not None and task is not None:
                bar.update(task, advance=1)

        # Ctrl-C stops the run once the batch being written is reported (every article archived
        # is then in the output, as --json readers need); a second Ctrl-C stops it at once.
        stopping = _StopOnInterrupt(err_console)
        reported_all = False  # every article archived is reported (the run stopped between batches)
        try:
            with stopping:
                for result in ingest_paths(
                    archive, inputs, config, on_input=input_done, pool=pool, stop=stopping.requested
                ):
                    counts[result.status] += 1
                    if bar is not None and task is not None:
                        bar.update(task, description=_progress_text(counts))
                    if as_json:
                        _print_json(result.to_dict())
                    elif result.status == "error":
                        typer.echo(f"Error: {result.path}: {result.error}", err=True)
            if stopping.stopped:  # (a Ctrl-C after the last batch was asked for stops nothing)
                reported_all = True
                raise KeyboardInterrupt
        except NewsdedupError as err:
            _fail(str(err))
        except KeyboardInterrupt:
            # Results come as their batch is committed: those counted are archived.
            done = sum(counts.values())
            more = "" if reported_all else " (a batch being written when it stopped may be archived too)"
            _fail(
                f"interrupted after {done:,} item{'s' if done != 1 else ''} (files, feed entries, crawl records): "
                f"what they gave is archived{more}; ingest the same inputs again to go on (those archived are "
                "found as duplicates)",
                code=INTERRUPTED,
            )
    if not as_json:
        total = sum(counts.values())
        # Revisions and skipped items are named only when there are some: most runs (files) have none.
        revised = f"{counts['revision']} revised, " if counts["revision"] else ""
        skipped = f"{counts['skipped']} skipped, " if counts["skipped"] else ""
        items = f"{total} input{'s' if total != 1 else ''}"
        if total != len(inputs):  # feeds and crawls: items are entries and records
            items = f"{total} item{'s' if total != 1 else ''} from {len(inputs)} input{'s' if len(inputs) != 1 else ''}"
        typer.echo(
            f"{items}: {counts['new']} new, {revised}{counts['duplicate']} duplicate, {skipped}"
            f"{counts['error']} error{'s' if counts['error'] != 1 else ''} (archive: {archive.path})"
        )
    if counts["error"]:
        raise typer.Exit(1)


def _progress_text(counts: dict[str, int]) -> str:
    revised = f"{counts['revision']} rev, " if counts["revision"] else ""
    return (
        f"{sum(counts.values()):,} items: {counts['new']:,} new, {revised}{counts['duplicate']:,} dup, "
        f"{counts['skipped']:,} skipped, {counts['error']:,} err"
    )


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


def _progress(console: Console, enabled: bool, unit: str = "inputs") -> Any:
    if not enabled:
        return _NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # The bar counts named inputs (known ahead); the text counts items as they come (a
    # crawl's or a feed's number is known only once read), so no time-remaining guess.
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command("list")
def list_articles(
    ctx: typer.Context,
    as_json: JsonOption = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", metavar="N", min=0, callback=_within_sqlite, help="Show at most this many (0: all)."
        ),
    ] = 50,
    offset: Annotated[
        int, typer.Option("--offset", metavar="N", min=0, callback=_within_sqlite, help="Skip this many first.")
    ] = 0,
    source: Annotated[
        str | None, typer.Option("--source", metavar="NAME", help="Only articles from this outlet.")
    ] = None,
    no_duplicates: Annotated[bool, typer.Option("--no-duplicates", help="Hide exact duplicates.")] = False,
) -> None:
    """List archived articles: id, date, source, title.

    Example:  newsdedup list --limit 20 --json
    """
    try:
        with _open(ctx) as archive:
            articles = archive.articles(
                limit=limit or None, offset=offset, source=source, include_duplicates=not no_duplicates
            )
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json([{k: v for k, v in a.to_dict().items() if k != "blocks"} for a in articles])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for name in ("id", "published", "source", "title", "status"):
        table.add_column(
            name,
            overflow="fold" if name == "title" else "ellipsis",
            no_wrap=name != "title",
            justify="right" if name == "id" else "left",
        )
    for a in articles:
        status = f"dup of {a.duplicate_of}" if a.duplicate_of is not None else ""
        if (a.revisions or 1) > 1:
            status = ", ".join(filter(None, (status, f"{a.revisions} revisions")))
        table.add_row(str(a.id), a.published or "", a.source or "", shown_title(a.title, a.origin), status)
    Console().print(table)


@app.command()
def show(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(metavar="ID", max=MAX_ID, help="Article id (see `newsdedup list`).")],
    as_json: JsonOption = False,
) -> None:
    """Show one article with its metadata and its blocks in reading order.

    Dropped blocks are shown dimmed with the reason they were dropped.

    Example:  newsdedup show 1 --json
    """
    try:
        with _open(ctx) as archive:
            article = archive.get(article_id)
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json(article.to_dict())
        return
    from rich.console import Console
    from rich.text import Text

    # Piped, lines are not wrapped at 80 columns: URLs and paths stay whole for grep.
    console = Console(soft_wrap=not sys.stdout.isatty())
    console.print(Text(shown_title(article.title), style="bold"))
    for label, value in (
        ("id", article.id),
        ("source", article.source),
        ("url", article.url),
        ("published", article.published),
        ("author", article.author),
        ("origin", article.origin),
        ("duplicate of", article.duplicate_of),
        ("cluster", article.cluster),
        (
            "revision",
            f"{article.revision} of {article.revisions} (newsdedup history {article.id})"
            if (article.revisions or 1) > 1
            else None,
        ),
    ):
        if value is not None:
            console.print(Text.assemble((f"{label}: ", "dim"), str(value)))
    for block in article.blocks:
        console.print()
        tag = f"[{block.index} {block.role}]" if block.kept else f"[{block.index} dropped: {block.reason}]"
        console.print(
            Text.assemble((tag, "cyan" if block.kept else "dim"), " ", (block.text, "" if block.kept else "dim strike"))
        )


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Counts and sizes of the archive.

    Example:  newsdedup --archive /data/news stats --json
    """
    try:
        with _open(ctx) as archive:
            result = archive.stats()
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json(result.to_dict())
        return
    for key, value in result.to_dict().items():
        typer.echo(f"{key.replace('_', ' ')}: {value:,}" if isinstance(value, int) else f"{key}: {value}")


@app.command()
def reindex(
    ctx: typer.Context,
    as_json: JsonOption = False,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
    ] = None,
) -> None:
    """Fingerprint every article again from its archived text and rebuild the duplicate index.

    The repair for an index damaged on disk (an error that names a damaged
    fingerprint or band filter), or made by a newsdedup with another fingerprint
    scheme. Links and clusters are kept; links found anew are added. One write
    transaction, about a millisecond an article (90 s for 80k): an interrupted
    run changes nothing, other commands read the old index meanwhile, and an
    ingest waits for it (up to a minute, then fails).

    Example:  newsdedup --archive /data/news reindex
    """
    show_progress = (not as_json and sys.stderr.isatty()) if progress is None else progress
    try:
        with _open(ctx) as archive, _progress(_stderr_console(), show_progress, "articles") as bar:
            task = bar.add_task("Re-indexing", total=None) if bar else None

            def advance(done: int, total: int) -> None:
                if bar is not None and task is not None:
                    bar.update(task, completed=done, total=total)

            done = archive.reindex(progress=advance)
    except NewsdedupError as err:
        _fail(str(err))
    except KeyboardInterrupt:
        _fail("interrupted: the index is as it was (the rebuild is one transaction)", code=INTERRUPTED)
    if as_json:
        _print_json(done.to_dict())
        return
    articles, copies, links = (
        f"{n:,} {one if n == 1 else many}"
        for n, one, many in (
            (done.articles, "article", "articles"),
            (done.copies, "exact copy", "exact copies"),
            (done.links_added, "link", "links"),
        )
    )
    removed = f", {done.links_removed:,} that no longer hold removed" if done.links_removed else ""
    typer.echo(
        f"Re-indexed {articles} ({done.fingerprinted:,} fingerprinted, {done.without_body:,} without body text; "
        f"{copies} kept as linked to their originals) in {done.seconds:.1f} s; {links} added{removed} "
        f"(archive: {archive.path})"
    )


@app.command()
def clusters(
    ctx: typer.Context,
    as_json: JsonOption = False,
    min_size: Annotated[
        int,
        typer.Option(
            "--min-size", metavar="N", min=1, callback=_within_sqlite, help="Only clusters of at least this many."
        ),
    ] = 2,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", metavar="N", min=0, callback=_within_sqlite, help="Show at most this many (0: all)."
        ),
    ] = 50,
    offset: Annotated[
        int, typer.Option("--offset", metavar="N", min=0, callback=_within_sqlite, help="Skip this many first.")
    ] = 0,
    level: LevelOption = None,
) -> None:
    """List clusters of articles that copy or share passages, largest first.

    A cluster's id is its first article's id; its title is its canonical
    (first archived, not an exact copy) article's. With --level, the groups
    that links of that level or stronger make: --level near-duplicate lists
    each article's copies, --level exact its identical copies.

    Example:  newsdedup clusters --min-size 3 --level near-duplicate --json
    """
    levels = _up_to(level)
    try:
        with _open(ctx) as archive:
            found = archive.clusters(min_size=min_size, limit=limit or None, offset=offset, levels=levels)
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json([c.to_dict() for c in found])
        return
    from .cluster_view import clusters_table

    clusters_table(found, level=None if levels is None else levels[-1])


@app.command()
def similar(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(metavar="ID", max=MAX_ID, help="Article id (see `newsdedup list`).")],
    as_json: JsonOption = False,
    level: LevelOption = None,
) -> None:
    """Articles linked to one article: level (exact, near-duplicate, same-story), score, evidence.

    Also the articles kept apart from it by hand (`newsdedup unlink`).

    Example:  newsdedup similar 1 --level near-duplicate --json
    """
    levels = _up_to(level)
    try:
        with _open(ctx) as archive:
            article = archive.get(article_id)
            found = archive.similar(article_id, levels=levels)
            linked = bool(found) or (levels is not None and bool(archive.similar(article_id)))
            separated = archive.separated(article_id)
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        from .cluster import copy_note, not_linked_note

        note = not_linked_note(article, linked=linked) or copy_note(article)
        _print_json(
            {
                "id": article.id,
                "cluster": article.cluster,
                "similar": [s.to_dict() for s in found],
                "separated": separated,
            }
            | ({"note": note} if note else {})
        )
        return
    from .cluster_view import similar_table

    similar_table(article, found, separated, linked=linked, level=None if levels is None else levels[-1])


_PAIR_A = Annotated[int, typer.Argument(metavar="ID", max=MAX_ID, help="An article id (see `newsdedup list`).")]
_PAIR_B = Annotated[int, typer.Argument(metavar="OTHER", max=MAX_ID, help="The other article's id.")]
_PAIR_JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")]


@app.command()
def link(
    ctx: typer.Context,
    article_id: _PAIR_A,
    other_id: _PAIR_B,
    level: Annotated[
        str, typer.Option("--level", metavar="LEVEL", help="exact, near-duplicate or same-story.")
    ] = "same-story",
    as_json: _PAIR_JSON = False,
) -> None:
    """Link two articles by hand: they join one cluster, and the link stays whatever their texts become.

    For coverage of one story that shares no passage, which ingestion cannot
    find. It takes back an `unlink` of the two.

    Example:  newsdedup link 12 40 --level same-story
    """
    chosen = _level(level)
    try:
        with _open(ctx) as archive:
            cluster = archive.link(article_id, other_id, chosen)
            # (An exact copy's link is its original's; two articles of one text are linked as copies.)
            pair = archive.links.originals_of(article_id, other_id)
            # The stronger level wins: a link there already may be kept (now as given by hand).
            kept = (
                "exact"
                if pair is None
                else next(s.link.level for s in archive.similar(pair[0]) if s.link.other == pair[1])
            )
    except NewsdedupError as err:
        _fail(str(err))
    a, b = pair or (article_id, other_id)
    if as_json:
        _print_json({"a": a, "b": b, "level": kept, "cluster": cluster})
        return
    if pair is None:
        typer.echo(
            f"Articles {article_id} and {other_id} have the same body text: they are linked as exact copies "
            f"already (cluster {cluster})."
        )
        return
    copies = [f"{x} is an exact copy of {y}" for x, y in ((article_id, a), (other_id, b)) if x != y]
    level = chosen if kept == chosen else f"{kept}: the stronger link there already is kept"
    said = f"{'; '.join(copies)}: linked {a} and {b}" if copies else f"Linked {a} and {b}"
    typer.echo(f"{said} by hand ({level}); {b} is in cluster {cluster}.")


@app.command()
def unlink(ctx: typer.Context, article_id: _PAIR_A, other_id: _PAIR_B, as_json: _PAIR_JSON = False) -> None:
    """Separate two articles by hand: their link goes, and ingestion never links them again.

    For a same-story link between different events that share only stock text
    (a results table, an advertiser's blurb). Their clusters split unless other
    links still join them. `newsdedup link` takes it back; an exact copy cannot
    be separated from its original.

    Example:  newsdedup unlink 12 40 --json
    """
    try:
        with _open(ctx) as archive:
            done = archive.unlink(article_id, other_id)
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json(done.to_dict())
        return
    a, b, removed = done.a, done.b, done.removed
    if done.asked is not None:
        copies = [f"{x} is an exact copy of {y}" for x, y in zip(done.asked, (a, b), strict=True) if x != y]
        typer.echo(f"{' and '.join(copies)}: separating {a} and {b}, whose links hold for the copies' text.")
    what = (
        f"Unlinked {a} and {b} (was {removed.level}, score {removed.score:.2f})"
        if removed
        else f"No link joined {a} and {b}"
    )
    typer.echo(f"{what}; ingestion will not link them again (`newsdedup link {a} {b}` takes this back).")
    if done.apart:
        typer.echo(f"{a} is in cluster {done.cluster_a}, {b} in cluster {done.cluster_b}.")
    else:
        chain = " - ".join(map(str, done.joined_by))
        typer.echo(
            f"Both are still in cluster {done.cluster_a}, joined through other articles: {chain} "
            "(unlink one of those pairs to part them; `newsdedup similar ID` shows an article's links)."
        )


@app.command()
def history(
    ctx: typer.Context,
    article: Annotated[
        str,
        typer.Argument(
            metavar="URL|ID", help="An article id (see `newsdedup list`), a URL it was archived under or fetched from."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """List the revisions of an article: when each was fetched, its title, what changed.

    An article gets a new revision each time its URL is ingested again with
    another title or body; white space, the date line and dropped page
    furniture do not count. URLs are compared normalised (no utm_* tracking
    parameters, any case of scheme and host, with or without a trailing slash).
    An article is archived under its page's own (canonical) URL; the URL it was
    fetched from finds it too. Compare two revisions with `newsdedup diff ID@N ID@M`.

    Example:  newsdedup history https://example.com/news/a-1 --json
    """
    if not article.strip():
        _fail("name an article: its id or a URL", code=2)
    try:
        with _open(ctx) as archive:
            revisions = archive.history(_article_of(archive, article))
            current = archive.get(revisions[0].article_id)
    except NewsdedupError as err:
        _fail(str(err))
    if as_json:
        _print_json({"id": current.id, "url": current.url, "revisions": [r.to_dict() for r in revisions]})
        return
    from .cluster_view import history_table

    history_table(current, revisions)


def _article_of(archive: Archive, ref: str) -> int | str:
    """An article id, or the URL ``history`` is given: the article's own, else one it was fetched from.

    A page's canonical link names the article (``/tin/bai-1.html``) whatever URL led to it
    (``m.``, a short link, a redirect): the fetch log knows the URLs asked for.
    """
    from .errors import ArticleNotFound, InputError
    from .fetchlog import lookup
    from .urls import normalize_url

    if ref.strip().isdigit():
        return int(ref)
    try:
        return archive.find_url(ref)
    except ArticleNotFound:
        try:
            record = lookup(archive.conn, normalize_url(ref))
        except InputError:
            record = None
        if record is None or record.kind != "page" or record.article_id is None:
            raise
        return record.article_id


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="REF",
            help="Two or more article ids (see `newsdedup list`), or revisions: ID@N (12@1; 12@-2 is the "
            "one before the latest; see `newsdedup history`). One ref alone: compared with the latest revision.",
            show_default=False,
        ),
    ] = None,
    cluster: Annotated[
        int | None,
        typer.Option(
            "--cluster",
            "-c",
            metavar="ID",
            callback=_within_sqlite,
            help="Compare the articles of this cluster (`newsdedup clusters`).",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="text, markdown, json or html.")
    ] = "text",
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE.")
    ] = None,
    pivot: Annotated[
        str,
        typer.Option(
            "--pivot",
            metavar="RULE",
            help="For 3+ articles, the reference: complete (most body text), earliest, or an article id.",
        ),
    ] = "complete",
    as_json: Annotated[bool, typer.Option("--json", help="Short for --format json.")] = False,
) -> None:
    """Compare articles passage by passage: what they share, what each changed, what each alone carries.

    Two ids: a side-by-side diff of paragraphs (same, changed, split, merged,
    moved, only in one), word-level changes, and sentences reused inside
    otherwise different paragraphs. Three or more ids, or --cluster: a
    passages x articles view and what each article alone adds. On a terminal
    the text view has colours and fits its width; piped, it is plain text.

    Revisions of an article (texts it had under its URL) are named ID@N:
    `diff 12@1 12` compares its first revision with its text now, and
    `diff 12` alone what its latest revision changed.

    Example:  newsdedup diff 1 2 --format html --output diff.html

    Example:  newsdedup diff 12@1 12@3
    """
    from .compare import PIVOT_RULES
    from .diff import check_refs, diff
    from .report import FORMATS
    from .revisions import parse_ref

    fmt = "json" if as_json else output_format.lower()
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, got {output_format!r}", code=2)
    rule = pivot.strip().lower()
    if not rule.isdigit() and rule not in PIVOT_RULES:
        _fail(f"--pivot must be one of {', '.join(PIVOT_RULES)} or an article id, got {pivot!r}", code=2)
    try:
        refs = [parse_ref(i) for i in ids or []]
    except NewsdedupError as err:
        _fail(str(err), code=2)
    try:  # what the arguments alone show wrong: a usage error, found before the archive is opened
        check_refs(refs, cluster)
    except NewsdedupError as err:
        _fail(str(err), code=2)
    try:
        with _open(ctx) as archive:
            result = diff(archive, refs, cluster=cluster, pivot=int(rule) if rule.isdigit() else rule)
    except NewsdedupError as err:
        _fail(str(err))
    _emit_report(result, fmt, output)


def _emit_report(result: Any, fmt: str, output: str | None) -> None:
    from .report import render

    if fmt == "text" and output is None:
        from rich.console import Console

        console = Console()
        if console.is_terminal:
            from .report_terminal import print_terminal

            print_terminal(result, console)
            return
    text = render(result, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        _fail(f"cannot write {output}: {err.strerror or err}")
    typer.echo(f"Wrote the {fmt} report to {output} ({len(text.encode()):,} bytes)", err=True)


def main() -> None:
    """Run the command line (``newsdedup`` and ``python -m newsdedup`` come here), then
    exit without the interpreter's teardown.

    Freeing every object and module an ingest loaded (NumPy, SQLite, the index in
    memory) took about 70 ms of each command's wall time, after its work was done: the
    archive is closed and the output written by then. The exit handlers (``atexit``)
    still run and the output is flushed; while a thread that Python would wait for is
    still running, the exit is the usual one.
    """
    try:
        app()
        code: str | int | None = 0
    except SystemExit as stop:
        code = stop.code
    if any(not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # `| head`: the reader stopped reading, as it meant to
        except OSError:
            code = code or 120  # a full disk: as Python reports a failed flush at exit
        except ValueError:
            pass  # a closed stream: nothing left to write
    os._exit(code)
