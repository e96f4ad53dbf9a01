"""Background work: building a personal-data export, then telling its owner; carrying out an
erasure request."""

from django.tasks import task


@task
def build_personal_data_export(export_id):
    from .emails import export_ready_message
    from .services import personal_data_export_build

    export = personal_data_export_build(export_id=export_id)
    if export is not None:
        export_ready_message(export).send()
    return export.pk if export else None


@task
def erase_person(erasure_request_id):
    from .services.erasure import erasure_complete

    return erasure_complete(erasure_request_id=erasure_request_id)
