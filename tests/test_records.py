"""Records: ``evolve``, the copy-with-changes ingestion makes of every article."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field, replace
from typing import Any, ClassVar

import pytest

from newsdedup.records import Block, ExtractedArticle, IngestResult, evolve

ARTICLE = ExtractedArticle(
    blocks=(Block(0, "title", "Tiêu đề"), Block(1, "body", "Một đoạn văn.")), title="Tiêu đề", source="vne"
)


@pytest.mark.parametrize(
    ("record", "changes"),
    [
        (ARTICLE, {"body_hash": "ab" * 32}),
        (ARTICLE, {"blocks": (), "title": None}),
        (Block(3, "body", "x"), {"kept": False, "reason": "advert", "role": "boilerplate"}),
        (IngestResult(path="a.txt", status="new", id=4), {"cluster": 4, "note": "n"}),
        (ARTICLE, {}),
    ],
)
def test_evolve_makes_what_replace_makes(record: Any, changes: dict[str, Any]) -> None:
    made, expected = evolve(record, **changes), replace(record, **changes)
    assert made == expected and type(made) is type(expected)
    assert made is not record
    assert vars(made) == vars(expected)  # fields left out of comparisons too


def test_evolve_leaves_the_record_as_it_was_and_its_copy_frozen() -> None:
    made = evolve(ARTICLE, title="Khác")
    assert ARTICLE.title == "Tiêu đề" and made.title == "Khác"
    with pytest.raises(FrozenInstanceError):
        made.title = "x"  # type: ignore[misc]


def test_evolve_refuses_a_change_that_names_no_field() -> None:
    with pytest.raises(TypeError, match="ExtractedArticle has no field 'titel'"):
        evolve(ARTICLE, titel="x")


def test_a_record_that_checks_itself_is_checked_again() -> None:
    @dataclass(frozen=True)
    class Checked:
        size: int

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError(f"size must be >= 0, got {self.size}")

    assert evolve(Checked(1), size=2) == Checked(2)
    with pytest.raises(ValueError, match="size must be >= 0, got -1"):
        evolve(Checked(1), size=-1)


def test_a_record_with_slots_is_copied_too() -> None:
    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: int
        b: str = "x"

    assert evolve(Slotted(1), b="y") == Slotted(1, "y")


@dataclass(frozen=True)
class _Counted:
    name: str
    count: int = field(default=0, init=False)


@dataclass(frozen=True)
class _Kinded:
    name: str
    kind: ClassVar[str] = "x"


def test_records_evolve_cannot_copy_by_their_state_are_copied_by_replace() -> None:
    from functools import cached_property

    @dataclass(frozen=True)
    class Cached:
        text: str

        @cached_property
        def words(self) -> int:
            return len(self.text.split())

    cached = Cached("một hai")
    assert cached.words == 2
    assert evolve(cached, text="một hai ba").words == 3  # not the original's cached 2

    with pytest.raises(ValueError, match="init=False"):
        evolve(_Counted("a"), count=3)
    with pytest.raises(TypeError, match="kind"):
        evolve(_Kinded("a"), kind="y")
    assert evolve(_Kinded("a"), name="b") == _Kinded("b")

    @dataclass(frozen=True)
    class Base:
        a: int

    @dataclass(frozen=True, slots=True)
    class SlottedChild(Base):
        b: int = 0

    assert evolve(SlottedChild(1), b=2) == SlottedChild(1, 2)
    with pytest.raises(TypeError):
        evolve(object(), a=1)
