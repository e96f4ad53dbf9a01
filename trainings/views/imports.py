"""Minimal first version; replaced by the full views."""
from django.http import HttpResponse


def imports_home(request, **kwargs):
    return HttpResponse("imports_home")


def import_participants(request, **kwargs):
    return HttpResponse("import_participants")


def import_attendance(request, **kwargs):
    return HttpResponse("import_attendance")


def export_attendance(request, **kwargs):
    return HttpResponse("export_attendance")


def export_assessments(request, **kwargs):
    return HttpResponse("export_assessments")

