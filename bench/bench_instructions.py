"""Instructions an article: end-to-end plain-text ingest, counted by valgrind's callgrind.

Wall-clock figures drift by 10% and more between runs on this machine (``bench_links.py``
scales them by bare MinHash measured in the same run); a count of instructions does not
depend on what else the machine does, and two runs of the same code differ by 0.2% (the
hash seed is fixed; addresses and timestamps still vary), so one run of each version shows a
change of a percent. This script writes ``--count`` VNTC articles (a folder per outlet), bytecode compiled,
and counts under ``valgrind --tool=callgrind``, two processes at a time:

* ``newsdedup ingest --workers 1 --source-from-folder`` of them into a new archive, less a
  run of one article (starting Python, imports, opening the archive);
* the baseline, in the same run: the issue's bare MinHash of the same texts (word
  3-shingles, datasketch ``MinHash.bulk``, as ``bench_links.py`` computes it), less a run
  of one text;

and prints the instructions an article of each, and their ratio. Instructions are not time
(a cache miss costs more than an add), so the wall-clock benches stay the measure of speed;
this one tells whether a change does less work. Session 25's steps, 1,000 VNE files: 5.77 M
instructions an article at its start, 4.91 M at its end.

Needs valgrind (Debian's package, not installed by ``make``); without it, it says so and
exits with status 2.

Example:
    python bench/bench_instructions.py --eval ../shared/eval --count 1000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsdedup.evaldata import compile_bytecode, load_vntc_or_exit, print_figures, write_by_outlet

_BASELINE = """
import sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from bench_links import NUM_PERM, word3_shingles
from datasketch import MinHash
texts = [p.read_text(encoding="utf-8") for p in sorted(Path({folder!r}).rglob("*.txt"))]
MinHash.bulk(word3_shingles(texts), num_perm=NUM_PERM)
"""


def counted_instructions(out_file: Path) -> int:
    """The instructions a callgrind output file counts (its ``summary:`` line).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "callgrind.out"
    >>> _ = path.write_text("events: Ir\\nsummary: 5986119552\\ntotals: 5986119552\\n")
    >>> counted_instructions(path)
    5986119552
    """
    found = re.search(r"^summary:\s*(\d+)", out_file.read_text(encoding="utf-8", errors="replace"), re.MULTILINE)
    if found is None:
        raise ValueError(f"{out_file} holds no callgrind summary line")
    return int(found.group(1))


def per_article(total: int, start: int, articles: int) -> int:
    """Instructions an article: a run's count less that of a run of one article, over the rest.

    >>> per_article(6_000_000, 1_000_000, 1_001)
    5000
    """
    if articles < 2:
        raise ValueError(f"articles must be at least 2, got {articles}")
    return round((total - start) / (articles - 1))


def _callgrind(command: list[str], out_file: Path) -> int:
    # A fixed hash seed: str hashes (so dict and set layouts) are the same in every run. Two
    # runs of the same code still differ by 0.2% (addresses, timestamps).
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *command],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return counted_instructions(out_file)


def measure(corpus: Path, one: Path, articles: int, work: Path) -> dict[str, object]:
    """Count the four runs (two at a time) and work out the figures."""
    python = sys.executable
    bench = str(Path(__file__).parent)

    def ingest(folder: Path, name: str) -> int:
        command = [python, "-m", "newsdedup", "--archive", str(work / name), "ingest", "--workers", "1"]
        return _callgrind([*command, "--source-from-folder", str(folder)], work / f"{name}.out")

    def baseline(folder: Path, name: str) -> int:
        code = _BASELINE.format(bench=bench, folder=str(folder))
        return _callgrind([python, "-c", code], work / f"{name}.out")

    with ThreadPoolExecutor(2) as pool:
        runs = {
            "ingest": pool.submit(ingest, corpus, "ingest"),
            "ingest_start": pool.submit(ingest, one, "ingest-one"),
            "baseline": pool.submit(baseline, corpus, "baseline"),
            "baseline_start": pool.submit(baseline, one, "baseline-one"),
        }
        counts = {name: future.result() for name, future in runs.items()}
    ingest_each = per_article(counts["ingest"], counts["ingest_start"], articles)
    baseline_each = per_article(counts["baseline"], counts["baseline_start"], articles)
    return {
        "articles": articles,
        "ingest_instructions_per_article": ingest_each,
        "ingest_start_instructions": counts["ingest_start"],
        "bare_minhash_instructions_per_article": baseline_each,
        "ingest_vs_bare_minhash": round(ingest_each / baseline_each, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, required=True, help="the shared eval folder (holds vntc/)")
    parser.add_argument("--count", type=int, default=1000, help="articles (default 1000)")
    parser.add_argument("--outlet", default="VNE", help="the outlet to draw them from (default VNE)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("error: valgrind is not installed (Debian: apt-get install valgrind); nothing measured", file=sys.stderr)
        return 2
    if args.count < 2:
        parser.error(f"--count must be at least 2, got {args.count}")
    rows = [row for row in load_vntc_or_exit(args.eval) if row.get("outlet") == args.outlet][: args.count]
    if len(rows) < 2:
        sys.exit(f"error: VNTC holds {len(rows)} articles of outlet {args.outlet!r}")
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_by_outlet(rows, work / "corpus")
        write_by_outlet(rows[:1], work / "one")
        print_figures(measure(work / "corpus", work / "one", len(rows), work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
