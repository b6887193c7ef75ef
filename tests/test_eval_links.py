"""The VNTC eval's labelled same-story links: counted by label, and gated (no evaluation data needed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent


def load_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_links_vntc", ROOT / "eval" / "eval_links_vntc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labelled_links_are_counted_by_label_and_their_share_is_gated() -> None:
    vntc = load_eval()
    pairs = [line.split("\t")[:3] for line in vntc.LABELS.read_text(encoding="utf-8").splitlines()]
    pairs = [p for p in pairs if len(p) == 3 and not p[0].startswith("#") and p[0] != "id_a"]
    assert len(pairs) == 462 and {label for _, _, label in pairs} == {"S", "F", "T", "U"}
    assert len({tuple(sorted(p[:2])) for p in pairs}) == 462  # each pair once
    ids = sorted({i for a, b, _ in pairs for i in (a, b)})
    rows = [{"id": i, "outlet": "X"} for i in ids]
    article_of = {("X", f"{n:06d}"): n + 1 for n in range(len(ids))}
    number = {i: n + 1 for n, i in enumerate(ids)}
    # Linked: every S and every T pair.
    links = [(number[a], number[b], "same-story") for a, b, label in pairs if label in "ST"]
    figures = vntc.labelled(rows, article_of, links)
    assert figures["labelled_same_story_linked"] == {"S": "234/234", "F": "0/44", "T": "182/182", "U": "0/2"}
    assert figures["labelled_same_story_share_s_f"] == round(234 / 416, 4)
    base = {"exact_duplicate_group_recall": {}, "links": {}, "labelled_same_story_share_s_f": 0.9}
    now = {"exact_duplicate_group_recall": {}, "links": {}, **figures}
    assert vntc.check(now, base) == 1 and vntc.check(now, {**base, "labelled_same_story_share_s_f": 0.6}) == 0
