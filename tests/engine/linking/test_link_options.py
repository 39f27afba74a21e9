"""LinkOptions: validation and JSON round trip."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.errors import FormixError
from engine.linking import LinkOptions


def test_json_round_trip_gives_equal_options() -> None:
    options = LinkOptions(lead=timedelta(minutes=5), lag=timedelta(seconds=90),
                          features=("mean", "time_above", "count"),
                          thresholds={"mixer_temp": 30}, prefer_weighed_amounts=False,
                          balance_element="Fe")
    text = json.dumps(options.to_dict())
    again = LinkOptions.from_dict(json.loads(text))
    assert again == options
    assert again.thresholds["mixer_temp"] == 30.0
    assert hash(again) == hash(options)


def test_defaults_fill_missing_keys() -> None:
    assert LinkOptions.from_dict({}) == LinkOptions()
    assert LinkOptions.from_dict({"lead_seconds": 60}).lead == timedelta(minutes=1)


def test_options_are_frozen_and_thresholds_read_only() -> None:
    options = LinkOptions(thresholds={"t": 1.0})
    with pytest.raises(AttributeError):
        options.lead = timedelta(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.thresholds["t"] = 2.0  # type: ignore[index]


@pytest.mark.parametrize("data, fragment", [
    ({"features": ["mean", "median"]}, "median"),
    ({"features": "mean"}, "list"),
    ({"thresholds": {"t": "hot"}}, "threshold of tag 't'"),
    ({"lead": 5}, "unknown key"),
    ({"format_version": 99}, "newer"),
    ({"lag_seconds": "soon"}, "seconds"),
])
def test_bad_options_raise_a_readable_error(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(FormixError, match=fragment):
        LinkOptions.from_dict(data)


def test_lead_must_be_a_time_span() -> None:
    with pytest.raises(FormixError, match="lead"):
        LinkOptions(lead=5)  # type: ignore[arg-type]
