"""What cleaning does to plain text: VNTC drops, VMDS inline captions, cleaning cost.

* VNTC (sample of N articles): blocks per role, dropped blocks per reason, and a
  random sample of dropped blocks printed for reading (a dropped body paragraph
  is the worst error cleaning can make).
* VMDS dev bodies (one line each, captions inline): how many photo credits
  ("Ảnh: AFP", "(Ảnh: ...)") the text holds, and how many captions cleaning
  splits out.
* Cost: cleaning time per article as a share of extraction + cleaning + storing
  (the whole ingest of the same articles, measured in the same run).

Usage:
    python eval/eval_clean_text.py --eval ../shared/eval [--count 2000] [--sample 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from newsdedup import Archive
from newsdedup.clean import clean_article
from newsdedup.evaldata import load_vntc_or_exit
from newsdedup.extract import extract_text
from newsdedup.records import RawInput

CREDIT = re.compile(r"(?:\(\s*)?(?:Ảnh|Photo)\s*:\s*\S", re.IGNORECASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the counts to this file")
    args = parser.parse_args()

    articles = load_vntc_or_exit(args.eval, args.count, args.seed)
    roles: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    dropped: list[tuple[str, str, str]] = []
    extract_s = clean_s = 0.0
    extracted = []
    for article in articles:
        data = article["text"].encode("utf-8")
        t0 = time.perf_counter()
        raw = extract_text(data, source=article["outlet"])
        t1 = time.perf_counter()
        cleaned = clean_article(raw)
        t2 = time.perf_counter()
        extract_s += t1 - t0
        clean_s += t2 - t1
        extracted.append((data, cleaned))
        for block in cleaned.blocks:
            roles[block.role] += 1
            if not block.kept:
                reasons[block.reason or "?"] += 1
                dropped.append((article["outlet"], block.reason or "?", block.text))
    t3 = time.perf_counter()
    with Archive(":memory:") as archive:
        archive.add_many(
            [
                (RawInput(f"{i}.txt", f"{i}.txt", d, hashlib.sha256(d).hexdigest()), a)
                for i, (d, a) in enumerate(extracted)
            ]
        )
    store_s = time.perf_counter() - t3
    total = extract_s + clean_s + store_s
    print(f"VNTC: {len(articles)} articles, {sum(roles.values())} blocks")
    print("  roles:", dict(roles.most_common()))
    print("  dropped:", sum(reasons.values()), dict(reasons.most_common()))
    print(f"  cleaning {clean_s / len(articles) * 1e6:.0f} µs/article = {clean_s / total:.1%} of extract+clean+store")
    print(f"\n{min(args.sample, len(dropped))} dropped blocks, at random:")
    for outlet, reason, text in random.Random(args.seed).sample(dropped, min(args.sample, len(dropped))):
        print(f"  [{outlet} {reason}] {text[:150]}")

    vmds = args.eval / "vmds" / "vmds-dev.jsonl"
    if not vmds.exists():
        sys.exit(f"error: {vmds} is missing")
    credits = found = 0
    shown = 0
    for line in vmds.open(encoding="utf-8"):
        for doc in json.loads(line)["docs"]:
            credits += len(CREDIT.findall(doc["body"]))
            text = (doc.get("title_wordseg", "").replace("_", " ") + "\n" + doc["body"]).encode("utf-8")
            cleaned = clean_article(extract_text(text, source=doc.get("outlet")))
            captions = [b.text for b in cleaned.blocks if b.role == "caption"]
            found += len(captions)
            for caption in captions:
                if shown < 10:
                    print(f"  caption: {caption[:150]}")
                    shown += 1
    print(f"\nVMDS dev: {credits} photo credits in the bodies; {found} caption blocks split out")
    if args.json:
        figures = {
            "vntc_articles": len(articles),
            "vntc_blocks": sum(roles.values()),
            "vntc_roles": dict(roles.most_common()),
            "vntc_dropped": dict(reasons.most_common()),
            "clean_us_per_article": round(clean_s / len(articles) * 1e6),
            "vmds_photo_credits": credits,
            "vmds_captions_found": found,
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
