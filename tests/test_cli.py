"""The command line: parsing, output, exit codes, error text."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from newsdedup import Archive
from newsdedup.cli import app

from .conftest import DATA, FIXTURES, SEED_A, SEED_B, article_text


def run(runner: CliRunner, archive: Path, *args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--archive", str(archive), *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_list_show_stats(runner: CliRunner, archive_dir: Path) -> None:
    code, out, _ = run(runner, archive_dir, "ingest", str(DATA))
    assert code == 0
    assert "2 inputs: 2 new, 0 duplicate, 0 errors" in out
    code, out, _ = run(runner, archive_dir, "list")
    assert code == 0 and "2020-08-13T18:50" in out and "Mỗi mét vuông" in out
    code, out, _ = run(runner, archive_dir, "show", "1")
    assert code == 0 and "[1 dateline] HNP" in out and "[2 body] Chiều 13/8" in out
    assert "[17 dropped: related-links] Các bài mới đăng" in out
    code, out, _ = run(runner, archive_dir, "stats")
    assert code == 0 and "articles: 2" in out


def test_an_archive_migrated_on_opening_says_so_on_stderr(runner: CliRunner, archive_dir: Path) -> None:
    from newsdedup.schema import SCHEMA_VERSION

    from .legacy import to_version_12

    assert run(runner, archive_dir, "ingest", str(DATA))[0] == 0
    code, _, err = run(runner, archive_dir, "list")
    assert code == 0 and "Migrat" not in err
    to_version_12(archive_dir / "newsdedup.db")
    code, out, err = run(runner, archive_dir, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 2  # stdout is the command's own
    assert f"Migrating the archive {archive_dir} from schema version 12 to {SCHEMA_VERSION}" in err
    assert re.search(r"Migrated in \d+\.\d s\.", err)
    assert "Migrat" not in run(runner, archive_dir, "list")[2]


def test_ingest_json_one_object_per_input(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    code, out, err = run(runner, archive_dir, "ingest", "--json", str(SEED_A), str(tmp_path / "empty.txt"), str(SEED_A))
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["status"], x["id"]) for x in lines] == [("new", 1), ("error", None), ("duplicate", 1)]
    assert lines[1]["error"] == "empty input (0 bytes)"
    assert lines[0]["path"] == str(SEED_A)
    assert err == ""


def test_ingest_errors_on_stderr_and_exit_code(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    code, out, err = run(runner, archive_dir, "ingest", str(tmp_path / "missing.txt"), str(SEED_A))
    assert code == 1
    assert f"Error: {tmp_path / 'missing.txt'}: no such file or folder" in err
    assert "1 new" in out and "1 error" in out


def test_ingest_from_stdin(runner: CliRunner, archive_dir: Path) -> None:
    code, out, _ = run(runner, archive_dir, "ingest", "--json", "-", input=article_text("Từ stdin", "Nội dung."))
    assert code == 0
    assert json.loads(out)["path"] == "-"
    code, out, _ = run(runner, archive_dir, "show", "1", "--json")
    assert json.loads(out)["title"] == "Từ stdin"


def test_show_json_shape(runner: CliRunner, archive_dir: Path) -> None:
    run(runner, archive_dir, "ingest", str(SEED_A))
    code, out, _ = run(runner, archive_dir, "show", "1", "--json")
    assert code == 0
    article = json.loads(out)
    assert {"id", "source", "url", "title", "published", "blocks"} <= set(article)
    assert article["published"] == "2020-08-13T18:50"
    block = article["blocks"][1]
    assert set(block) == {"index", "role", "text", "kept", "reason"}
    assert [b["index"] for b in article["blocks"]] == list(range(len(article["blocks"])))


def test_list_and_stats_json(runner: CliRunner, archive_dir: Path) -> None:
    run(runner, archive_dir, "ingest", str(DATA))
    code, out, _ = run(runner, archive_dir, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [a["id"] for a in listed] == [1, 2] and "blocks" not in listed[0]
    code, out, _ = run(runner, archive_dir, "stats", "--json")
    assert json.loads(out)["articles"] == 2


def test_show_missing_article(runner: CliRunner, archive_dir: Path) -> None:
    run(runner, archive_dir, "ingest", str(SEED_A))
    code, _, err = run(runner, archive_dir, "show", "99")
    assert code == 1
    assert err.startswith("Error: no article with id 99")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--format", "pdf", str(SEED_A)], "Error: --format must be one of auto, text, html, got 'pdf'"),
        (["ingest", "--source", " ", str(SEED_A)], "Error: --source must name an outlet (leave it out for none)"),
        (["ingest", "--user-agent", "a\nb", str(SEED_A)], "Error: --user-agent must be a non-empty one-line string"),
        (["ingest", "-", "-"], "Error: standard input (-) can be read once; it is named 2 times"),
        (["diff", "1", "2", "--pivot", "latest"], "Error: --pivot must be one of complete, earliest or an article id"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_the_option(
    runner: CliRunner, archive_dir: Path, args: list[str], message: str
) -> None:
    code, out, err = run(runner, archive_dir, *args, input="Tin\nMột đoạn văn.\n")
    assert (code, out) == (2, "") and err.startswith(message)


def test_format_names_in_any_case(runner: CliRunner, archive_dir: Path) -> None:
    assert run(runner, archive_dir, "ingest", "--format", "TEXT", str(SEED_A), str(SEED_B))[0] == 0
    code, out, _ = run(runner, archive_dir, "diff", "1", "2", "--format", "JSON", "--pivot", "Complete")
    assert code == 0 and json.loads(out)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "99999999999999999999"], 2),
        (["similar", "99999999999999999999", "--json"], 2),
        (["list", "--limit", "99999999999999999999"], 2),
        (["clusters", "--offset", "99999999999999999999"], 2),
        (["diff", "1", "99999999999999999999"], 2),
        (["diff", "1@99999999999999999999"], 2),
        (["diff", "--cluster", "99999999999999999999"], 2),
        (["history", "99999999999999999999"], 1),
    ],
)
def test_ids_too_large_for_sqlite_are_errors_not_tracebacks(
    runner: CliRunner, archive_dir: Path, args: list[str], code: int
) -> None:
    run(runner, archive_dir, "ingest", str(SEED_A))
    got, out, err = run(runner, archive_dir, *args)
    assert (got, out) == (code, "") and "Error:" in err and "99999999999999999999" in err
    assert "Traceback" not in err and "OverflowError" not in err


@pytest.mark.parametrize(
    "command", [["list"], ["show", "1"], ["stats"], ["clusters"], ["similar", "1"], ["diff", "1", "2"]]
)
def test_reading_commands_never_create_an_archive(runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo"
    code, _, err = run(runner, missing, *command)
    assert code == 1
    assert err.startswith(f"Error: no archive at {missing}")
    assert not missing.exists()


def test_show_piped_keeps_long_lines_whole(runner: CliRunner, archive_dir: Path) -> None:
    html = (FIXTURES / "html" / "article.html").read_bytes()
    run(runner, archive_dir, "ingest", "-", input=html)
    code, out, _ = run(runner, archive_dir, "show", "1")
    assert code == 0
    assert "url: https://coastal.example/news/harbour-bridge-reopens\n" in out


def test_usage_errors_exit_2(runner: CliRunner, archive_dir: Path) -> None:
    assert run(runner, archive_dir, "show", "abc")[0] == 2
    assert run(runner, archive_dir, "ingest")[0] == 2
    code, _, err = run(runner, archive_dir, "ingest", "--format", "pdf", str(SEED_A))
    assert code == 2 and "--format must be one of auto, text, html, got 'pdf'" in err


def test_archive_from_environment(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "env-archive"
    result = runner.invoke(app, ["ingest", str(SEED_A)], env={"NEWSDEDUP_ARCHIVE": str(target)})
    assert result.exit_code == 0
    assert (target / "newsdedup.db").exists()


def test_archive_that_is_not_a_database(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 100)
    code, _, err = run(runner, bad, "list")
    assert code == 1 and err.startswith("Error: cannot open the archive")


COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]  (a group)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    # Each option names what it takes (N, NAME, SECONDS), not click's type or SQLite's limit.
    assert not re.search(r"<\w+( range)?>|9223372036854775807", result.stdout)


def test_every_command_is_listed() -> None:
    assert {"ingest", "list", "show", "stats", "clusters", "similar", "diff", "link", "unlink"} <= set(COMMANDS)


def test_module_and_console_script_run() -> None:
    out = subprocess.run([sys.executable, "-m", "newsdedup", "--help"], capture_output=True, text=True, check=True)
    assert "ingest" in out.stdout
    script = Path(sys.executable).parent / "newsdedup"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("newsdedup ")


def run_main(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """``newsdedup.cli.main`` in a fresh interpreter, after the statements ``before``."""
    code = f"import sys\n{before}\nsys.argv = ['newsdedup', *{list(args)!r}]\nfrom newsdedup.cli import main\nmain()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_quick_exit_keeps_exit_codes_output_and_exit_handlers(tmp_path: Path) -> None:
    # main() leaves with os._exit: what a normal exit does must still happen.
    bye = "import atexit\natexit.register(lambda: print('exit handler ran'))"
    done = run_main("--archive", str(tmp_path / "a"), "ingest", "--json", str(DATA), before=bye)
    assert done.returncode == 0 and done.stdout.endswith("exit handler ran\n")
    assert [json.loads(line)["status"] for line in done.stdout.splitlines()[:-1]] == ["new", "new"]
    failed = run_main("--archive", str(tmp_path / "a"), "show", "99", before=bye)
    assert failed.returncode == 1 and failed.stderr.startswith("Error: ") and "exit handler ran" in failed.stdout
    assert run_main("--no-such-option").returncode == 2  # a usage error, as click exits


def test_the_quick_exit_reports_a_failed_flush(tmp_path: Path) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full here")
    # A command that succeeds and prints nothing (`ingest --json` of a list of inputs that names
    # none), after a write still in the buffer (a file is block-buffered): it is lost at the exit's flush.
    (tmp_path / "none.txt").write_text("# no inputs yet\n")
    args = [
        "newsdedup",
        "--archive",
        str(tmp_path / "a"),
        "ingest",
        "--json",
        "--from-file",
        str(tmp_path / "none.txt"),
    ]
    code = f"import sys\nsys.stdout.write('pending')\nsys.argv = {args!r}\nfrom newsdedup.cli import main\nmain()"
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with full.open("w") as sink:
        done = subprocess.run([sys.executable, "-c", code], stdout=sink, stderr=subprocess.PIPE, env=buffered)
    assert done.returncode == 120  # as Python reports a failed flush at exit
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=buffered)
    assert (quiet.returncode, quiet.stdout) == (0, "pending")


def test_an_ingest_with_workers_leaves_the_archive_in_one_file(tmp_path: Path) -> None:
    # Workers leave without the interpreter's teardown, but close their connection first:
    # the last to close checkpoints the WAL into the file and removes it, as before.
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(64):
        (folder / f"{n:02}.txt").write_text(f"Bài {n}\n\nMột đoạn văn về chuyện số {n} ở Hà Nội hôm nay.", "utf-8")
    done = run_main("--archive", str(tmp_path / "a"), "ingest", "--workers", "2", str(folder))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["newsdedup.db"]
    with sqlite3.connect(tmp_path / "a" / "newsdedup.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 64


def test_the_quick_exit_waits_for_a_running_thread(tmp_path: Path) -> None:
    # A thread Python would wait for: the usual exit, which lets it finish.
    late = "import threading, time\nthreading.Thread(target=lambda: (time.sleep(1), print('thread done'))).start()"
    done = run_main("--version", before=late)
    assert done.returncode == 0 and "thread done" in done.stdout


def test_the_console_scripts_module_imports_no_cli() -> None:
    # A spawned worker runs the `newsdedup` script again, whose first line imports the
    # entry point's module: it must not bring typer, rich and pydantic into every worker.
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "newsdedup"]
    assert script.value == "newsdedup.__main__:main"
    heavy = "('newsdedup.cli', 'typer', 'rich', 'pydantic')"
    code = f"import sys, newsdedup.__main__; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_progress_bar_only_when_asked_or_on_a_terminal(runner: CliRunner, archive_dir: Path) -> None:
    code, _, err = run(runner, archive_dir, "ingest", str(DATA))
    assert code == 0 and err == ""  # not a terminal: no bar
    code, _, err = run(runner, archive_dir, "ingest", "--progress", str(DATA))
    assert code == 0 and "2/2" in err


def test_ingest_json_reports_cluster_and_strongest_link(runner: CliRunner, archive_dir: Path) -> None:
    code, out, _ = run(runner, archive_dir, "ingest", "--json", str(DATA))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["cluster"] == 1 and "link" not in first
    assert second["cluster"] == 1
    assert second["link"]["id"] == 1 and second["link"]["level"] == "same-story"
    assert set(second["link"]["evidence"]) == {"jaccard", "containment", "passages", "passage_words", "coverage"}
    code, out, _ = run(runner, archive_dir, "show", "2", "--json")
    assert code == 0 and json.loads(out)["cluster"] == 1
    code, out, _ = run(runner, archive_dir, "show", "2")
    assert "cluster: 1" in out


def test_clusters_and_similar(runner: CliRunner, archive_dir: Path) -> None:
    run(runner, archive_dir, "ingest", str(DATA))
    code, out, _ = run(runner, archive_dir, "clusters", "--json")
    assert code == 0
    [cluster] = json.loads(out)
    assert (cluster["id"], cluster["size"], cluster["canonical"], cluster["members"]) == (1, 2, 1, [1, 2])
    assert cluster["first_published"] == "2020-08-13T18:50"
    code, out, _ = run(runner, archive_dir, "clusters")
    assert code == 0 and "Thường trực Thành ủy" in out
    code, out, _ = run(runner, archive_dir, "similar", "1", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["cluster"] == 1 and [(s["id"], s["level"]) for s in found["similar"]] == [(2, "same-story")]
    code, out, _ = run(runner, archive_dir, "similar", "1")
    assert code == 0 and "same-story" in out and "passages" in out
    code, _, err = run(runner, archive_dir, "similar", "9")
    assert code == 1 and err.startswith("Error: no article with id 9")
    code, out, _ = run(runner, archive_dir, "clusters", "--min-size", "3")
    assert code == 0 and "No clusters" in out


def test_an_untitled_article_is_named_alike_in_every_listing(
    runner: CliRunner, archive_dir: Path, tmp_path: Path
) -> None:
    # One long line: a paragraph, not a title. The copy has a sentence more (near-duplicate).
    body = " ".join(f"Câu thứ {n} của bài viết không có tiêu đề nói về cuộc họp chiều nay." for n in range(12))
    (tmp_path / "first.txt").write_text(body + "\n", encoding="utf-8")
    (tmp_path / "second.txt").write_text(body + " Thêm một câu.\n", encoding="utf-8")
    assert run(runner, archive_dir, "ingest", str(tmp_path / "first.txt"), str(tmp_path / "second.txt"))[0] == 0

    def shown(*args: str) -> str:
        result = runner.invoke(app, ["--archive", str(archive_dir), *args], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.stderr
        return result.stdout

    first, second = f"(no title: {tmp_path / 'first.txt'})", f"(no title: {tmp_path / 'second.txt'})"
    assert first in shown("list") and second in shown("list")
    assert first in shown("clusters")
    out = shown("similar", "1")
    assert out.startswith(f"1: {first}") and second in out and "near-duplicate" in out
    assert shown("show", "1").startswith("(no title)\n")
    # Machine output keeps the title as it is (none) and gives the origin beside it.
    [cluster] = json.loads(shown("clusters", "--json"))
    assert (cluster["title"], cluster["origin"]) == (None, str(tmp_path / "first.txt"))
    [linked] = json.loads(shown("similar", "1", "--json"))["similar"]
    assert (linked["title"], linked["origin"]) == (None, str(tmp_path / "second.txt"))


def test_clusters_and_similar_by_level(runner: CliRunner, archive_dir: Path) -> None:
    run(runner, archive_dir, "ingest", str(DATA))  # the seeds: one same-story link
    assert json.loads(run(runner, archive_dir, "clusters", "--level", "near-duplicate", "--json")[1]) == []
    [both] = json.loads(run(runner, archive_dir, "clusters", "--level", "Same-Story", "--json")[1])
    assert both["members"] == [1, 2]
    alone = json.loads(run(runner, archive_dir, "clusters", "--level", "exact", "--min-size", "1", "--json")[1])
    assert [c["members"] for c in alone] == [[1], [2]]
    code, out, _ = run(runner, archive_dir, "clusters", "--level", "exact")
    assert code == 0 and "No clusters of that size with links of level exact" in out
    code, out, _ = run(runner, archive_dir, "similar", "1", "--level", "near-duplicate")
    assert code == 0 and "No link at level near-duplicate or stronger." in out
    found = json.loads(run(runner, archive_dir, "similar", "2", "--level", "near-duplicate", "--json")[1])
    assert (found["similar"], found["cluster"]) == ([], 1)
    for command in (["clusters"], ["similar", "1"]):
        code, out, err = run(runner, archive_dir, *command, "--level", "copy")
        assert (code, out) == (2, "") and "Error: --level must be one of exact, near-duplicate, same-story" in err


def test_unlink_and_link_by_hand(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    run(runner, archive_dir, "ingest", str(DATA))
    code, out, _ = run(runner, archive_dir, "unlink", "2", "1")
    assert code == 0 and out.startswith("Unlinked 2 and 1 (was same-story, score 0.")
    assert "2 is in cluster 2, 1 in cluster 1." in out and "`newsdedup link 2 1` takes this back" in out
    assert json.loads(run(runner, archive_dir, "clusters", "--json")[1]) == []
    code, out, _ = run(runner, archive_dir, "similar", "1", "--json")
    assert json.loads(out)["similar"] == [] and json.loads(out)["separated"] == [2]
    code, out, _ = run(runner, archive_dir, "similar", "2")
    assert "No linked article." in out and "Kept apart by hand: 1 (`newsdedup link 2 ID`" in out
    # The seed ingested again under another name is a new article, an exact copy of 1: linked to 1 only.
    (tmp_path / "again.txt").write_bytes(SEED_A.read_bytes().replace(b"\n", b"\n\n"))
    code, out, _ = run(runner, archive_dir, "ingest", "--json", str(tmp_path / "again.txt"))
    assert code == 0 and json.loads(out)["cluster"] == 1
    code, out, _ = run(runner, archive_dir, "unlink", "1", "2", "--json")
    assert code == 0 and json.loads(out) == {
        "a": 1,
        "b": 2,
        "removed": None,
        "clusters": {"1": 1, "2": 2},
        "apart": True,
        "joined_by": [],
        "asked": None,
    }
    code, _, err = run(runner, archive_dir, "unlink", "3", "1")
    assert code == 1 and err.startswith("Error: articles 3 and 1 have the same body text")
    # An exact copy named: its original is separated in its place.
    code, out, _ = run(runner, archive_dir, "unlink", "2", "3")
    assert code == 0 and out.startswith("3 is an exact copy of 1: separating 2 and 1, whose links hold")
    code, out, _ = run(runner, archive_dir, "link", "1", "2", "--level", "Same-Story")
    assert code == 0 and out == "Linked 1 and 2 by hand (same-story); 2 is in cluster 1.\n"
    code, out, _ = run(runner, archive_dir, "link", "2", "1", "--json")
    assert code == 0 and json.loads(out) == {"a": 2, "b": 1, "level": "same-story", "cluster": 1}
    # Two articles of one text are linked as copies already; a copy named stands for its original.
    code, out, _ = run(runner, archive_dir, "link", "1", "3")
    assert out == "Articles 1 and 3 have the same body text: they are linked as exact copies already (cluster 1).\n"
    code, out, _ = run(runner, archive_dir, "link", "3", "2", "--level", "near-duplicate")
    assert out == "3 is an exact copy of 1: linked 1 and 2 by hand (near-duplicate); 2 is in cluster 1.\n"
    assert json.loads(run(runner, archive_dir, "link", "3", "2", "--json")[1]) == {
        "a": 1,
        "b": 2,
        "level": "near-duplicate",
        "cluster": 1,
    }
    # The stronger level wins, and it is what the command reports.
    code, out, _ = run(runner, archive_dir, "link", "2", "1")
    assert (
        out == "Linked 2 and 1 by hand (near-duplicate: the stronger link there already is kept); 1 is in cluster 1.\n"
    )
    code, out, _ = run(runner, archive_dir, "similar", "2", "--json")
    assert [(s["id"], s["level"], s["evidence"]) for s in json.loads(out)["similar"]] == [(1, "near-duplicate", None)]
    # Another article joins them: unlinked, they stay in one cluster, and it says so.
    (tmp_path / "other.txt").write_text("Tin khác\n\nMột bài về chuyện khác hẳn.\n", encoding="utf-8")
    assert run(runner, archive_dir, "ingest", str(tmp_path / "other.txt"))[0] == 0  # 4
    with Archive(archive_dir) as archive:
        archive.link(2, 4, "same-story")
        archive.link(4, 3, "same-story")  # (3 stands for 1)
    code, out, _ = run(runner, archive_dir, "unlink", "1", "2")
    assert code == 0 and "Both are still in cluster 1, joined through other articles: 1 - 4 - 2 (unlink" in out
    code, _, err = run(runner, archive_dir, "link", "1", "2", "--level", "related")
    assert code == 2 and err == "Error: --level must be one of exact, near-duplicate, same-story, got 'related'\n"
    for command in ("link", "unlink"):
        code, _, err = run(runner, archive_dir, command, "1", "9")
        assert code == 1 and err == "Error: no article with id 9\n"
        code, _, err = run(runner, archive_dir, command, "1", "1")
        assert code == 1 and err.startswith(f"Error: cannot {'link' if command == 'link' else 'separate'} article 1")
        assert run(runner, archive_dir, command, "1")[0] == 2  # one id: a usage error


def test_similar_says_why_an_article_without_body_has_no_links(
    runner: CliRunner, archive_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "boiler.txt").write_text("Tiêu đề\nChia sẻ\nBình luận\n", encoding="utf-8")
    code, out, _ = run(runner, archive_dir, "ingest", "--json", str(tmp_path / "boiler.txt"))
    assert code == 0 and "no body text" in json.loads(out)["note"]
    code, out, _ = run(runner, archive_dir, "similar", "1", "--json")
    assert json.loads(out)["similar"] == [] and "no body text" in json.loads(out)["note"]
    # Given a link by hand, it is linked after all: the note says so, and the link is shown.
    assert run(runner, archive_dir, "ingest", str(SEED_A))[0] == 0
    with Archive(archive_dir) as archive:
        archive.link(1, 2, "same-story", 0.5)
    code, out, _ = run(runner, archive_dir, "similar", "1", "--json")
    doc = json.loads(out)
    assert [s["id"] for s in doc["similar"]] == [2] and doc["note"].endswith("its links were given by hand")
    code, out, _ = run(runner, archive_dir, "similar", "1")
    assert code == 0 and "given by hand" in out and "same-story" in out and "not fingerprinted or linked" not in out


def test_similar_of_an_exact_copy_points_to_its_original(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "copy.txt").write_bytes(SEED_A.read_bytes().replace(b"\n", b"\n\n"))
    run(runner, archive_dir, "ingest", str(SEED_A), str(SEED_B), str(tmp_path / "copy.txt"))
    code, out, _ = run(runner, archive_dir, "similar", "3", "--json")
    found = json.loads(out)
    assert code == 0 and [(s["id"], s["level"]) for s in found["similar"]] == [(1, "exact")]
    assert found["note"].startswith("an exact copy of article 1") and "newsdedup similar 1" in found["note"]
    code, out, _ = run(runner, archive_dir, "similar", "3")
    assert code == 0 and "An exact copy of article 1" in out
    assert "note" not in json.loads(run(runner, archive_dir, "similar", "1", "--json")[1])


def test_new_commands_have_examples(runner: CliRunner) -> None:
    for command in ("clusters", "similar", "reindex", "link", "unlink"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example:" in result.stdout
    assert "--workers" in runner.invoke(app, ["ingest", "--help"]).stdout


def test_ingest_starts_its_workers_before_it_opens_the_archive(
    runner: CliRunner, archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder of many files: the workers start first, so that their start overlaps this
    # process's own (imports, opening the archive, walking the folder). A few files start none.
    from newsdedup import archive as archive_module
    from newsdedup import workerpool

    events: list[str] = []
    pool_init, archive_init = workerpool.WorkerPool.__init__, archive_module.Archive.__init__

    def pool_spy(pool: workerpool.WorkerPool, processes: int) -> None:
        events.append(f"pool of {processes}")
        pool_init(pool, processes)

    def archive_spy(archive: archive_module.Archive, *args: Any, **kwargs: Any) -> None:
        events.append("archive")
        archive_init(archive, *args, **kwargs)

    monkeypatch.setattr(workerpool.WorkerPool, "__init__", pool_spy)
    monkeypatch.setattr(archive_module.Archive, "__init__", archive_spy)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(70):
        (corpus / f"{n:02}.txt").write_text(article_text(f"Tin {n}", f"Bài số {n} kể chuyện {n}."), encoding="utf-8")
    code, out, _ = run(runner, archive_dir, "ingest", "--workers", "2", str(corpus))
    assert code == 0 and "70 inputs: 70 new" in out
    assert events == ["pool of 1", "archive"]
    events.clear()
    for few in (str(SEED_A), str(DATA)):  # a file; a folder of two
        events.clear()
        code, out, _ = run(runner, archive_dir, "ingest", "--workers", "2", few)
        assert code == 0 and events == ["archive"]


def test_the_cli_starts_workers_from_as_many_files_as_ingestion_does() -> None:
    from newsdedup import cli, parallel

    assert cli._MANY_INPUTS == parallel.MIN_PARALLEL


def test_ingest_names_each_outlet_after_its_folder(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    # Enough files for the pool to start: its workers read the files and carry their sources.
    for outlet, count in (("NLD", 40), ("VNE", 30)):
        for n in range(count):
            path = corpus / outlet / "2020" / f"{n:03}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            text = article_text(f"Tin {outlet} {n}", f"Bài {n} của {outlet} kể chuyện số {n}.")
            path.write_text(text, encoding="utf-8")
    code, _, err = run(runner, archive_dir, "ingest", "--source-from-folder", "--workers", "2", str(corpus))
    assert (code, err) == (0, "")
    code, out, _ = run(runner, archive_dir, "list", "--json", "--limit", "100")
    rows = json.loads(out)
    assert len(rows) == 70
    assert {row["title"].split()[1]: row["source"] for row in rows} == {"NLD": "NLD", "VNE": "VNE"}


def test_ingest_refuses_a_source_and_sources_from_folders(runner: CliRunner, archive_dir: Path) -> None:
    code, _, err = run(runner, archive_dir, "ingest", "--source", "VNE", "--source-from-folder", str(SEED_A))
    assert code == 2
    assert err == "Error: --source 'VNE' and --source-from-folder exclude each other: give one outlet name or none\n"


def test_reindex_repairs_an_archive_whose_index_is_damaged(
    runner: CliRunner, archive_dir: Path, tmp_path: Path
) -> None:
    run(runner, archive_dir, "ingest", str(DATA))
    with sqlite3.connect(archive_dir / "newsdedup.db") as conn:
        conn.execute("UPDATE fingerprints SET signature = x'00' WHERE article_id = 2")
    conn.close()
    copy = tmp_path / "copy.txt"
    # One word edited: a near-copy of the first seed, whose lookup meets the second (same story).
    copy.write_text(SEED_A.read_text(encoding="utf-8").replace("Chiều 13/8", "Sáng 13/8"), encoding="utf-8")
    code, _, err = run(runner, archive_dir, "ingest", str(copy))
    assert code == 1 and "Error: " in err and "the fingerprint of article 2 is damaged" in err
    assert "`newsdedup reindex`" in err
    code, out, _ = run(runner, archive_dir, "reindex", "--json")
    assert code == 0
    done = json.loads(out)
    assert {k: done[k] for k in ("articles", "fingerprinted", "without_body", "copies", "links_added")} == {
        "articles": 2,
        "fingerprinted": 2,
        "without_body": 0,
        "copies": 0,
        "links_added": 0,
    }
    code, out, _ = run(runner, archive_dir, "reindex")
    assert code == 0 and re.match(
        r"Re-indexed 2 articles \(2 fingerprinted, 0 without body text; 0 exact copies kept as linked to their "
        r"originals\) in \d",
        out,
    )
    code, out, _ = run(runner, archive_dir, "ingest", "--json", str(copy))
    assert code == 0 and json.loads(out)["link"]["level"] == "near-duplicate"


@pytest.mark.slow
def test_ctrl_c_says_what_is_archived_and_a_second_run_goes_on(tmp_path: Path) -> None:
    import signal

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3000):
        (folder / f"{n:04}.txt").write_text(f"Tin số {n}\n\nBài viết số {n} về chủ đề {n * 7919 % 10007}.\n")
    archive = tmp_path / "archive"
    command = [sys.executable, "-m", "newsdedup", "--archive", str(archive), "ingest", "--json", "--batch-size", "50"]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the workers too. With
    # SIGINT handled, as in a terminal's job: a shell starts a background job (`make test &`) with
    # SIGINT ignored, which a child inherits through exec (a handled signal becomes the default).
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run = subprocess.Popen([*command, str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, handler)
    assert run.stdout is not None and run.stderr is not None
    first = run.stdout.readline()  # a batch is committed
    os.killpg(run.pid, signal.SIGINT)
    # (Read through the same buffered stream: communicate() would miss what readline read ahead.)
    out, err = first + run.stdout.read(), run.stderr.read()
    assert run.wait(timeout=60) == 130, err
    # The first Ctrl-C lets the batch being written finish: every article archived is reported.
    assert err.startswith("Stopping once the batch being written is archived (Ctrl-C again to stop now).\n"), err
    assert "Error: interrupted after " in err and "is archived;" in err and "Traceback" not in err, err
    reported = [json.loads(line)["status"] for line in out.splitlines()]
    with Archive(archive) as done_archive:
        assert done_archive.stats().articles == reported.count("new") < 3000
    done = len(reported)
    again = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=300)
    statuses = [json.loads(line)["status"] for line in again.stdout.splitlines()]
    assert again.returncode == 0 and len(statuses) == 3000
    assert statuses.count("duplicate") >= done and statuses.count("new") == 3000 - statuses.count("duplicate")


def test_the_first_ctrl_c_asks_to_stop_and_a_second_stops_at_once() -> None:
    import signal

    from rich.console import Console

    from newsdedup.cli import _StopOnInterrupt

    said = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - closed below
    # As in a terminal's foreground job (a test run in the background starts with SIGINT ignored).
    started = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _StopOnInterrupt(said) as stopping:
            handler = signal.getsignal(signal.SIGINT)
            assert callable(handler) and not stopping.requested()
            handler(signal.SIGINT, None)
            assert stopping.requested()
            with pytest.raises(KeyboardInterrupt):
                handler(signal.SIGINT, None)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back
        # Started with Ctrl-C ignored (a shell's background job), it stays ignored.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with _StopOnInterrupt(said):
                assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        signal.signal(signal.SIGINT, started)
        said.file.close()


def test_bytes_that_are_not_utf8_in_a_source_or_a_list_of_inputs(
    runner: CliRunner, archive_dir: Path, tmp_path: Path
) -> None:
    named = tmp_path / os.fsdecode(b"b\xff.txt")
    named.write_bytes(SEED_B.read_bytes())
    listed = tmp_path / "list.txt"
    listed.write_bytes(os.fsencode(str(named)) + b"\n")  # as `find` writes a name
    code, out, err = run(runner, archive_dir, "ingest", "--json", "--source", "t\udcfe", "--from-file", str(listed))
    assert code == 0, err
    result = json.loads(out)
    assert (result["status"], result["path"]) == ("new", str(tmp_path / "b\\xff.txt"))
    with Archive(archive_dir) as archive:
        assert archive.get(1).source == "t\\xfe"
