"""Background work: building a personal-data export, then telling its owner."""

from django.tasks import task


@task
def build_personal_data_export(export_id):
    from .emails import export_ready_message
    from .services import personal_data_export_build

    export = personal_data_export_build(export_id=export_id)
    if export is not None:
        export_ready_message(export).send()
    return export.pk if export else None
