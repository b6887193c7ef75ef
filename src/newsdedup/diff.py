"""What ``newsdedup diff`` computes: articles of the archive, or a cluster, compared passage by passage.

Two articles give an :class:`~newsdedup.align.Alignment` (every group, word-level
changes); three or more give a :class:`~newsdedup.compare.ClusterComparison`
(passages x outlets). A cluster of two is compared as a pair.

Example:
    >>> from newsdedup import Archive
    >>> diff(Archive(":memory:"), [1])
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: give two or more article ids, or a cluster id
"""

from __future__ import annotations

from collections.abc import Sequence

from .align import Alignment, align_articles
from .archive import Archive
from .compare import PIVOT_RULES, ClusterComparison, compare_articles
from .config import Config
from .errors import ConfigError

Comparison = Alignment | ClusterComparison


def diff(
    archive: Archive,
    ids: Sequence[int] = (),
    *,
    cluster: int | None = None,
    pivot: str | int = "complete",
    config: Config | None = None,
) -> Comparison:
    """Compare articles ``ids``, or the members of cluster ``cluster``, with their blocks.

    Raises:
        ConfigError: neither or both of ``ids`` and ``cluster``, or fewer than two articles.
        ArticleNotFound: an id, or the cluster, is not in the archive.
    """
    if cluster is not None and ids:
        raise ConfigError("give article ids or a cluster id, not both")
    if isinstance(pivot, str) and pivot not in PIVOT_RULES:
        raise ConfigError(f"pivot must be one of {', '.join(PIVOT_RULES)} or an article id, got {pivot!r}")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"each article can be compared once; got the ids {', '.join(map(str, ids))}")
    if cluster is not None:
        ids = archive.cluster(cluster).members
        if len(ids) < 2:
            raise ConfigError(f"cluster {cluster} has only one article; nothing to compare")
    elif len(ids) < 2:
        raise ConfigError("give two or more article ids, or a cluster id")
    config = config or archive.config
    articles = [archive.get(i) for i in ids]
    if len(articles) == 2:
        return align_articles(articles[0], articles[1], config)
    return compare_articles(articles, pivot=pivot, config=config)
