"""HTML extraction quality on the Article Extraction Benchmark pages, side by side.

Scores the kept body text (blocks with role body or subheading) of newsdedup's
HTML path (trafilatura + cleaning) against the pages' ``articleBody``, with the
benchmark's metric: per page, true/false positive and false negative counts of
word 4-gram shingles (tokens are ``\\w+``), normalised to sum to one; precision
and recall averaged over pages; F1 from the two averages. In the same run it
scores bare ``trafilatura.extract`` with its default settings and with
``favor_precision=True``, and times each (best of ``--repeat`` interleaved rounds).

The committed baseline ``eval/baselines/aeb.json`` is the gate: with
``--check`` the script exits 1 if newsdedup's F1 falls more than 0.005 below it
or below either trafilatura setting.

Usage:
    python eval/eval_html.py --eval ../shared/eval [--json out.json] [--worst 5] [--check]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from newsdedup.clean import clean_article
from newsdedup.extract import extract_html

TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def newsdedup_text(html: bytes) -> str:
    article = clean_article(extract_html(html))
    return article.body_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--json", type=Path, help="write the scores to this file")
    parser.add_argument("--check", action="store_true", help="fail if F1 falls below the committed baseline")
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds; the best is kept")
    parser.add_argument("--worst", type=int, default=5, help="print the N pages newsdedup scores worst on")
    args = parser.parse_args()
    folder = args.eval / "aeb"
    truth_path = folder / "ground-truth.json"
    if not truth_path.exists():
        sys.exit(f"error: {truth_path} is missing; pass --eval pointing at the shared eval folder")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()) for key in sorted(truth)}

    systems: dict[str, Callable[[bytes], str]] = {
        "trafilatura": lambda html: trafilatura.extract(html) or "",
        "trafilatura favor_precision": lambda html: trafilatura.extract(html, favor_precision=True) or "",
        "newsdedup": newsdedup_text,
    }
    results: dict[str, dict[str, float]] = {}
    per_page: dict[str, list[tuple[float, float, float]]] = {}
    seconds: dict[str, float] = dict.fromkeys(systems, float("inf"))
    outputs: dict[str, dict[str, str]] = {}
    # Interleaved rounds, best time kept: fair to each system on a busy machine.
    for _ in range(args.repeat):
        for name, system in systems.items():
            start = time.perf_counter()
            outputs[name] = {key: system(html) for key, html in pages.items()}
            seconds[name] = min(seconds[name], time.perf_counter() - start)
    for name in systems:
        per_page[name] = [tp_fp_fn(truth[key]["articleBody"], outputs[name][key]) for key in pages]
        results[name] = {**scores(per_page[name]), "seconds": round(seconds[name], 2)}
    base = results["trafilatura"]["seconds"]
    print(f"{len(pages)} pages")
    for name, figures in results.items():
        print(
            f"  {name:<28} P {figures['precision']:.3f}  R {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
            f"  {figures['seconds']:.2f} s ({figures['seconds'] / base:.2f}x trafilatura)"
        )
    if args.worst:
        ranked = sorted(zip(pages, per_page["newsdedup"], strict=True), key=lambda kv: kv[1][0])
        print(f"\nworst {args.worst} pages for newsdedup (tp, fp, fn):")
        for key, (tp, fp, fn) in ranked[: args.worst]:
            print(f"  {key[:16]}  tp {tp:.2f} fp {fp:.2f} fn {fn:.2f}  {truth[key].get('url', '')[:70]}")
    if args.json:
        args.json.write_text(json.dumps({"pages": len(pages), "systems": results}, indent=2) + "\n")
    if args.check:
        baseline = json.loads((Path(__file__).parent / "baselines" / "aeb.json").read_text())
        floor = baseline["systems"]["newsdedup"]["f1"] - 0.005
        f1 = results["newsdedup"]["f1"]
        rivals = max(results["trafilatura"]["f1"], results["trafilatura favor_precision"]["f1"])
        if f1 < floor or f1 <= rivals:
            sys.exit(f"FAIL: newsdedup F1 {f1:.3f} (baseline floor {floor:.3f}, trafilatura best {rivals:.3f})")
        print(f"PASS: newsdedup F1 {f1:.3f} >= {floor:.3f} and > trafilatura's {rivals:.3f}")


if __name__ == "__main__":
    main()
