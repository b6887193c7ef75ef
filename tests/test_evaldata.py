"""Helpers for the bench and eval scripts, on a small VNTC-shaped file made here."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdedup.errors import InputNotFound
from newsdedup.evaldata import load_vntc, load_vntc_or_exit, print_figures, report_gate, write_by_outlet


def vntc(root: Path, count: int) -> Path:
    rows = [
        {"id": f"x/{i}.txt", "outlet": "TT" if i % 2 else "VNE", "text": f"Tin {i}\nBài {i}."} for i in range(count)
    ]
    (root / "vntc").mkdir(parents=True)
    (root / "vntc" / "vntc.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    return root


def test_sample_is_fixed_by_the_seed_and_all_keeps_file_order(tmp_path: Path) -> None:
    root = vntc(tmp_path, 50)
    assert [r["id"] for r in load_vntc(root)] == [f"x/{i}.txt" for i in range(50)]
    assert load_vntc(root, 10, seed=3) == load_vntc(root, 10, seed=3)
    assert load_vntc(root, 10, seed=3) != load_vntc(root, 10, seed=4)
    assert len(load_vntc(root, 500)) == 50


def test_missing_data_says_where_it_was_expected(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound, match=r"vntc\.jsonl\.gz is missing; pass --eval"):
        load_vntc(tmp_path)


def test_write_by_outlet_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outlets = write_by_outlet(load_vntc(vntc(tmp_path / "data", 4)), tmp_path / "out")
    assert sorted(outlets) == ["TT", "VNE"]
    assert sorted(p.name for p in outlets["TT"].iterdir()) == ["000001.txt", "000003.txt"]
    print_figures({"articles": 4, "rate": 1.5}, tmp_path / "f.json")
    assert capsys.readouterr().out == "articles  4\nrate      1.5\n"
    assert json.loads((tmp_path / "f.json").read_text()) == {"articles": 4, "rate": 1.5}
    assert report_gate([]) == 0
    assert report_gate(["recall fell"]) == 1
    captured = capsys.readouterr()
    assert "FAIL: recall fell" in captured.err and "gate: failed" in captured.out


def test_scripts_exit_with_a_message_when_the_data_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"^error: .*vntc\.jsonl\.gz is missing; pass --eval"):
        load_vntc_or_exit(tmp_path)
