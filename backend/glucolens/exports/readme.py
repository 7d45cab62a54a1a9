"""README.txt of the export zip: what each file holds, units, times, and the row counts."""

from __future__ import annotations

import textwrap

from glucolens.exports.service import ExportContext
from glucolens.exports.tables import TABLES, utc_iso

_INTRO = """\
GlucoLens export
================

Everything your GlucoLens account holds, as of {exported_at} (UTC):

{files}
profile.json    Your settings: name, email, time zone, display unit, target range (mg/dL),
                source priority. Never your password or any token.{account_note}
insights.json   The stored insight results (correlations, causal graph, patterns, anomalies,
                predictions) as the app last computed them; glucose values inside are mg/dL.

Rows in this export
-------------------
{counts}

Units
-----
Glucose is stored in mg/dL: the value_mgdl column is exactly what GlucoLens holds. The value
column is the same reading in your display unit ({unit}), named in the unit column
(1 mmol/L = 18.0182 mg/dL; mmol/L rounded to 2 decimals, mg/dL to 1).

Times
-----
Columns ending in _utc are ISO 8601 instants in UTC (2026-03-01T09:05:00Z). local_time,
start_local and end_local are the wall-clock time where the event was recorded, with that
UTC offset (2026-03-01T10:05:00+01:00); utc_offset_min is the same offset in minutes.
Your current time zone is {timezone}.

Files
-----
The CSV files are UTF-8, comma-separated, with a header row; an empty cell means no value.
Rows are ordered by time. Every row keeps where it came from: source (the app or file it was
imported from, "manual" for what you entered) and external_id (that source's own id).
A text cell that a spreadsheet would run as a formula (starting with =, +, -, @) is written
with a leading apostrophe; the JSON export (format=json) has every value exactly as stored.
"""


def readme_text(ctx: ExportContext) -> str:
    files = []
    for table in TABLES:
        body = textwrap.indent(table.description, " " * 16).lstrip()
        files.append(f"{table.name + '.csv':<16}{body}")
    counts = "\n".join(f"{t.name + '.csv':<16}{ctx.counts[t.name]:>12,} rows" for t in TABLES)
    account_note = (
        "\n                Also your sessions (device, address), API keys (name, prefix and"
        "\n                scopes, never the key itself) and import jobs."
        if ctx.with_account
        else ""
    )
    return _INTRO.format(
        exported_at=utc_iso(ctx.exported_at),
        files="\n".join(files),
        account_note=account_note,
        counts=counts,
        unit=ctx.unit,
        timezone=ctx.timezone,
    )
