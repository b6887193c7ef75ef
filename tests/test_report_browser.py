"""The HTML report in a real headless browser (Debian's Chromium; ``make chromium`` installs it).

* Hostile article text (``<script>``, ``"><img onerror=...>``) must render as
  text: checked on the page as shipped, and on a copy without its
  Content-Security-Policy, so that escaping alone is what stops the scripts.
* On a phone-sized viewport (390 px) the page must not scroll sideways and its
  text must stay at a readable size: a copy of the page with a measuring script
  added reports both. Headless Chromium keeps windows at least 500 px wide, so
  the copy is shown in a 390 px ``srcdoc`` frame, which is its viewport.
* Screenshots of the shipped page, desktop and phone, are written for a person
  to look at: to ``$NEWSDEDUP_SCREENSHOTS`` if set, else the test's tmp folder.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from newsdedup.align import Alignment, align_articles
from newsdedup.compare import compare_articles
from newsdedup.records import Article, Block
from newsdedup.report_html import render_html

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')
PAYLOADS = [
    "<script>document.title='PWNED'</script>",
    "\"><img src=x onerror=\"document.body.setAttribute('data-pwned', '1')\">",
    "'><svg onload=\"document.body.setAttribute('data-pwned', '2')\">",
]
MEASURE = """<script>
const check = {
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  smallestText: Math.min(...[...document.querySelectorAll('.side p, .card .title')]
    .map(e => parseFloat(getComputedStyle(e).fontSize))),
  stacked: [...document.querySelectorAll('.group')].every(g => {
    const [a, , b] = g.children;  // A's version, the kind, B's version
    if (!a.children.length || !b.children.length) return true;  // one side empty, hidden
    const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
    return ra.left === rb.left && rb.top >= ra.bottom; }),
};
parent.document.body.setAttribute('data-check', JSON.stringify(check));
</script>"""
PHONE = '<iframe style="width:390px;height:844px;border:0" srcdoc="{}"></iframe>'


def article(article_id: int, texts: list[str], url: str | None = None) -> Article:
    blocks = (Block(0, "title", texts[0]), *(Block(i, "body", t) for i, t in enumerate(texts[1:], 1)))
    return Article(
        article_id, f"outlet {article_id}", url, texts[0], "2020-08-13T18:50", None, None, None, "text", None,
        "", None, None, "", blocks,
    )  # fmt: skip


@pytest.fixture(scope="module")
def hostile() -> Alignment:
    body = [
        f"{PAYLOADS[0]} Bộ Công thương sẽ hỗ trợ doanh nghiệp xuất khẩu tìm kiếm thị trường mới tại châu Âu.",
        f"Giá xăng RON95 giảm 500 đồng mỗi lít từ chiều nay {PAYLOADS[1]} theo thông báo của liên bộ.",
        f"Đoạn chỉ có ở bài A {PAYLOADS[2]} với một địa chỉ rất dài https://example.org/{'x' * 120} không ngắt.",
    ]
    a = article(1, ["Tiêu đề A <script>document.title='PWNED'</script>", *body], url="javascript:alert(1)")
    b = article(
        2,
        ["Tiêu đề B", body[0].replace("xuất khẩu", "nhập khẩu"), body[1].replace("500", "700")],
        url="https://example.org/b",
    )
    return align_articles(a, b)


def chromium(*args: str, profile: Path) -> str:
    if CHROMIUM is None:
        if os.environ.get("NEWSDEDUP_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (NEWSDEDUP_REQUIRE_BROWSER=1) but not installed: make chromium")
        pytest.skip("Chromium is not installed (make chromium)")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dump_dom(page: Path, profile: Path, width: int = 1280) -> str:
    return chromium(
        f"--window-size={width},900", "--virtual-time-budget=3000", "--dump-dom", page.as_uri(), profile=profile
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("without_csp", [False, True])
def test_hostile_text_renders_as_text(hostile: Alignment, tmp_path: Path, without_csp: bool) -> None:
    html = render_html(hostile)
    if without_csp:
        html, removed = CSP.subn("", html)
        assert removed == 1
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    dom = dump_dom(page, tmp_path / "profile")
    assert "<body" in dom
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)  # type: ignore[union-attr]
    assert re.search(r"<body[^>]*>", dom).group(0) == "<body>"  # type: ignore[union-attr]  # no data-pwned
    assert not re.search(r"<(script|img|svg)\b", dom, re.I)
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom
    assert "onerror=" in dom  # there, as text
    assert 'href="javascript:' not in dom and 'href="https://example.org/b"' in dom


@pytest.mark.parametrize("cluster", [False, True])
def test_readable_on_a_phone(hostile: Alignment, tmp_path: Path, cluster: bool) -> None:
    result = compare_articles([hostile.a, hostile.b, hostile.b]) if cluster else hostile
    measured = CSP.sub("", render_html(result)).replace("</body>", MEASURE + "</body>")
    page = tmp_path / "phone.html"
    page.write_text("<!doctype html><body>" + PHONE.format(html.escape(measured)) + "</body>", encoding="utf-8")
    dom = dump_dom(page, tmp_path / "profile")
    found = re.search(r"data-check=\"([^\"]*)\"", dom)
    assert found, dom[-2000:]
    check = json.loads(found.group(1).replace("&quot;", '"'))
    assert check["scrollWidth"] <= check["innerWidth"] == 390  # nothing scrolls sideways
    if not cluster:
        assert check["smallestText"] >= 16
        assert check["stacked"]  # one column: B's version under A's


def test_screenshots(hostile: Alignment, tmp_path: Path) -> None:
    folder = Path(os.environ.get("NEWSDEDUP_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "diff.html"
    page.write_text(render_html(hostile), encoding="utf-8")
    for name, size in (("desktop", (1280, 900)), ("phone", (390, 1200))):
        shot = folder / f"diff-{name}.png"
        chromium(f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "p")
        assert png_size(shot) == size
        assert shot.stat().st_size > 10_000  # not a blank page
