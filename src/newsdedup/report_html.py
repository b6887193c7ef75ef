"""The HTML report of a comparison: one self-contained page.

The page loads nothing: styles are inline, there is no script and no image, and
a Content-Security-Policy (``default-src 'none'``) forbids the browser to fetch
or run anything, so it opens the same offline, attached to an e-mail or from an
archive. Every piece of article text goes through Jinja2's autoescaping: an
article containing ``<script>`` shows that text. Links to articles are kept
only for ``http`` and ``https`` URLs. Two columns on a wide screen, one on a
phone; a checkbox (CSS only) hides passages both articles share unchanged.

Example:
    >>> from newsdedup.align import Alignment, _stub
    >>> from dataclasses import replace
    >>> page = render_html(Alignment(replace(_stub(1), title="<script>x</script>"), _stub(2), ()))
    >>> "<script>" in page, "&lt;script&gt;x&lt;/script&gt;" in page
    (False, True)
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import jinja2

from .align import KINDS, Alignment
from .compare import STATUSES, ClusterComparison
from .records import Article
from .report import (
    KIND_HELP,
    KIND_LABELS,
    SECTION_TITLES,
    STATUS_SYMBOLS,
    Comparison,
    alignment_views,
    article_label,
    cell_text,
    passage_text,
)

_CSS = """
:root { --bg: #fff; --fg: #1d1d1f; --muted: #6e6e73; --line: #e3e3e8; --card: #f6f6f8;
  --del-bg: #ffe1e1; --del-fg: #8a1111; --ins-bg: #d9f7df; --ins-fg: #0b5d1e; --mark-bg: #fff0a8;
  --same: #8e8e93; --changed: #b25e00; --split: #00708a; --moved: #7a3db8; --only-a: #b3261e; --only-b: #1b7a34; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141416; --fg: #ececf1; --muted: #a1a1aa; --line: #2c2c31; --card: #1d1d21;
    --del-bg: #4a1616; --del-fg: #ffc9c9; --ins-bg: #113d1d; --ins-fg: #c6f5d2; --mark-bg: #5a4b00;
    --same: #8e8e93; --changed: #ffb35c; --split: #5ccfe6; --moved: #c9a4ff; --only-a: #ff8a80; --only-b: #7be08f; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); overflow-wrap: anywhere;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
h1 { font-size: 1.4rem; margin: 20px 0 12px; }
h2 { font-size: 1.1rem; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.articles { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.card { background: var(--card); border-radius: 10px; padding: 10px 14px; overflow-wrap: anywhere; }
.card .who { font-weight: 600; } .card .when, .card .url { color: var(--muted); font-size: .9rem; }
.card a { color: inherit; }
.summary { margin: 14px 0 6px; display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border-radius: 999px; padding: 2px 10px; font-size: .85rem; border: 1px solid var(--line); }
.legend { color: var(--muted); font-size: .9rem; margin: 6px 0; }
.toggle { font-size: .9rem; display: inline-flex; gap: 6px; align-items: center; margin: 6px 0 0; }
del { background: var(--del-bg); color: var(--del-fg); text-decoration: line-through; text-decoration-thickness: 1px; }
ins { background: var(--ins-bg); color: var(--ins-fg); text-decoration: none; }
mark { background: var(--mark-bg); color: inherit; }
del, ins, mark { border-radius: 3px; padding: 0 1px; }
.colhead, .group { display: grid; grid-template-columns: minmax(0, 1fr) 7.5rem minmax(0, 1fr); gap: 12px; }
.colhead { color: var(--muted); font-size: .85rem; font-weight: 600; position: sticky; top: 0;
  background: var(--bg); padding: 6px 0; border-bottom: 1px solid var(--line); z-index: 1; }
.group { padding: 10px 0; border-bottom: 1px solid var(--line); }
.side p { margin: 0 0 .6em; overflow-wrap: anywhere; } .side p:last-child { margin-bottom: 0; }
.idx { color: var(--muted); font-size: .8rem; font-variant-numeric: tabular-nums; margin-right: 4px; }
.kind { text-align: center; font-size: .85rem; }
.badge { display: inline-block; font-weight: 700; border-radius: 6px; padding: 1px 8px;
  border: 1px solid currentColor; }
.kind small { display: block; color: var(--muted); margin-top: 4px; }
.k-identical .badge { color: var(--same); } .k-identical .side { color: var(--muted); }
.k-changed .badge { color: var(--changed); } .k-split .badge, .k-merged .badge { color: var(--split); }
.k-moved .badge { color: var(--moved); } .k-only-a .badge { color: var(--only-a); }
.k-only-b .badge { color: var(--only-b); }
body:has(#hide-same:checked) .k-identical { display: none; }
table.grid { border-collapse: collapse; width: 100%; font-size: .95rem; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 6px 4px; vertical-align: top;
  overflow-wrap: anywhere; }
table.grid th { text-align: left; color: var(--muted); font-size: .85rem; }
table.grid td.s { text-align: center; font-size: 1.1rem; width: 2.2rem; }
.st-present { color: var(--only-b); } .st-changed { color: var(--changed); } .st-partial { color: var(--split); }
.st-absent { color: var(--muted); }
details summary { cursor: pointer; } details .version { margin: 6px 0 6px 12px; overflow-wrap: anywhere; }
details .version b { color: var(--muted); font-weight: 600; margin-right: 6px; }
footer { color: var(--muted); font-size: .8rem; padding: 24px 16px 40px; }
@media (max-width: 760px) {
  body { font-size: 17px; }
  .articles { grid-template-columns: 1fr; }
  .colhead { display: none; }
  .group { grid-template-columns: 1fr; gap: 6px; }
  .kind { text-align: left; order: -1; } .kind small { display: inline; margin-left: 6px; }
  .side:empty { display: none; }
  .side::before { content: attr(data-side); font-weight: 700; color: var(--muted); margin-right: 6px; float: left; }
  table.grid td.s { width: 1.6rem; font-size: 1rem; }
}
"""

# One <head> for every page: the Content-Security-Policy (nothing may load,
# no script may run) must not drift between page kinds.
_HEAD = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>{{ page_title }}</title>
<style>{{ css | safe }}</style>
</head>
"""

_PAIR = (
    """
{%- macro seg(segments) -%}
{%- for text, mark in segments -%}
{%- if mark == "del" %}<del>{{ text }}</del>{% elif mark == "ins" %}<ins>{{ text }}</ins>
{%- elif mark == "reused" %}<mark>{{ text }}</mark>{% else %}{{ text }}{% endif -%}
{%- endfor -%}
{%- endmacro -%}
"""
    + _HEAD
    + """<body>
<header>
<h1>{{ page_title }}</h1>
<div class="articles">
{%- for side, art in articles %}
<div class="card"><div class="who">{{ side }} · {{ art.label }}</div>
<div class="title">{{ art.title }}</div>
{%- if art.published %}<div class="when">{{ art.published }}</div>{% endif %}
{%- if art.url %}<div class="url">{% if art.href %}<a href="{{ art.href }}" rel="noreferrer noopener">{{ art.url }}</a>
{%- else %}{{ art.url }}{% endif %}</div>{% endif %}
</div>
{%- endfor %}
</div>
<div class="summary">
{%- for kind, count in counts %}<span class="chip">{{ count }} {{ kind_labels[kind] }}</span>{% endfor %}
</div>
<div class="legend"><del>struck</del> words are only in A's version, <ins>green</ins> ones only in B's;
<mark>marked</mark> sentences of an unmatched paragraph are found in the other article.</div>
<label class="toggle"><input type="checkbox" id="hide-same"> Hide passages both share unchanged</label>
</header>
<main>
{%- for section, views in sections %}
<section>
<h2>{{ section_titles.get(section, section) }}</h2>
<div class="colhead"><div>A · {{ articles[0][1].label }}</div><div></div><div>B · {{ articles[1][1].label }}</div></div>
{%- for v in views %}
<div class="group k-{{ v.group.kind }}" id="{{ section }}-{{ loop.index }}">
<div class="side" data-side="A">{% for b in v.a %}<p><span class="idx">[{{ b.index }}]</span>
{{- seg(b.segments) }}</p>{% endfor %}</div>
<div class="kind"><span class="badge" title="{{ kind_help.get(v.group.kind, '') }}">{{ v.label }}</span>
{%- if v.note %}<small>{{ v.note }}</small>{% endif %}</div>
<div class="side" data-side="B">{% for b in v.b %}<p><span class="idx">[{{ b.index }}]</span>
{{- seg(b.segments) }}</p>{% endfor %}</div>
</div>
{%- endfor %}
</section>
{%- endfor %}
</main>
<footer>newsdedup {{ version }} · block numbers as in <code>newsdedup show ID</code></footer>
</body>
</html>
"""
)

_CLUSTER = (
    _HEAD
    + """<body>
<header>
<h1>{{ page_title }}</h1>
<p class="legend">Pivot: {{ pivot }} ({{ pivot_rule }}). Each row is a passage in the words of the article
it comes from; open it to read every version.</p>
<table class="grid">
<tr><th>#</th><th>article</th><th>published</th><th>title</th></tr>
{%- for art in articles %}
<tr><td>{{ loop.index }}</td><td>{{ art.label }}</td><td>{{ art.published or "" }}</td><td>
{%- if art.href %}<a href="{{ art.href }}" rel="noreferrer noopener">{{ art.title }}</a>
{%- else %}{{ art.title }}{% endif %}</td></tr>
{%- endfor %}
</table>
<p class="legend">{% for status in statuses %}<span class="st-{{ status }}">{{ symbols[status] }}</span> {{ status }}
{% endfor %}</p>
</header>
<main>
<h2>Passages</h2>
<table class="grid">
<tr><th>#</th>{% for art in articles %}<th title="{{ art.label }}">{{ loop.index }}</th>{% endfor -%}
<th>passage</th></tr>
{%- for row in rows %}
<tr><td>{{ loop.index }}</td>
{%- for cell in row.cells %}<td class="s st-{{ cell.status }}" title="{{ cell.status }}">
{{- symbols[cell.status] }}</td>{% endfor %}
<td><details><summary>{{ row.excerpt }}</summary>
{%- for version in row.versions %}<div class="version"><b>{{ version.number }}</b>{{ version.text }}</div>{% endfor %}
</details></td></tr>
{%- endfor %}
</table>
<h2>What each article alone carries</h2>
{%- for art in articles %}
<h3>{{ loop.index }}. {{ art.label }} ({{ art.alone | length }})</h3>
{%- for text in art.alone %}<p>{{ text }}</p>{% endfor %}
{%- endfor %}
</main>
<footer>newsdedup {{ version }}</footer>
</body>
</html>
"""
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _version() -> str:
    try:
        return version("newsdedup")
    except PackageNotFoundError:
        return ""


def _href(url: str | None) -> str | None:
    """The URL if it is safe to link to (http or https), else None.

    >>> _href("https://example.org/a"), _href("javascript:alert(1)"), _href(None)
    ('https://example.org/a', None, None)
    """
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def _article(article: Article) -> dict[str, Any]:
    return {
        "label": article_label(article),
        "title": article.title or "",
        "published": article.published,
        "url": article.url,
        "href": _href(article.url),
    }


def _lang(*articles: Article) -> str:
    languages = {a.language for a in articles}
    return languages.pop() or "" if len(languages) == 1 else ""


def render_html(result: Comparison) -> str:
    """The comparison as one self-contained HTML page."""
    if isinstance(result, ClusterComparison):
        return _render_cluster(result)
    return _render_pair(result)


def _render_pair(result: Alignment) -> str:
    counts = result.counts("body")
    return (
        _environment()
        .from_string(_PAIR)
        .render(
            page_title=f"{article_label(result.a)} / {article_label(result.b)}: passage by passage",
            lang=_lang(result.a, result.b),
            css=_CSS,
            articles=[("A", _article(result.a)), ("B", _article(result.b))],
            counts=[(k, counts[k]) for k in KINDS if counts[k]],
            kind_labels=KIND_LABELS,
            kind_help=KIND_HELP,
            section_titles=SECTION_TITLES,
            sections=alignment_views(result),
            version=_version(),
        )
    )


def _render_cluster(result: ClusterComparison) -> str:
    arts = result.articles
    articles = []
    for position, article in enumerate(arts):
        info = _article(article)
        info["alone"] = [cell_text(result, i, position) for i in result.alone(position)]
        articles.append(info)
    rows = []
    for i, passage in enumerate(result.passages):
        text = passage_text(result, i)
        rows.append(
            {
                "cells": passage.cells,
                "excerpt": text if len(text) <= 140 else text[:139].rstrip() + "…",
                "versions": [
                    {"number": position + 1, "text": cell_text(result, i, position)}
                    for position, cell in enumerate(passage.cells)
                    if cell.status != "absent"
                ],
            }
        )
    return (
        _environment()
        .from_string(_CLUSTER)
        .render(
            page_title=f"{len(arts)} articles compared passage by passage",
            lang=_lang(*arts),
            css=_CSS,
            pivot=article_label(result.pivot_article),
            pivot_rule=result.pivot_rule,
            articles=articles,
            statuses=STATUSES,
            symbols=STATUS_SYMBOLS,
            rows=rows,
            version=_version(),
        )
    )
