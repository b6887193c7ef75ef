"""The terminal view of a comparison, with rich: side by side when the terminal is wide enough.

Two articles: one row per group, A on the left, B on the right, the kind of
group between them; deleted words in red, inserted ones in green, reused
sentences underlined in yellow. Below :data:`SIDE_BY_SIDE_MIN_WIDTH` columns the
two versions are stacked instead. Several articles: a passages x articles grid,
then what each article alone carries. For pipes and files the CLI uses
:func:`newsdedup.report.render_plain` instead (no colours, no layout).

Example:
    >>> from io import StringIO
    >>> from rich.console import Console
    >>> from newsdedup.align import Alignment, _stub
    >>> console = Console(file=StringIO(), width=120)
    >>> print_terminal(Alignment(_stub(1), _stub(2), ()), console)
    >>> "no body paragraphs" in console.file.getvalue()
    True
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .align import Alignment
from .compare import ClusterComparison
from .report import (
    SECTION_TITLES,
    STATUS_SYMBOLS,
    BlockView,
    Comparison,
    GroupView,
    Segment,
    alignment_views,
    article_label,
    cell_text,
    passage_text,
    summary,
)

#: Narrower terminals get the two versions one above the other.
SIDE_BY_SIDE_MIN_WIDTH = 100
MARK_STYLES = {"del": "bold red", "ins": "bold green", "reused": "bold underline yellow"}
KIND_STYLES = {
    "identical": "dim",
    "changed": "yellow",
    "split": "cyan",
    "merged": "cyan",
    "moved": "magenta",
    "only-a": "red",
    "only-b": "green",
}
STATUS_STYLES = {"present": "green", "changed": "yellow", "partial": "cyan", "absent": "dim"}


def print_terminal(result: Comparison, console: Console) -> None:
    """Print a comparison on ``console``, laid out for its width."""
    if isinstance(result, ClusterComparison):
        _print_cluster(result, console)
    else:
        _print_pair(result, console)


def _styled(segments: tuple[Segment, ...], base: str = "") -> Text:
    text = Text(style=base)
    for part, mark in segments:
        text.append(part, style=MARK_STYLES[mark] if mark else None)
    return text


def _side(blocks: tuple[BlockView, ...], base: str = "") -> Text:
    out = Text()
    for n, block in enumerate(blocks):
        if n:
            out.append("\n\n")
        out.append(f"[{block.index}] ", style="dim")
        out.append_text(_styled(block.segments, base))
    return out


def _legend() -> Text:
    return Text.assemble(
        ("deleted", MARK_STYLES["del"]),
        " words only in A's version · ",
        ("inserted", MARK_STYLES["ins"]),
        " only in B's · ",
        ("reused", MARK_STYLES["reused"]),
        " sentence found in the other article",
    )


def _print_pair(result: Alignment, console: Console) -> None:
    header = Table.grid(padding=(0, 1))
    header.add_column(style="bold")
    header.add_column()
    for side, article in (("A", result.a), ("B", result.b)):
        header.add_row(
            side,
            Text.assemble(
                (article_label(article), "bold"),
                (f"  {article.published}" if article.published else "", "dim"),
                "  ",
                article.title or "",
            ),
        )
    console.print(header)
    console.print(Text.assemble(("Body: ", "bold"), summary(result)))
    console.print(_legend(), style="dim")
    wide = console.width >= SIDE_BY_SIDE_MIN_WIDTH
    for section, views in alignment_views(result):
        console.rule(Text(SECTION_TITLES.get(section, section), style="bold"))
        if wide:
            console.print(_side_by_side(views))
        else:
            for view in views:
                console.print(_stacked(view))
                console.print()


def _middle(view: GroupView) -> Text:
    text = Text(view.label, style=f"bold {KIND_STYLES.get(view.group.kind, '')}")
    if view.note:
        text.append("\n" + view.note, style="dim")
    return text


def _side_by_side(views: list[GroupView]) -> Table:
    table = Table(box=box.SIMPLE, show_header=True, show_lines=True, expand=True, pad_edge=False)
    table.add_column("A", ratio=1, overflow="fold")
    table.add_column("", width=11, justify="center", overflow="fold")
    table.add_column("B", ratio=1, overflow="fold")
    for view in views:
        base = "dim" if view.group.kind == "identical" else ""
        table.add_row(_side(view.a, base), _middle(view), _side(view.b, base))
    return table


def _stacked(view: GroupView) -> Group:
    refs = " / ".join(
        f"{side} [{', '.join(str(b.index) for b in blocks)}]"
        for side, blocks in (("A", view.a), ("B", view.b))
        if blocks
    )
    title = Text.assemble((view.label, f"bold {KIND_STYLES.get(view.group.kind, '')}"), " ", (refs, "dim"))
    if view.note:
        title.append(f"  {view.note}", style="dim")
    parts: list[Text] = [title]
    if view.group.kind == "identical":
        parts.append(Text.assemble(("A=B ", "bold dim"), _side(view.a, "dim")))
    else:
        if view.a:
            parts.append(Text.assemble(("A ", "bold"), _side(view.a)))
        if view.b:
            parts.append(Text.assemble(("B ", "bold"), _side(view.b)))
    return Group(*parts)


def _print_cluster(result: ClusterComparison, console: Console) -> None:
    arts = result.articles
    console.print(
        Text.assemble(
            (f"{len(arts)} articles", "bold"),
            f"; pivot {article_label(result.pivot_article)} ({result.pivot_rule})",
        )
    )
    people = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name in ("#", "article", "published", "title"):
        people.add_column(name, overflow="fold", no_wrap=name != "title")
    for n, article in enumerate(arts, 1):
        people.add_row(str(n), article_label(article), article.published or "", article.title or "")
    console.print(people)
    console.print(
        Text.assemble(*[(f"{STATUS_SYMBOLS[s]} {s}   ", STATUS_STYLES[s]) for s in STATUS_SYMBOLS]), style="bold"
    )
    grid = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, expand=True)
    grid.add_column("", justify="right", style="dim", no_wrap=True)
    for n in range(1, len(arts) + 1):
        grid.add_column(str(n), justify="center", no_wrap=True)
    grid.add_column("passage", ratio=1, no_wrap=True, overflow="ellipsis")
    for i, passage in enumerate(result.passages):
        cells = [Text(STATUS_SYMBOLS[c.status], style=STATUS_STYLES[c.status]) for c in passage.cells]
        grid.add_row(str(i + 1), *cells, passage_text(result, i))
    console.print(grid)
    for position, article in enumerate(arts):
        alone = result.alone(position)
        console.rule(Text(f"Only in {position + 1}. {article_label(article)}: {len(alone)}", style="bold"))
        for i in alone:
            console.print(Text.assemble((f"{i + 1} ", "dim"), cell_text(result, i, position)))
            console.print()
