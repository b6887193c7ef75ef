"""Reports of a comparison: JSON, Markdown and plain text, and the view every renderer shares.

A report renders one result of :func:`newsdedup.diff.diff` and computes
nothing: the terminal view (:mod:`newsdedup.report_terminal`) and the HTML page
(:mod:`newsdedup.report_html`) draw the same :class:`GroupView` objects built
here. Text is marked in three ways: ``del`` (words of A's version that B does not
have), ``ins`` (words of B's version that A does not have) and ``reused`` (a
sentence of an unmatched paragraph found in the other article). Plain text shows
them as ``[-del-]``, ``{+ins+}`` and ``[=reused=]``, as wdiff does.

Example:
    >>> from newsdedup.records import Block
    >>> segments("Kết luận hội nghị.", [(9, 17, "del")])
    (('Kết luận ', None), ('hội nghị', 'del'), ('.', None))
    >>> plain_segments(segments("Kết luận hội nghị.", [(9, 17, "del")]))
    'Kết luận [-hội nghị-].'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .align import Alignment, Group
from .compare import ClusterComparison
from .errors import ConfigError
from .records import Article, Block

Comparison = Alignment | ClusterComparison
Segment = tuple[str, str | None]
#: Output formats of ``newsdedup diff``.
FORMATS: tuple[str, ...] = ("text", "markdown", "json", "html")

KIND_LABELS: dict[str, str] = {
    "identical": "same",
    "changed": "changed",
    "split": "split",
    "merged": "merged",
    "moved": "moved",
    "only-a": "only A",
    "only-b": "only B",
}
KIND_HELP: dict[str, str] = {
    "identical": "the same text in both (spelling variants aside)",
    "changed": "one paragraph each, edited",
    "split": "one paragraph of A in two or three of B",
    "merged": "two or three paragraphs of A in one of B",
    "moved": "matched out of order",
    "only-a": "only in A",
    "only-b": "only in B",
}
SECTION_TITLES: dict[str, str] = {
    "title": "Title",
    "dateline": "Dateline",
    "body": "Body",
    "caption": "Captions",
    "byline": "Byline",
    "other": "Other blocks",
}
STATUS_SYMBOLS: dict[str, str] = {"present": "●", "changed": "◐", "partial": "◔", "absent": "·"}
STATUS_PLAIN: dict[str, str] = {"present": "=", "changed": "~", "partial": "+", "absent": "."}
_PLAIN_MARKS = {"del": ("[-", "-]"), "ins": ("{+", "+}"), "reused": ("[=", "=]")}
#: Paired versions less similar than this are shown without word marks.
REWRITTEN_BELOW = 0.4


# -- the shared view -----------------------------------------------------------


@dataclass(frozen=True)
class BlockView:
    """One block of one side of a group, cut into marked segments."""

    index: int
    role: str
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The block's text, unmarked."""
        return "".join(text for text, _ in self.segments)


@dataclass(frozen=True)
class GroupView:
    """A group ready to draw: its blocks on each side, a label and a note."""

    group: Group
    a: tuple[BlockView, ...]
    b: tuple[BlockView, ...]
    label: str
    note: str


def segments(text: str, marks: Iterable[tuple[int, int, str]]) -> tuple[Segment, ...]:
    """Cut ``text`` into ``(text, mark)`` segments; ``marks`` are ``(start, end, mark)`` spans.

    Overlapping marks are clipped, so every character appears once.

    >>> segments("abcdef", [(4, 6, "ins"), (0, 2, "del"), (1, 3, "del")])
    (('ab', 'del'), ('c', 'del'), ('d', None), ('ef', 'ins'))
    """
    out: list[Segment] = []
    position = 0
    for start, end, mark in sorted(marks):
        start = max(start, position)
        if end <= start:
            continue
        if start > position:
            out.append((text[position:start], None))
        out.append((text[start:end], mark))
        position = end
    if position < len(text):
        out.append((text[position:], None))
    return tuple(out)


