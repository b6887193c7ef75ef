"""The command line and revisions: ingest, history, diff of revisions, show, list, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdedup.cli import app

from .localserver import Page, Site
from .test_revisions import CHANGED, EXTENDED, PARAGRAPHS, URL, html


def run(runner: CliRunner, archive: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--archive", str(archive), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pages(tmp_path: Path) -> list[Path]:
    """Four fetches of one story: the first, the same text with an ad and a tracking link, an edit, a new headline."""
    versions = [
        html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL),
        html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL + "?utm_source=rss", extra="<aside>Quảng cáo</aside>"),
        html("Hà Nội duyệt quy hoạch", CHANGED, URL),
        html("Hà Nội chốt quy hoạch", EXTENDED, URL),
    ]
    paths = []
    for n, page in enumerate(versions, start=1):
        path = tmp_path / f"v{n}.html"
        path.write_bytes(page)
        paths.append(path)
    return paths


@pytest.fixture
def revised(runner: CliRunner, archive_dir: Path, pages: list[Path]) -> Path:
    for page in pages:
        assert run(runner, archive_dir, "ingest", str(page))[0] == 0
    return archive_dir


def test_ingest_reports_revisions(runner: CliRunner, archive_dir: Path, pages: list[Path]) -> None:
    code, out, _ = run(runner, archive_dir, "ingest", "--json", *map(str, pages))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["status"], x["id"], x.get("match"), x.get("revision")) for x in lines] == [
        ("new", 1, None, None),
        ("duplicate", 1, "same-url", 1),
        ("revision", 1, "same-url", 2),
        ("revision", 1, "same-url", 3),
    ]
    assert lines[3]["title"] == "Hà Nội chốt quy hoạch" and lines[3]["cluster"] == 1
    code, out, _ = run(runner, archive_dir, "ingest", *map(str, pages))
    assert code == 0 and out.startswith("4 inputs: 0 new, 4 duplicate, 0 errors")
    code, out, _ = run(runner, archive_dir / "other", "ingest", *map(str, pages))
    assert out.startswith("4 inputs: 1 new, 2 revised, 1 duplicate, 0 errors")


def test_history_table_and_json(runner: CliRunner, revised: Path) -> None:
    code, out, err = run(runner, revised, "history", "1")
    assert code == 0 and err == ""
    assert out.startswith("1: Hà Nội chốt quy hoạch\n" + URL + " (3 revisions)\n")
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit() and "│" in line]
    assert [row.split("│")[0].strip() for row in rows if row.split("│")[0].strip()] == ["1", "2", "3"]
    assert "first archived" in out and "1 paragraph changed (+1 -1" in out and "title changed; 1" in out
    assert "* when archived: the input had no fetch time" in out and "newsdedup diff 1@1 1" in out
    code, out, _ = run(runner, revised, "history", URL.replace("https://", "HTTPS://") + "/?utm_campaign=x", "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["id"], doc["url"]) == (1, URL)
    assert [(r["revision"], r["title"], r["summary"]) for r in doc["revisions"]] == [
        (1, "Hà Nội duyệt quy hoạch", "first archived"),
        (2, "Hà Nội duyệt quy hoạch", "1 paragraph changed (+1 -1 words)"),
        (3, "Hà Nội chốt quy hoạch", "title changed; 1 paragraph added (+19 words)"),
    ]
    assert doc["revisions"][1]["changes"]["changed"] == 1 and doc["revisions"][0]["changes"] is None
    assert doc["revisions"][0]["raw_sha256"] != doc["revisions"][2]["raw_sha256"]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("7", "Error: no article with id 7 in "),
        ("https://tin.example/none", "Error: no article with the URL https://tin.example/none in "),
    ],
)
def test_history_of_an_unknown_article(runner: CliRunner, revised: Path, ref: str, message: str) -> None:
    code, out, err = run(runner, revised, "history", ref)
    assert (code, out) == (1, "") and err.startswith(message)


def test_diff_of_revisions_in_every_format(runner: CliRunner, revised: Path, tmp_path: Path) -> None:
    code, out, err = run(runner, revised, "diff", "1@1", "1@2")
    assert code == 0 and err == ""
    assert out.startswith("A: tin.example #1@1") and "\nB: tin.example #1@2" in out
    assert "[-năm-] năm tới" in out and "{+bảy+} năm tới" in out
    doc = json.loads(run(runner, revised, "diff", "1@1", "1", "--json")[1])
    assert [(a["id"], a["revision"]) for a in doc["articles"]] == [(1, 1), (1, 3)]
    assert doc["summary"]["body"]["only-b"] == 1
    assert run(runner, revised, "diff", "1@-2", "1@-1", "-f", "markdown", "-o", str(tmp_path / "d.md"))[0] == 0
    markdown = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "#1@2" in markdown and "#1@3" in markdown and "Hà Nội chốt quy hoạch" in markdown
    assert run(runner, revised, "diff", "1@1", "1@3", "-f", "html", "-o", str(tmp_path / "d.html"))[0] == 0
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "#1@1" in page and "#1@3" in page


def test_diff_of_one_article_shows_its_last_change(runner: CliRunner, revised: Path) -> None:
    code, out, _ = run(runner, revised, "diff", "1")
    assert code == 0 and out.startswith("A: tin.example #1@2") and "\nB: tin.example #1@3" in out
    code, out, _ = run(runner, revised, "diff", "1@1")
    assert code == 0 and out.startswith("A: tin.example #1@1") and "\nB: tin.example #1@3" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1@0", "1"], 2, "Error: revisions are numbered from 1"),
        (["1@x", "1"], 2, "Error: an article reference is ID or ID@REVISION (12, 12@1, 12@-2), got '1@x'"),
        (["1@9", "1"], 1, "Error: article 1 has 3 revisions; there is no revision 9"),
        (["1@3", "1"], 1, "Error: each article can be compared once; got 1@3, 1, the same text twice"),
    ],
)
def test_diff_reference_errors(runner: CliRunner, revised: Path, args: list[str], code: int, message: str) -> None:
    got, out, err = run(runner, revised, "diff", *args)
    assert (got, out) == (code, "") and err.startswith(message)


def test_show_list_and_stats_know_revisions(runner: CliRunner, revised: Path) -> None:
    doc = json.loads(run(runner, revised, "show", "1", "--json")[1])
    assert (doc["revision"], doc["revisions"], doc["title"]) == (3, 3, "Hà Nội chốt quy hoạch")
    code, out, _ = run(runner, revised, "show", "1")
    assert code == 0 and "revision: 3 of 3 (newsdedup history 1)" in out
    listed = json.loads(run(runner, revised, "list", "--json")[1])
    assert [(a["id"], a["revisions"]) for a in listed] == [(1, 3)]
    assert "3 revisions" in run(runner, revised, "list")[1]
    stats = json.loads(run(runner, revised, "stats", "--json")[1])
    assert (stats["articles"], stats["revisions"], stats["revised_articles"], stats["originals"]) == (1, 2, 1, 3)


def test_help_explains_revision_references(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diff", "--help"])
    assert result.exit_code == 0 and "Example:  newsdedup diff 12@1 12@3" in result.stdout
    result = runner.invoke(app, ["history", "--help"])
    assert result.exit_code == 0 and "Example:  newsdedup history https://example.com/news/a-1 --json" in result.stdout


def test_history_finds_an_article_by_the_url_it_was_fetched_from(
    runner: CliRunner, archive_dir: Path, site: Site
) -> None:
    # The page names itself by its canonical link; the user knows the link they fetched.
    site.routes["/m/bai-1"] = Page.html(html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL).decode())
    code, _, _ = run(runner, archive_dir, "ingest", "-j", "1", site.url("/m/bai-1"))
    assert code == 0
    for ref in (site.url("/m/bai-1"), site.url("/m/bai-1/?utm_source=zalo"), URL):
        code, out, err = run(runner, archive_dir, "history", ref)
        assert (code, err) == (0, "") and out.startswith(f"1: Hà Nội duyệt quy hoạch\n{URL} (1 revision)\n"), ref
    code, _, err = run(runner, archive_dir, "history", site.url("/m/other"))
    assert code == 1 and err.startswith(f"Error: no article with the URL {site.url('/m/other')} in ")
    assert run(runner, archive_dir, "history", " ")[::2] == (2, "Error: name an article: its id or a URL\n")
