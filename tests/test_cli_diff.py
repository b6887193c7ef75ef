"""``newsdedup diff``: formats, output files, errors, clusters, and the terminal against a pipe."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdedup import Archive
from newsdedup.cli import app

from .conftest import DATA, SEED_A, SEED_B, article_text


def run(runner: CliRunner, archive: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--archive", str(archive), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def seeded(runner: CliRunner, archive_dir: Path) -> Path:
    code, _, _ = run(runner, archive_dir, "ingest", str(DATA))
    assert code == 0
    return archive_dir


def test_diff_piped_is_plain_text(runner: CliRunner, seeded: Path) -> None:
    code, out, err = run(runner, seeded, "diff", "1", "2")
    assert code == 0 and err == ""
    assert out.startswith("A: #1") and "\nB: #2" in out
    assert "== Body ==" in out and "[split] A [" in out and "{+doanh nghiệp+}" in out
    assert "\x1b[" not in out


def test_diff_json(runner: CliRunner, seeded: Path) -> None:
    code, out, _ = run(runner, seeded, "diff", "1", "2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert [a["id"] for a in doc["articles"]] == [1, 2]
    assert {g["kind"] for g in doc["groups"]} >= {"changed", "split", "only-a", "only-b"}
    assert json.loads(run(runner, seeded, "diff", "2", "1", "-f", "json")[1])["articles"][0]["id"] == 2


def test_diff_markdown_and_html_to_files(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    code, out, err = run(runner, seeded, "diff", "1", "2", "--format", "markdown", "-o", str(tmp_path / "d.md"))
    assert code == 0 and out == ""
    assert err.startswith(f"Wrote the markdown report to {tmp_path / 'd.md'} (")
    assert "## Body" in (tmp_path / "d.md").read_text(encoding="utf-8")
    code, _, _ = run(runner, seeded, "diff", "1", "2", "--format", "html", "--output", str(tmp_path / "d.html"))
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert code == 0 and page.startswith("<!doctype html>") and "<del>DN</del>" in page
    code, _, _ = run(runner, seeded, "diff", "1", "2", "-o", str(tmp_path / "d.txt"))
    assert code == 0 and "[-DN-]" in (tmp_path / "d.txt").read_text(encoding="utf-8")


def test_diff_three_articles_and_a_cluster(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    third = tmp_path / "third.txt"
    third.write_text(
        article_text(
            "Hà Nội và Bộ Công thương ký quy chế phối hợp",
            "Kết luận cuộc làm việc, Bí thư Thành ủy Vương Đình Huệ đồng tình và thống nhất với những nội dung hai "
            "bên sẽ đẩy mạnh, tiếp tục phối hợp trong thời gian tới.",
            "Một đoạn chỉ bài này có: thời tiết Hà Nội hôm nay nắng nóng, nhiệt độ cao nhất 38 độ.",
        ),
        encoding="utf-8",
    )
    assert run(runner, seeded, "ingest", str(third))[0] == 0
    code, out, _ = run(runner, seeded, "diff", "1", "2", "3")
    assert code == 0 and out.startswith("3 articles; pivot #1 (complete)")
    assert "What each article alone carries:" in out and "thời tiết Hà Nội hôm nay" in out
    code, out, _ = run(runner, seeded, "diff", "1", "2", "3", "--pivot", "3")
    assert code == 0 and "pivot #3 (article 3)" in out
    with Archive(seeded) as archive:
        cluster = archive.link(1, 2, "same-story")
        archive.link(1, 3, "same-story")
    code, out, _ = run(runner, seeded, "diff", "--cluster", str(cluster), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["type"] == "cluster" and sorted(a["id"] for a in doc["articles"]) == [1, 2, 3]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1"], 1, "Error: give two or more article ids, or a cluster id"),
        ([], 2, "Error: give article ids or a cluster id\n"),
        (["1", "9"], 1, "Error: no article with id 9 in "),
        (["1", "2", "--cluster", "1"], 2, "Error: give article ids or a cluster id, not both"),
        (["1", "2", "1"], 2, "Error: each article can be compared once; got the ids 1, 2, 1"),
        (["--cluster", "77"], 1, "Error: no cluster with id 77"),
        (["1", "2", "--format", "pdf"], 2, "Error: --format must be one of text, markdown, json, html, got 'pdf'"),
        (["1", "2", "1", "--pivot", "newest"], 2, "Error: --pivot must be one of complete, earliest or an article id"),
    ],
)
def test_diff_errors(runner: CliRunner, seeded: Path, args: list[str], code: int, message: str) -> None:
    got, out, err = run(runner, seeded, "diff", *args)
    assert got == code and out == ""
    assert err.startswith(message)


def test_diff_unwritable_output(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    code, _, err = run(runner, seeded, "diff", "1", "2", "-o", str(tmp_path / "missing" / "d.html"))
    assert code == 1 and err.startswith(f"Error: cannot write {tmp_path / 'missing' / 'd.html'}: ")


def test_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diff", "--help"])
    assert result.exit_code == 0 and "Example:  newsdedup diff 1 2" in result.stdout


@pytest.mark.slow
def test_terminal_gets_colours_and_columns_pipe_gets_plain_text(seeded: Path) -> None:
    command = [sys.executable, "-m", "newsdedup", "--archive", str(seeded), "diff", "1", "2"]
    env = {**os.environ, "COLUMNS": "150", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    piped = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    assert "\x1b[" not in piped and "[-DN-]" in piped

    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 0
    assert "\x1b[" in shown  # colours on a terminal
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown).replace("\r\n", "\n")
    assert max(len(line) for line in plain.splitlines()) <= 150
    row = next(line for line in plain.splitlines() if "Kết luận hội nghị" in line)
    assert "Kết luận cuộc làm việc" in row  # side by side


def test_diff_refuses_repeated_ids_and_unknown_pivots(runner: CliRunner, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    assert runner.invoke(app, ["--archive", str(archive), "ingest", str(SEED_A), str(SEED_B)]).exit_code == 0
    for args in (["diff", "1", "1"], ["diff", "1", "2", "1"], ["diff", "1", "2", "--pivot", "bogus"]):
        result = runner.invoke(app, ["--archive", str(archive), *args])
        assert result.exit_code != 0, args
        assert "Error:" in result.stderr, args
