"""What ``newsdedup diff`` computes: articles of the archive, or a cluster, compared passage by passage.

Two articles give an :class:`~newsdedup.align.Alignment` (every group, word-level
changes); three or more give a :class:`~newsdedup.compare.ClusterComparison`
(passages x outlets). A cluster of two is compared as a pair.

Articles are named by id, or by revision (:func:`newsdedup.revisions.parse_ref`):
``12@1 12`` compares article 12's first revision with its text now; one
reference alone compares it with the latest revision (``12`` alone: the
revision before the latest with the latest), so ``diff 12`` shows what the
last re-fetch changed.

Example:
    >>> from newsdedup import Archive
    >>> diff(Archive(":memory:"), [])
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: give two or more article ids, or a cluster id
    >>> diff(Archive(":memory:"), ["1@1", "1@0"])
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: revisions are numbered from 1 (or -1 for the latest, -2 before it), got '1@0'
"""

from __future__ import annotations

from collections.abc import Sequence

from .align import Alignment, align_articles
from .archive import Archive
from .compare import PIVOT_RULES, ClusterComparison, compare_articles
from .config import Config
from .errors import ConfigError
from .records import Article
from .revisions import RevisionRef, parse_ref

Comparison = Alignment | ClusterComparison


def check_refs(refs: Sequence[RevisionRef], cluster: int | None, *, allow_none: bool = False) -> None:
    """What the arguments alone show wrong (the command line calls it a usage error):
    ids and a cluster both, neither (unless ``allow_none``), or one text named twice.

    >>> check_refs([parse_ref("3"), parse_ref("3")], None)
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: each article can be compared once; got the ids 3, 3
    """
    if cluster is not None and refs:
        raise ConfigError("give article ids or a cluster id, not both")
    if cluster is None and not refs and not allow_none:
        raise ConfigError("give article ids or a cluster id")
    if len(set(refs)) != len(refs):
        raise ConfigError(f"each article can be compared once; got the ids {', '.join(map(str, refs))}")


def diff(
    archive: Archive,
    ids: Sequence[int | str | RevisionRef] = (),
    *,
    cluster: int | None = None,
    pivot: str | int = "complete",
    config: Config | None = None,
) -> Comparison:
    """Compare articles or revisions ``ids`` (``12``, ``"12@1"``, :class:`RevisionRef`),
    or the members of cluster ``cluster``, with their blocks.

    Raises:
        ConfigError: neither or both of ``ids`` and ``cluster``, fewer than two texts
            to compare, one text twice, or a malformed reference.
        ArticleNotFound: an id, a revision or the cluster is not in the archive.
    """
    refs = [i if isinstance(i, RevisionRef) else parse_ref(str(i)) for i in ids]
    if isinstance(pivot, str) and pivot not in PIVOT_RULES:
        raise ConfigError(f"pivot must be one of {', '.join(PIVOT_RULES)} or an article id, got {pivot!r}")
    check_refs(refs, cluster, allow_none=True)
    if cluster is not None:
        refs = [RevisionRef(i) for i in archive.cluster(cluster).members]
        if len(refs) < 2:
            raise ConfigError(f"cluster {cluster} has only one article; nothing to compare")
    elif len(refs) == 1:
        refs = _with_latest(archive, refs[0])
    elif len(refs) < 2:
        raise ConfigError("give two or more article ids, or a cluster id")
    config = config or archive.config
    articles = [_resolve(archive, ref) for ref in refs]
    seen = [(a.id, a.revision) for a in articles]
    if len(set(seen)) != len(seen):  # 12@3 and 12 are one text when 3 is the latest
        raise ConfigError(f"each article can be compared once; got {', '.join(map(str, refs))}, the same text twice")
    if len(articles) == 2:
        return align_articles(articles[0], articles[1], config)
    return compare_articles(articles, pivot=pivot, config=config)


def _resolve(archive: Archive, ref: RevisionRef) -> Article:
    return archive.get(ref.article) if ref.revision is None else archive.revision(ref.article, ref.revision)


def _with_latest(archive: Archive, ref: RevisionRef) -> list[RevisionRef]:
    """One reference: the revision it names (or the one before the latest) and the latest."""
    count = archive.get(ref.article).revisions or 1
    if count < 2:
        raise ConfigError(
            f"give two or more article ids, or a cluster id (article {ref.article} has one revision, "
            "so there is no earlier text of it to compare)"
        )
    return [RevisionRef(ref.article, ref.revision if ref.revision is not None else -2), RevisionRef(ref.article, -1)]
