"""Whether a worker can serve: its partitions assigned and its tables recovered."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.runtime import ServiceApp


async def not_ready_reason(app: ServiceApp) -> str | None:
    """Why `app` cannot serve yet, or None once it can."""
    if app.should_stop:
        return f"stopping ({app.crash_reason or 'asked to stop'})"
    recovery = app.tables.recovery
    if app.rebalancing or not recovery.completed.is_set():
        if app.in_recovery:
            return "recovering tables from their changelogs"
        if app.rebalancing:
            return "rebalancing: partitions are being assigned"
        return "waiting for the consumer group to assign partitions"
    if not app.metadata_loaded:
        # Routed reads hash keys with the producer's metadata; load it once up front.
        changelogs = [table.changelog_topic.get_topic_name() for table in app.tables.values()]
        await app.producer.load_metadata(changelogs)
        app.metadata_loaded = True
    return None
