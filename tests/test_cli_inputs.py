"""The ingest command with feeds, crawls, URLs and --from-file: output, progress and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from .conftest import SEED_A
from .feedfixtures import Entry, body, html_capture, page, rss, write_warc
from .localserver import Page, Site
from .test_cli import run


def test_from_file_mixes_paths_urls_feeds_and_crawls(
    runner: CliRunner, archive_dir: Path, tmp_path: Path, site: Site
) -> None:
    site.routes["/tin/1.html"] = Page.html(page(1))
    site.routes["/rss"] = Page(
        rss([Entry("Hai", None, "2", content=body(2))]), headers={"Content-Type": "application/rss+xml"}
    )
    warc = write_warc(tmp_path / "crawl.warc.gz", [html_capture("https://bao.example/3", 3)])
    listing = tmp_path / "inputs.txt"
    listing.write_text(
        f"# what to archive\n{SEED_A}\n\n{site.url('/tin/1.html')}\n{site.url('/rss')}\n  {warc}  \n"
        f"{tmp_path / 'missing.txt'}\n",
        encoding="utf-8",
    )
    code, out, err = run(runner, archive_dir, "ingest", "--from-file", str(listing), "--workers", "1")
    assert code == 1
    assert "6 items from 5 inputs: 4 new, 0 duplicate, 1 skipped, 1 error" in out
    assert f"Error: {tmp_path / 'missing.txt'}: no such file or folder" in err
    code, out, _ = run(runner, archive_dir, "ingest", "--json", "--from-file", str(listing), "--workers", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [(x["status"], x.get("match") or x.get("note") or x.get("error")) for x in lines] == [
        ("duplicate", "same-bytes"),
        ("duplicate", "same-bytes"),  # fetched again (no validators to ask with): the same bytes
        ("skipped", lines[2]["note"]),
        ("skipped", "warcinfo record"),
        ("duplicate", "same-bytes"),
        ("error", "no such file or folder"),
    ]
    assert lines[2]["path"] == site.url("/rss") and "feed unchanged since" in lines[2]["note"]


def test_from_stdin_and_crawl_on_stdin(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Tin A\nNội dung bài A.\n", encoding="utf-8")
    code, out, _ = run(runner, archive_dir, "ingest", "--from-file", "-", input=f"{tmp_path / 'a.txt'}\n# end\n")
    assert code == 0 and "1 input: 1 new" in out
    warc = write_warc(tmp_path / "c.warc.gz", [html_capture("https://bao.example/9", 9)]).read_bytes()
    code, out, _ = run(runner, archive_dir, "ingest", "--json", "-", input=warc)
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert code == 0 and statuses == ["skipped", "new"]
    assert json.loads(out.splitlines()[1])["path"] == "-#record-2 https://bao.example/9"


def test_usage_errors(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(runner, archive_dir, "ingest")
    assert code == 2 and "no inputs" in err
    code, _, err = run(runner, archive_dir, "ingest", "--from-file", "-", "-", input="x\n")
    assert code == 2 and "standard input cannot be both" in err
    code, _, err = run(runner, archive_dir, "ingest", "--from-file", "-", input=f"{SEED_A}\n-\n")
    assert code == 2 and "names - (standard input) again" in err
    code, _, err = run(runner, archive_dir, "ingest", "--from-file", str(tmp_path / "nope.txt"))
    assert code == 1 and "nope.txt: no such file (the list of inputs given to --from-file)" in err


def test_a_folder_with_no_files_is_an_error_of_its_own(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run(runner, archive_dir, "ingest", "--json", str(tmp_path / "empty"), str(SEED_A))
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["status"] for r in results] == ["error", "new"]
    assert results[0] == {
        "path": str(tmp_path / "empty"),
        "id": None,
        "status": "error",
        "error": "a folder with no files to ingest",
    }
    code, _, err = run(runner, archive_dir, "ingest", str(tmp_path / "empty"))
    assert code == 1 and f"Error: {tmp_path / 'empty'}: a folder with no files to ingest" in err


def test_timeout_option_and_errors_exit_1(runner: CliRunner, archive_dir: Path, site: Site) -> None:
    site.routes["/slow"] = Page.html(page(1), **{"Content-Length": "99999"})
    site.routes["/slow"].delay = 2.0
    site.routes["/ok"] = Page.html(page(2))
    code, out, err = run(
        runner, archive_dir, "ingest", "--timeout", "0.3", "-j", "1", site.url("/slow"), site.url("/ok")
    )
    assert code == 1
    assert "timed out after 0.3 s" in err and "2 inputs: 1 new, 0 duplicate, 1 error" in out


def test_progress_counts_items_of_a_crawl(runner: CliRunner, archive_dir: Path, tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "c.warc.gz", [html_capture(f"https://bao.example/{n}", n) for n in range(3)])
    code, _, err = run(runner, archive_dir, "ingest", "--progress", "-j", "1", str(warc))
    assert code == 0
    assert "4 items: 3 new, 0 dup, 1 skipped, 0 err" in err and "1/1" in err