def group_view(group: Group, blocks_a: dict[int, Block], blocks_b: dict[int, Block]) -> GroupView:
    """The view of one group of an alignment of articles with these blocks.

    Versions less than :data:`REWRITTEN_BELOW` similar (titles and bylines,
    which are always paired) are shown unmarked: marking nearly every word
    would say less than the note "rewritten".
    """
    marks_a: dict[int, list[tuple[int, int, str]]] = {}
    marks_b: dict[int, list[tuple[int, int, str]]] = {}
    rewritten = group.similarity < REWRITTEN_BELOW and bool(group.a and group.b)
    for change in () if rewritten else group.changes:
        for span in change.a:
            marks_a.setdefault(span.block, []).append((span.start, span.end, "del"))
        for span in change.b:
            marks_b.setdefault(span.block, []).append((span.start, span.end, "ins"))
    notes: list[str] = []
    for reuse in group.reused:
        if group.a:
            marks_a.setdefault(reuse.a.block, []).append((reuse.a.start, reuse.a.end, "reused"))
            notes.append(f"B [{reuse.b.block}]")
        else:
            marks_b.setdefault(reuse.b.block, []).append((reuse.b.start, reuse.b.end, "reused"))
            notes.append(f"A [{reuse.a.block}]")
    note = ""
    if group.kind in ("changed", "split", "merged", "moved"):
        note = f"{'rewritten, ' if rewritten else ''}{group.similarity:.0%} similar"
    if notes:
        where = ", ".join(dict.fromkeys(notes))
        count = len(group.reused)
        note = f"{count} sentence{'s' if count != 1 else ''} also in {where}"
    return GroupView(
        group=group,
        a=tuple(_block_view(blocks_a[i], marks_a.get(i, ())) for i in group.a),
        b=tuple(_block_view(blocks_b[i], marks_b.get(i, ())) for i in group.b),
        label=KIND_LABELS.get(group.kind, group.kind),
        note=note,
    )


def _block_view(block: Block, marks: Iterable[tuple[int, int, str]]) -> BlockView:
    return BlockView(block.index, block.role, segments(block.text, marks))


def alignment_views(alignment: Alignment) -> list[tuple[str, list[GroupView]]]:
    """The groups of an alignment as views, section by section (sections with no group left out)."""
    blocks_a = {b.index: b for b in alignment.a.blocks}
    blocks_b = {b.index: b for b in alignment.b.blocks}
    out: list[tuple[str, list[GroupView]]] = []
    for group in alignment.groups:
        if not out or out[-1][0] != group.section:
            out.append((group.section, []))
        out[-1][1].append(group_view(group, blocks_a, blocks_b))
    return out


def summary(alignment: Alignment, section: str = "body") -> str:
    """A one-line count of a section's groups by kind.

    >>> from newsdedup.align import _stub
    >>> summary(Alignment(_stub(1), _stub(2), ()))
    'no body paragraphs'
    """
    counts = alignment.counts(section)
    parts = [f"{n} {KIND_LABELS[k] if k.startswith('only') else k}" for k, n in counts.items() if n]
    return ", ".join(parts) if parts else f"no {section} paragraphs"


def article_label(article: Article) -> str:
    """A short name for an article: its source and id, and which revision when it has several.

    >>> from dataclasses import replace
    >>> from newsdedup.align import _stub
    >>> article_label(_stub(7)), article_label(replace(_stub(7), source="vne", revision=1, revisions=3))
    ('#7', 'vne #7@1')
    """
    name = f"#{article_ref(article)}"
    return f"{article.source} {name}" if article.source else name


def article_ref(article: Article) -> str:
    """The article's id, with ``@revision`` when it has several revisions (as ``newsdedup diff`` takes it).

    >>> from newsdedup.align import _stub
    >>> article_ref(_stub(7))
    '7'
    """
    several = article.revisions is not None and article.revisions > 1 and article.revision is not None
    return f"{article.id}@{article.revision}" if several else str(article.id)


def article_meta(article: Article) -> dict[str, object]:
    """The metadata of an article that reports show."""
    return {
        "id": article.id,
        "revision": article.revision,
        "source": article.source,
        "title": article.title,
        "published": article.published,
        "url": article.url,
        "origin": article.origin,
    }


def passage_text(result: ClusterComparison, index: int) -> str:
    """The text of passage ``index`` in the words of the article it comes from."""
    passage = result.passages[index]
    blocks = {b.index: b.text for b in result.articles[passage.origin].blocks}
    return " ".join(blocks[i] for i in passage.blocks)


def cell_text(result: ClusterComparison, passage: int, position: int) -> str:
    """The text of one article's version of a passage ('' when absent)."""
    cell = result.passages[passage].cells[position]
    blocks = {b.index: b.text for b in result.articles[position].blocks}
    return " ".join(blocks[i] for i in cell.blocks)


# -- JSON ------------------------------------------------------------------------


