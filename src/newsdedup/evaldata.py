"""The shared evaluation data, as the ``bench/`` and ``eval/`` scripts read it.

The data lives outside the project (``../shared/eval``) and is only ever
measured against: these helpers read it, write samples of it to a scratch
folder for ingesting, and print a script's figures. A missing file raises
:class:`~newsdedup.errors.InputNotFound` with a message that says where the
data was expected.

Example:
    >>> import gzip, json, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "vntc").mkdir()
    >>> rows = [{"id": str(i), "outlet": "TT", "text": f"Tin {i}"} for i in range(5)]
    >>> lines = "".join(json.dumps(r) + "\\n" for r in rows)
    >>> _ = (root / "vntc" / "vntc.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    >>> [r["id"] for r in load_vntc(root)]
    ['0', '1', '2', '3', '4']
    >>> len(load_vntc(root, 2, seed=1))
    2
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import InputNotFound

VNTC = Path("vntc") / "vntc.jsonl.gz"


def load_vntc(eval_dir: Path, count: int | None = None, seed: int = 0) -> list[dict[str, str]]:
    """VNTC rows (``id``, ``split``, ``topic``, ``outlet``, ``text``): all in file order, or a sample.

    The file is sorted by topic, so a sample (``count`` rows, fixed ``seed``) is
    drawn at random; the same count and seed always give the same rows.
    """
    path = eval_dir / VNTC
    if not path.is_file():
        raise InputNotFound(f"{path} is missing; pass --eval pointing at the shared eval folder")
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        lines = stream.readlines()
    if count is not None and count < len(lines):
        lines = random.Random(seed).sample(lines, count)
    return [json.loads(line) for line in lines]


def load_vntc_or_exit(eval_dir: Path, count: int | None = None, seed: int = 0) -> list[dict[str, str]]:
    """:func:`load_vntc` for scripts: a missing file exits with ``error: ...`` (status 1)."""
    try:
        return load_vntc(eval_dir, count, seed)
    except InputNotFound as err:
        sys.exit(f"error: {err}")


def write_by_outlet(rows: Sequence[Mapping[str, str]], folder: Path) -> dict[str, Path]:
    """Write each row's text to ``folder/<outlet>/<n>.txt``, numbered in row order; return the folders."""
    outlets: dict[str, Path] = {}
    for n, row in enumerate(rows):
        outlet = row.get("outlet") or "unknown"
        target = outlets.setdefault(outlet, folder / outlet)
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{n:06d}.txt").write_text(row["text"], encoding="utf-8")
    return outlets


def compile_bytecode() -> None:
    """Compile newsdedup's modules to bytecode where it is missing or stale, as installing
    the package does (pip compiles what it installs).

    Python caches a module's bytecode as it first imports it, unless told not to
    (``PYTHONDONTWRITEBYTECODE``, which the machine these benchmarks ran on sets): then
    every process of an editable install compiles newsdedup's modules from source, about
    45 ms of CPU in each command and in each of its worker processes. Benchmarks that
    run ``newsdedup`` call this first, so that they measure it as installed (``make``
    does it too).
    """
    import compileall

    compileall.compile_dir(Path(__file__).parent, quiet=1)


def print_figures(figures: Mapping[str, object], json_path: Path | None = None) -> None:
    """Print ``name  value`` lines, aligned; also write them as JSON to ``json_path`` if given."""
    width = max(map(len, figures), default=0)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def report_gate(failures: Sequence[str]) -> int:
    """Print a quality gate's failures on stderr and its verdict; return the exit code."""
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("gate:", "failed" if failures else "passed")
    return 1 if failures else 0
