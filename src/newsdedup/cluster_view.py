"""Terminal tables for ``newsdedup clusters`` and ``newsdedup similar`` (rich).

Example:
    >>> clusters_table([])  # prints a line saying there is none
    No clusters of that size yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from .cluster import ClusterSummary, SimilarArticle, not_linked_note
from .records import Article


def clusters_table(clusters: Sequence[ClusterSummary]) -> None:
    """Print clusters: id, size, dates, sources, canonical title."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not clusters:
        console.print("No clusters of that size yet.")
        return
    table = Table(show_edge=False, pad_edge=False)
    for name in ("cluster", "size", "published", "sources", "title (canonical article)", "members"):
        table.add_column(name, overflow="fold", justify="right" if name in ("cluster", "size") else "left")
    for c in clusters:
        dates = c.first_published or ""
        if c.last_published and c.last_published != c.first_published:
            dates += f" .. {c.last_published}"
        members = ", ".join(map(str, c.members[:8])) + (", ..." if len(c.members) > 8 else "")
        table.add_row(str(c.id), str(c.size), dates, ", ".join(c.sources), c.title or f"#{c.canonical}", members)
    console.print(table)


def similar_table(article: Article, found: Sequence[SimilarArticle]) -> None:
    """Print an article's links: id, level, score, evidence, title."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(f"{article.id}: {article.title or '(no title)'}", style="bold"))
    console.print(Text(f"cluster {article.cluster}", style="dim"))
    note = not_linked_note(article)
    if note:
        console.print(note)
        return
    if not found:
        console.print("No linked article.")
        return
    table = Table(show_edge=False, pad_edge=False)
    for name in ("id", "level", "score", "evidence", "source", "published", "title"):
        table.add_column(name, overflow="fold", justify="right" if name in ("id", "score") else "left")
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
            s.title or "",
        )
    console.print(table)
