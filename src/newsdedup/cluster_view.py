"""Terminal tables for ``newsdedup clusters``, ``similar`` and ``history`` (rich).

Example:
    >>> clusters_table([])  # prints a line saying there is none
    No clusters of that size yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .cluster import ClusterSummary, SimilarArticle, copy_note, not_linked_note
from .records import Article, Revision, shown_title

if TYPE_CHECKING:
    from rich.console import Console


def clusters_table(clusters: Sequence[ClusterSummary], *, level: str | None = None) -> None:
    """Print clusters: id, size, dates, sources, canonical title (``level``: of the links of
    that level or stronger)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not clusters:
        console.print(
            f"No clusters of that size with links of level {level} or stronger."
            if level
            else "No clusters of that size yet."
        )
        return
    table = Table(show_edge=False, pad_edge=False)
    for name in ("cluster", "size", "published", "sources", "title (canonical article)", "members"):
        table.add_column(name, overflow="fold", justify="right" if name in ("cluster", "size") else "left")
    for c in clusters:
        dates = c.first_published or ""
        if c.last_published and c.last_published != c.first_published:
            dates += f" .. {c.last_published}"
        members = ", ".join(map(str, c.members[:8])) + (", ..." if len(c.members) > 8 else "")
        table.add_row(str(c.id), str(c.size), dates, ", ".join(c.sources), shown_title(c.title, c.origin), members)
    console.print(table)


def similar_table(
    article: Article,
    found: Sequence[SimilarArticle],
    separated: Sequence[int] = (),
    *,
    linked: bool | None = None,
    level: str | None = None,
) -> None:
    """Print an article's links: id, level, score, evidence, title; and the articles kept
    apart from it by hand. ``level``: ``found`` holds the links of that level or stronger
    only; ``linked``: whether the article has links at all (default: whether ``found`` has any)."""
    from rich.console import Console
    from rich.text import Text

    console = Console()
    console.print(Text(f"{article.id}: {shown_title(article.title, article.origin)}", style="bold"))
    console.print(Text(f"cluster {article.cluster}", style="dim"))
    note = not_linked_note(article, linked=bool(found) if linked is None else linked)
    if note:
        console.print(note)
    elif not found:
        console.print(f"No link at level {level} or stronger." if level and linked else "No linked article.")
    if found:
        _links_table(console, article, found)
    if separated:
        ids = ", ".join(map(str, separated))
        console.print(
            Text(f"Kept apart by hand: {ids} (`newsdedup link {article.id} ID` links one again).", style="dim")
        )


def _links_table(console: Console, article: Article, found: Sequence[SimilarArticle]) -> None:
    """Print the table of an article's links, and the note of an exact copy."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    for name in ("id", "level", "score", "evidence", "source", "published", "title"):
        # (a level, an id or a score broken across lines reads as two)
        table.add_column(
            name,
            overflow="fold",
            no_wrap=name in ("id", "level", "score"),
            justify="right" if name in ("id", "score") else "left",
        )
    for s in found:
        evidence = s.link.evidence or {}
        shown = (
            f"J {evidence['jaccard']}, {evidence['passages']} passages, {evidence['passage_words']} words"
            if "passages" in evidence
            else ", ".join(f"{k} {v}" for k, v in evidence.items())
        )
        table.add_row(
            str(s.link.other),
            s.link.level,
            f"{s.link.score:.2f}",
            shown,
            s.source or "",
            s.published or "",
            shown_title(s.title, s.origin),
        )
    console.print(table)
    copied = copy_note(article)
    if copied:
        console.print(Text(copied[:1].upper() + copied[1:] + ".", style="dim"))


def history_table(article: Article, revisions: Sequence[Revision]) -> None:
    """Print an article's revisions: number, when fetched (or archived), title, what changed."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(f"{article.id}: {shown_title(article.title, article.origin)}", style="bold"))
    plural = "s" if len(revisions) != 1 else ""
    console.print(Text(f"{article.url or article.origin or ''} ({len(revisions)} revision{plural})", style="dim"))
    table = Table(show_edge=False, pad_edge=False)
    for name in ("rev", "fetched (UTC)", "title", "what changed"):
        table.add_column(name, overflow="fold", justify="right" if name == "rev" else "left")
    for r in revisions:
        # Files have no fetch time: the time they were archived stands in, marked as such.
        when = _utc_minute(r.fetched_at) if r.fetched_at else _utc_minute(r.ingested_at) + "*"
        table.add_row(str(r.number), when, r.title or "", r.summary)
    console.print(table)
    if any(r.fetched_at is None for r in revisions):
        console.print(Text("* when archived: the input had no fetch time", style="dim"))
    if len(revisions) > 1:
        console.print(Text(f"Compare two with: newsdedup diff {article.id}@1 {article.id}", style="dim"))


def _utc_minute(when: str) -> str:
    """An ISO 8601 time to the minute, in UTC (naive times are taken as UTC).

    >>> _utc_minute("2024-05-01T12:30:59+07:00"), _utc_minute("yesterday")
    ('2024-05-01 05:30', 'yesterday')
    """
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(when)
    except ValueError:
        return when
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M")
