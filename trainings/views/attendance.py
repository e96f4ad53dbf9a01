"""Minimal first version; replaced by the full views."""
from django.http import HttpResponse


def attendance_grid(request, **kwargs):
    return HttpResponse("attendance_grid")


def attendance_cell(request, **kwargs):
    return HttpResponse("attendance_cell")


def attendance_history(request, **kwargs):
    return HttpResponse("attendance_history")


def attendance_sheet(request, **kwargs):
    return HttpResponse("attendance_sheet")


def sign_code(request, **kwargs):
    return HttpResponse("sign_code")


def attendance_sign(request, **kwargs):
    return HttpResponse("attendance_sign")


def attendance_sign_qr(request, **kwargs):
    return HttpResponse("attendance_sign_qr")

