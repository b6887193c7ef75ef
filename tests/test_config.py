"""The options object: what it refuses, and the message that says so."""

from __future__ import annotations

import math

import pytest

from newsdedup import Config, ConfigError


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_busy_timeout_must_be_a_finite_number_of_seconds(value: float) -> None:
    # NaN would compare unequal to itself (a worker would reopen the archive every chunk);
    # infinity cannot become SQLite's busy_timeout in milliseconds.
    with pytest.raises(ConfigError, match=r"busy_timeout must be a finite number >= 0, got"):
        Config(busy_timeout=value)


def test_busy_timeout_takes_zero_and_fractions() -> None:
    assert Config(busy_timeout=0).busy_timeout == 0
    assert Config(busy_timeout=2.5).busy_timeout == 2.5
    with pytest.raises(ConfigError, match="busy_timeout must be a number of seconds, got 'soon'"):
        Config(busy_timeout="soon")  # type: ignore[arg-type]


def test_a_source_from_the_folders_excludes_one_for_the_run() -> None:
    assert Config(source_from_folder=True).source is None
    with pytest.raises(ConfigError, match=r"source and source_from_folder exclude each other: got source='VNE'"):
        Config(source="VNE", source_from_folder=True)
    with pytest.raises(ConfigError, match="source_from_folder must be True or False, got 'yes'"):
        Config(source_from_folder="yes")  # type: ignore[arg-type]
