"""Background work: writing the hub's export files."""

from django.tasks import task


@task
def build_report_export(export_id):
    from .services import report_export_build

    job = report_export_build(export_id=export_id)
    return job.pk if job else None
