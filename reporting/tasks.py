"""Background work: writing the hub's export files, refreshing the dashboard's aggregates."""

import datetime

from django.tasks import task


@task
def build_report_export(export_id):
    from .services import report_export_build

    job = report_export_build(export_id=export_id)
    return job.pk if job else None


@task
def refresh_reporting_figures(days=(), since=None):
    """Recompute the dashboard's aggregates of some days (ISO dates: the arguments of a task are
    JSON), or of every day from `since` on; everything when neither is given."""
    from .aggregates import aggregates_rebuild, aggregates_refresh_days

    if not days and since is None:
        return aggregates_rebuild().rebuild_seconds
    state = aggregates_refresh_days(
        [datetime.date.fromisoformat(day) for day in days],
        since=datetime.date.fromisoformat(since) if since else None,
    )
    return state is not None


def enqueue_refresh(days=(), session_ids=()):
    """For the services that change what was counted on past days (a corrected mark, a late
    assessment: `days`; a past session's registrations or status: `session_ids`): recompute
    those days in the background once the write is committed."""
    from django.db import transaction

    from .aggregates import days_of_sessions

    touched = set(days) | (days_of_sessions(session_ids) if session_ids else set())
    if touched:
        isoformat = sorted(day.isoformat() for day in touched)
        transaction.on_commit(lambda: refresh_reporting_figures.enqueue(days=isoformat))
