"""The bench scripts' own arithmetic (their measurements need the evaluation data)."""

from __future__ import annotations

import doctest
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _bench(name: str) -> ModuleType:
    path = Path(__file__).parent.parent / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ingest_rates_are_scaled_by_the_machine_speed_of_the_same_run() -> None:
    bench = _bench("bench_links")
    # On a machine as fast as the (MinHash.bulk at 1,600/s), the target is 1,000/s;
    # on one half as fast (the mean of the run's measurements), it is 500/s.
    same = bench.scaled_targets({"ingest": 1_000.0}, [1_600.0, 1_600.0])
    assert same["ingest_target_scaled_to_this_run_per_s"] == 1_000
    assert same["ingest_aim_scaled_to_this_run_per_s"] == 2_000
    assert same["ingest_vs_scaled_target"] == 1.0
    half = bench.scaled_targets({"ingest": 600.0, "ingest_one_call": 400.0}, [700.0, 900.0, 800.0])
    assert half["bulk_per_s_during_run"] == [700, 900, 800]
    assert half["ingest_target_scaled_to_this_run_per_s"] == 500
    assert half["ingest_vs_scaled_target"] == 1.2
    assert half["ingest_one_call_vs_scaled_target"] == 0.8
    assert half["ingest_vs_bare_minhash"] == pytest.approx(0.75)
    assert "ingest_vs_target_scaled_by_shingling_and_bulk" not in half  # (no shingling rate given)


def test_the_target_is_also_scaled_by_shingling_and_bulk_together() -> None:
    bench = _bench("bench_links")
    # The machine: 4,800 shingled and 1,600 hashed a second, 1,200 both on one core.
    same = bench.scaled_targets({"ingest": 1_000.0}, [1_600.0], [4_800.0])
    assert same["ingest_target_scaled_by_shingling_and_bulk_per_s"] == 1_000
    assert same["ingest_vs_target_scaled_by_shingling_and_bulk"] == 1.0
    # Bulk 2.4 times as fast, shingling 0.7 times: the two scalings part.
    apart = bench.scaled_targets({"ingest": 1_900.0}, [3_840.0, 3_840.0], [3_300.0, 3_420.0])
    assert apart["textbook_shingling_per_s_during_run"] == [3_300, 3_420]
    assert apart["ingest_target_scaled_to_this_run_per_s"] == 2_400
    assert apart["ingest_vs_scaled_target"] == 0.79
    # 1 / (1/3,360 + 1/3,840) = 1,792 a second against 1,200: a target of 1,493.
    assert apart["ingest_target_scaled_by_shingling_and_bulk_per_s"] == 1_493
    assert apart["ingest_vs_target_scaled_by_shingling_and_bulk"] == 1.27


def test_the_bench_docstring_examples_hold() -> None:
    result = doctest.testmod(_bench("bench_links"))
    assert result.attempted > 0 and result.failed == 0


def test_an_ingest_call_reports_its_time_memory_and_cpu(tmp_path: Path) -> None:
    bench = _bench("bench_links")
    data = Path(__file__).parent.parent / "data"
    seconds, peak, writer_peak, cpu = bench.ingest(tmp_path / "archive", {"seeds": data}, 1)
    # The CPU is the call's own (a child process's): starting Python and newsdedup alone takes some.
    assert seconds > 0 and 0 < writer_peak <= peak and 0 < cpu < 60
    assert (tmp_path / "archive" / "newsdedup.db").exists()


def test_the_hub_bench_builds_one_cluster_and_caps_each_copys_links(tmp_path: Path) -> None:
    from newsdedup import cluster

    bench = _bench("bench_hub")
    before = cluster.MAX_VERIFIED
    figures = bench.run(40, 4, tmp_path)
    assert (before, figures["max_verified"]) == (cluster.MAX_VERIFIED, 4)  # (put back after the run)
    assert figures["cluster_sizes"] == [40] and figures["links_of_the_last_copy"] == 4
    assert sum(figures["links_by_level"].values()) <= 4 * 39


def test_the_instructions_bench_reads_callgrind_and_says_when_valgrind_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bench = _bench("bench_instructions")
    assert doctest.testmod(bench).failed == 0
    (tmp_path / "empty.out").write_text("events: Ir\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no callgrind summary"):
        bench.counted_instructions(tmp_path / "empty.out")
    with pytest.raises(ValueError, match="at least 2"):
        bench.per_article(10, 5, 1)
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    monkeypatch.setattr("sys.argv", ["bench_instructions.py", "--eval", str(tmp_path)])
    assert bench.main() == 2
    assert "valgrind is not installed" in capsys.readouterr().err
