"""Finding keys of recurring patterns stay stable across runs now that labels carry the
minute ("Recurring overnight low (around 03:04)"); the kinds come from ``kind``. Motif
dicts are shaped as ``insights.pipeline.patterns_step`` stores them."""

import datetime as dt

from glucolens.insights.findings import findings, new_findings

NOW = dt.datetime(2024, 3, 20, tzinfo=dt.UTC)


def _motif(label: str, hour: float, kind: str | None) -> dict:
    m = {"id": "180-1", "window_minutes": 180, "label": label, "typical_hour": hour}
    if kind is not None:
        m["kind"] = kind
    return m


def test_same_low_a_few_minutes_later_is_not_a_new_finding():
    before = {"motifs": [_motif("Recurring overnight low (around 03:04)", 3.07, "low")]}
    after = {"motifs": [_motif("Recurring overnight low (around 02:58)", 2.97, "low")]}
    assert new_findings("recurring_patterns", before, after, NOW) == []


def test_low_at_another_hour_is_a_new_finding():
    before = {"motifs": [_motif("Recurring overnight low (around 03:04)", 3.07, "low")]}
    after = {"motifs": [_motif("Recurring overnight low (around 05:10)", 5.17, "low")]}
    assert [f["hour"] for f in new_findings("recurring_patterns", before, after, NOW)] == [5]


def test_pattern_kind_comes_from_the_motif_kind_then_the_label():
    got = findings(
        "recurring_patterns",
        {
            "motifs": [
                _motif("Spike after breakfast (around 08:40)", 8.67, "spike"),
                _motif("Fall into a low (around 15:20)", 15.33, "low"),
                _motif("Steep fall (around 17:55)", 17.92, "fall"),
                _motif("nocturnal low", 3.2, None),  # stored before issue 16
            ]
        },
        NOW,
    )
    kinds = sorted((f["label"], f["pattern"]) for f in got.values())
    assert kinds == [
        ("Fall into a low (around 15:20)", "recurring_low"),
        ("Spike after breakfast (around 08:40)", "recurring_high"),
        ("Steep fall (around 17:55)", "recurring"),
        ("nocturnal low", "recurring_low"),
    ]