def to_json_dict(result: Comparison) -> dict[str, object]:
    """The JSON document of a comparison (``type`` is ``pair`` or ``cluster``)."""
    if isinstance(result, Alignment):
        return {
            "type": "pair",
            "articles": [{"side": "a", **article_meta(result.a)}, {"side": "b", **article_meta(result.b)}],
            "summary": {section: result.counts(section) for section in sorted({g.section for g in result.groups})},
            "groups": [g.to_dict() for g in result.groups],
        }
    arts = result.articles
    return {
        "type": "cluster",
        "articles": [article_meta(a) for a in arts],
        "pivot": result.pivot_article.id,
        "pivot_rule": result.pivot_rule,
        "passages": [p.to_dict(arts) for p in result.passages],
        "alone": {article_ref(a): list(result.alone(i)) for i, a in enumerate(arts)},
        "pairs": [
            {"a": al.a.id, "b": al.b.id, "summary": al.counts("body"), "groups": [g.to_dict() for g in al.groups]}
            for al in result.alignments
        ],
    }


def render_json(result: Comparison) -> str:
    """The JSON document as one line of text (UTF-8 characters kept, not escaped)."""
    return json.dumps(to_json_dict(result), ensure_ascii=False) + "\n"


def render(result: Comparison, fmt: str) -> str:
    """The comparison in one of :data:`FORMATS` (``text`` is the plain text view).

    >>> from newsdedup.align import _stub
    >>> render(Alignment(_stub(1), _stub(2), ()), "json").startswith('{"type": "pair"')
    True
    """
    if fmt == "text":
        return render_plain(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "json":
        return render_json(result)
    if fmt == "html":
        from .report_html import render_html

        return render_html(result)
    raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


# -- plain text --------------------------------------------------------------------


def plain_segments(segs: Iterable[Segment]) -> str:
    """Segments as text with wdiff-style marks."""
    out = []
    for text, mark in segs:
        if mark is None:
            out.append(text)
        else:
            left, right = _PLAIN_MARKS[mark]
            out.append(f"{left}{text}{right}")
    return "".join(out)


def _refs(side: str, blocks: Sequence[BlockView]) -> str:
    return f"{side} [{', '.join(str(b.index) for b in blocks)}]" if blocks else ""


def render_plain(result: Comparison) -> str:
    """The comparison as plain text, for pipes, files and narrow terminals."""
    if isinstance(result, ClusterComparison):
        return _plain_cluster(result)
    lines = [
        f"A: {article_label(result.a)}  {result.a.published or ''}  {result.a.title or ''}".rstrip(),
        f"B: {article_label(result.b)}  {result.b.published or ''}  {result.b.title or ''}".rstrip(),
        f"Body: {summary(result)}",
        "Marks: [-words only in A-] {+words only in B+} [=sentence found in the other article=]",
    ]
    for section, views in alignment_views(result):
        lines += ["", f"== {SECTION_TITLES.get(section, section)} =="]
        for view in views:
            refs = " / ".join(r for r in (_refs("A", view.a), _refs("B", view.b)) if r)
            lines.append("")
            lines.append(f"[{view.label}] {refs}" + (f"  ({view.note})" if view.note else ""))
            if view.group.kind == "identical":
                lines.append("  A=B: " + " ¶ ".join(plain_segments(b.segments) for b in view.a))
                continue
            if view.a:
                lines.append("  A: " + " ¶ ".join(plain_segments(b.segments) for b in view.a))
            if view.b:
                lines.append("  B: " + " ¶ ".join(plain_segments(b.segments) for b in view.b))
    return "\n".join(lines) + "\n"


def _plain_cluster(result: ClusterComparison) -> str:
    arts = result.articles
    lines = [f"{len(arts)} articles; pivot {article_label(result.pivot_article)} ({result.pivot_rule})"]
    for n, article in enumerate(arts, 1):
        lines.append(f"  {n}. {article_label(article)}  {article.published or ''}  {article.title or ''}".rstrip())
    legend = ", ".join(f"{STATUS_PLAIN[s]} {s}" for s in STATUS_PLAIN)
    lines += ["", f"Passages x articles ({legend}):"]
    header = " ".join(f"{n:>2}" for n in range(1, len(arts) + 1))
    lines.append(f"  {'':>4} {header}  passage")
    for i, passage in enumerate(result.passages):
        marks = " ".join(f"{STATUS_PLAIN[c.status]:>2}" for c in passage.cells)
        lines.append(f"  {i + 1:>4} {marks}  {_excerpt(passage_text(result, i), 90)}")
    lines += ["", "What each article alone carries:"]
    for position, article in enumerate(arts):
        alone = result.alone(position)
        plural = "s" if len(alone) != 1 else ""
        lines.append(f"  {position + 1}. {article_label(article)}: {len(alone)} passage{plural}")
        for i in alone:
            blocks = ", ".join(map(str, result.passages[i].blocks))
            lines.append(f"     - [{blocks}] {passage_text(result, i)}")
    return "\n".join(lines) + "\n"


def _excerpt(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# -- Markdown ---------------------------------------------------------------------

# Markup characters get a backslash; <, > and & become entities, which every
# Markdown renderer shows as text (not all honour a backslash before "<").
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md_escape(text: str) -> str:
    """Escape text for Markdown: inline markup characters and HTML.

    >>> md_escape("a*b* <script> | x")
    'a\\\\*b\\\\* &lt;script&gt; \\\\| x'
    """
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _md_segments(segs: Iterable[Segment]) -> str:
    out = []
    for text, mark in segs:
        escaped = md_escape(text)
        if not escaped.strip() or mark is None:
            out.append(escaped)
        elif mark == "del":
            out.append(f"~~{escaped}~~")
        elif mark == "ins":
            out.append(f"**{escaped}**")
        else:
            out.append(f"<mark>{escaped}</mark>")
    return "".join(out)


def render_markdown(result: Comparison) -> str:
    """The comparison as GitHub-flavoured Markdown."""
    if isinstance(result, ClusterComparison):
        return _markdown_cluster(result)
    a, b = result.a, result.b
    lines = [
        f"# {md_escape(a.title or article_label(a))} / {md_escape(b.title or article_label(b))}",
        "",
        "| | article | published | title |",
        "|---|---|---|---|",
        f"| A | {md_escape(article_label(a))} | {a.published or ''} | {md_escape(a.title or '')} |",
        f"| B | {md_escape(article_label(b))} | {b.published or ''} | {md_escape(b.title or '')} |",
        "",
        f"**Body:** {summary(result)}. ~~Struck~~ words are only in A's version, **bold** ones only in B's; "
        "<mark>marked</mark> sentences are found in the other article.",
    ]
    for section, views in alignment_views(result):
        lines += ["", f"## {SECTION_TITLES.get(section, section)}"]
        for view in views:
            refs = " / ".join(r for r in (_refs("A", view.a), _refs("B", view.b)) if r)
            lines += ["", f"**{view.label}** · {refs}" + (f" · {view.note}" if view.note else ""), ""]
            if view.group.kind == "identical":
                lines.append("> " + " ¶ ".join(_md_segments(b.segments) for b in view.a))
                continue
            if view.a:
                lines.append("> **A** " + " ¶ ".join(_md_segments(b.segments) for b in view.a))
            if view.a and view.b:
                lines.append(">")
            if view.b:
                lines.append("> **B** " + " ¶ ".join(_md_segments(b.segments) for b in view.b))
    return "\n".join(lines) + "\n"


def _markdown_cluster(result: ClusterComparison) -> str:
    arts = result.articles
    lines = [
        f"# {len(arts)} articles compared",
        "",
        f"Pivot: {md_escape(article_label(result.pivot_article))} ({result.pivot_rule}).",
        "",
        "| # | article | published | title |",
        "|---|---|---|---|",
    ]
    for n, a in enumerate(arts, 1):
        lines.append(f"| {n} | {md_escape(article_label(a))} | {a.published or ''} | {md_escape(a.title or '')} |")
    legend = ", ".join(f"{STATUS_SYMBOLS[s]} {s}" for s in STATUS_SYMBOLS)
    lines += ["", f"## Passages ({legend})", ""]
    lines.append("| passage | " + " | ".join(str(n) for n in range(1, len(arts) + 1)) + " |")
    lines.append("|---|" + "---|" * len(arts))
    for i, passage in enumerate(result.passages):
        cells = " | ".join(STATUS_SYMBOLS[c.status] for c in passage.cells)
        lines.append(f"| {md_escape(_excerpt(passage_text(result, i), 80))} | {cells} |")
    lines += ["", "## What each article alone carries"]
    for position, article in enumerate(arts):
        alone = result.alone(position)
        lines += ["", f"### {position + 1}. {md_escape(article_label(article))} ({len(alone)})"]
        for i in alone:
            lines += ["", "> " + md_escape(passage_text(result, i))]
    return "\n".join(lines) + "\n"
