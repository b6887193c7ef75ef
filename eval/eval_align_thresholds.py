"""How often the aligner pairs passages that have nothing to do with each other.

The aligner's thresholds (``Config.align_min_similarity``,
``reuse_min_similarity``, ``reuse_min_words``) decide when two paragraphs are
one passage and when a sentence counts as reused. They are set from the null
distribution measured here: pairs of VNTC articles from *different topics*
(sport against health, say) share no passage by construction, so every match
the aligner reports between them is a false one.

A harder null: pairs of articles from the *same* topic that share no word
5-gram at all (so no copied passage), where topic vocabulary is shared. The
script prints, for both kinds of pairs:

* the distribution of paragraph-to-paragraph similarity (the measure the
  aligner thresholds) by paragraph length, with its 99th, 99.9th percentile and
  maximum;
* for a sweep of ``align_min_similarity``, the false matched groups per 1,000
  article pairs, with the full aligner (splits, merges, moved passages);
* for a sweep of ``reuse_min_similarity`` x ``reuse_min_words``, the false
  reused sentences per 1,000 article pairs;
* the worst false matches at the default settings, to read.

Usage:
    python eval/eval_align_thresholds.py --eval ../shared/eval [--pairs 2000] [--seed 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from newsdedup.align import MATCHED_KINDS, Group, align_blocks
from newsdedup.config import Config
from newsdedup.errors import InputError
from newsdedup.extract import extract_text
from newsdedup.records import BODY_ROLES, Block
from newsdedup.segment import Vocabulary, tokenize

BUCKETS = ((1, 5), (6, 15), (16, 40), (41, 10_000))


def load(eval_dir: Path) -> list[dict[str, str]]:
    path = eval_dir / "vntc" / "vntc.jsonl.gz"
    if not path.exists():
        sys.exit(f"error: {path} is missing; pass --eval pointing at the shared eval folder")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def blocks_of(text: str) -> tuple[Block, ...] | None:
    try:
        return extract_text(text.encode("utf-8")).blocks
    except InputError:
        return None


def _five_grams(blocks: tuple[Block, ...]) -> set[tuple[str, ...]]:
    keys = [t.key for x in blocks if x.role in BODY_ROLES for t in tokenize(x.text) if t.key[0].isalnum()]
    return {tuple(keys[i : i + 5]) for i in range(len(keys) - 4)}


def unrelated_pairs(
    articles: list[dict[str, str]], count: int, rng: random.Random, *, same_topic: bool
) -> list[tuple[tuple[Block, ...], tuple[Block, ...]]]:
    """``count`` pairs from different topics, or from one topic with no word 5-gram in common."""
    by_topic: dict[str, list[dict[str, str]]] = defaultdict(list)
    for article in articles:
        by_topic[article["topic"]].append(article)
    topics = sorted(by_topic)
    pairs = []
    while len(pairs) < count:
        if same_topic:
            x, y = rng.sample(by_topic[rng.choice(topics)], 2)
        else:
            x, y = rng.sample(articles, 2)
            if x["topic"] == y["topic"]:
                continue
        a, b = blocks_of(x["text"]), blocks_of(y["text"])
        if not a or not b:
            continue
        if same_topic and _five_grams(a) & _five_grams(b):
            continue
        pairs.append((a, b))
    return pairs


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def similarity_distribution(pairs: list[tuple[tuple[Block, ...], tuple[Block, ...]]]) -> None:
    by_bucket: dict[tuple[int, int], list[float]] = defaultdict(list)
    for a, b in pairs:
        vocab = Vocabulary()
        codes_a = [vocab.encode([t.key for t in tokenize(x.text)]) for x in a if x.role in BODY_ROLES]
        codes_b = [vocab.encode([t.key for t in tokenize(x.text)]) for x in b if x.role in BODY_ROLES]
        if not codes_a or not codes_b:
            continue
        common = process.cdist(codes_a, codes_b, scorer=LCSseq.similarity, workers=1).tolist()
        for i, row in enumerate(common):
            for j, c in enumerate(row):
                la, lb = len(codes_a[i]), len(codes_b[j])
                if la + lb == 0:
                    continue
                shorter = min(la, lb)
                bucket = next(bk for bk in BUCKETS if bk[0] <= max(shorter, 1) <= bk[1])
                by_bucket[bucket].append(2 * c / (la + lb))
    print("\nParagraph similarity between unrelated articles (2 * LCS / words), by the shorter one's length:")
    print(f"  {'words':>9} {'pairs':>10} {'p99':>6} {'p99.9':>6} {'max':>6} {'>=0.4':>8} {'>=0.5':>8} {'>=0.6':>8}")
    for bucket in BUCKETS:
        values = by_bucket.get(bucket, [])
        n = len(values) or 1
        shares = [sum(v >= t for v in values) / n for t in (0.4, 0.5, 0.6)]
        label = f"{bucket[0]}-{bucket[1]}" if bucket[1] < 10_000 else f"{bucket[0]}+"
        print(
            f"  {label:>9} {len(values):>10,} {percentile(values, 0.99):6.3f} {percentile(values, 0.999):6.3f} "
            f"{max(values, default=float('nan')):6.3f} " + " ".join(f"{s:8.2%}" for s in shares)
        )


def false_matches(
    pairs: list[tuple[tuple[Block, ...], tuple[Block, ...]]], config: Config, *, verbose: bool = False
) -> tuple[int, list[tuple[float, int]], list[tuple[float, Group, tuple[Block, ...], tuple[Block, ...]]]]:
    """Matched body groups whose texts differ, reused sentences (similarity, words), and those
    groups, worst first. Groups of identical text are counted apart: the same line in two
    unrelated articles ("Đội", "TT", a score) is a true match, if not a useful one."""
    groups = 0
    identical: list[str] = []
    reused: list[tuple[float, int]] = []
    worst = []
    for a, b in pairs:
        text_a = {x.index: x.text for x in a}
        for g in align_blocks(a, b, config):
            if g.section != "body":
                continue
            if g.kind in MATCHED_KINDS and g.changes:
                groups += 1
                worst.append((g.similarity, g, a, b))
            elif g.kind in MATCHED_KINDS:
                identical.append(" | ".join(x.text for x in a if x.index in g.a))
            if g.kind == "only-a":
                for r in g.reused:
                    shared = text_a[r.a.block][r.a.start : r.a.end]
                    words = sum(1 for t in tokenize(shared) if t.key[0].isalnum())
                    reused.append((r.similarity, words))
                    if verbose:
                        found = next(x.text for x in b if x.index == r.b.block)[r.b.start : r.b.end]
                        print(f"  reused {r.similarity:.3f}\n    A: {shared[:150]}\n    B: {found[:150]}")
    worst.sort(key=lambda x: -x[0])
    if identical and verbose:
        shown = ", ".join(repr(t[:30]) for t in sorted(set(identical), key=identical.count, reverse=True)[:12])
        print(f"  Also {len(identical)} matched groups of identical text, such as {shown}")
    return groups, reused, worst


def report(label: str, pairs: list[tuple[tuple[Block, ...], tuple[Block, ...]]]) -> None:
    print(f"\n== {len(pairs):,} pairs of VNTC articles {label}")
    similarity_distribution(pairs)

    print("\nFalse matched body groups (changed/split/merged/moved, texts not identical) per 1,000 pairs:")
    for threshold in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        count, _, _ = false_matches(pairs, Config(align_min_similarity=threshold))
        print(f"  align_min_similarity {threshold:.2f}: {count * 1000 / len(pairs):8.2f}  ({count} in all)")

    # One run at the loosest reuse settings; stricter ones keep a subset.
    _, reused, _ = false_matches(pairs, Config(reuse_min_similarity=0.7, reuse_min_words=4))
    print("\nFalse reused sentences (in only-a paragraphs) per 1,000 pairs, by reuse_min_similarity x words:")
    print(f"  {'similarity':>10} " + " ".join(f"{f'words>={w}':>10}" for w in (4, 6, 8, 10)))
    for sim in (0.7, 0.75, 0.8, 0.85, 0.9):
        cells = [sum(1 for s, n in reused if s >= sim and n >= w) * 1000 / len(pairs) for w in (4, 6, 8, 10)]
        print(f"  {sim:>10.2f} " + " ".join(f"{c:10.2f}" for c in cells))

    config = Config()
    count, reused, worst = false_matches(pairs, config, verbose=True)
    print(
        f"\nAt the defaults (align_min_similarity {config.align_min_similarity}, reuse_min_similarity "
        f"{config.reuse_min_similarity}, reuse_min_words {config.reuse_min_words}): {count} false groups, "
        f"{len(reused)} false reused sentences. Worst false groups:"
    )
    for sim, g, a, b in worst[:10]:
        text_a = " | ".join(x.text for x in a if x.index in g.a)
        text_b = " | ".join(x.text for x in b if x.index in g.b)
        print(f"  {g.kind} {sim:.3f}\n    A: {text_a[:150]}\n    B: {text_b[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="the shared eval folder")
    parser.add_argument("--pairs", type=int, default=1000, help="article pairs of each kind to align")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    articles = load(args.eval)
    rng = random.Random(args.seed)
    report("from different topics", unrelated_pairs(articles, args.pairs, rng, same_topic=False))
    report("from one topic, with no word 5-gram in common", unrelated_pairs(articles, args.pairs, rng, same_topic=True))
    print(f"\n(seed {args.seed}; {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
