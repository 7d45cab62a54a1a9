"""Who reacts to which event: wired once by each entry point (the app, the CLI, the worker).

Only entry points import both the writers that publish and the readers that subscribe, so the
domains themselves never import upward (see docs/architecture.md).
"""

from __future__ import annotations

from glucolens.alerts.delivery import on_deliveries_queued, run_due_deliveries
from glucolens.alerts.engine import on_data_changed as evaluate_alerts
from glucolens.alerts.live_reading import on_data_changed as broadcast_reading
from glucolens.alerts.patterns_feed import on_insights_updated
from glucolens.alerts.tick import run_tick as alerts_tick
from glucolens.core.events import (
    AccountDeleted,
    Broadcast,
    DataChanged,
    DataRemoved,
    DeliveriesQueued,
    InsightsUpdated,
    ProfileChanged,
    subscribe,
)
from glucolens.core.hub import hub_on_broadcast
from glucolens.core.scheduler import register_periodic
from glucolens.insights.service import on_data_changed, on_data_removed
from glucolens.integrations.healthkit.service import on_data_removed as forget_healthkit_samples
from glucolens.integrations.importers.service import remove_user_files
from glucolens.readings.aggregates import on_profile_changed


def wire_subscribers() -> None:
    subscribe(ProfileChanged, on_profile_changed, phase="in_transaction")
    subscribe(DataRemoved, on_data_removed, phase="in_transaction")
    subscribe(DataRemoved, forget_healthkit_samples, phase="in_transaction")
    subscribe(DataChanged, evaluate_alerts)  # first: a live alert should not wait on insights
    subscribe(DataChanged, broadcast_reading)  # the dashboard's live tile (WS /ws/alerts)
    subscribe(DataChanged, on_data_changed)
    subscribe(AccountDeleted, remove_user_files)
    subscribe(InsightsUpdated, on_insights_updated, phase="in_transaction")  # pattern feed
    subscribe(Broadcast, hub_on_broadcast)  # after commit, to every process's sockets
    subscribe(DeliveriesQueued, on_deliveries_queued)
    register_periodic("alerts.deliveries", 15, run_due_deliveries)  # retries and leftovers
    register_periodic("alerts.tick", 60, alerts_tick)
