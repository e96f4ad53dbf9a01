"""Minimal first version; replaced by the full views."""
from django.http import HttpResponse


def evaluation_grid(request, **kwargs):
    return HttpResponse("evaluation_grid")


def assessment_cell(request, **kwargs):
    return HttpResponse("assessment_cell")


def my_assessments(request, **kwargs):
    return HttpResponse("my_assessments")


def self_assessment(request, **kwargs):
    return HttpResponse("self_assessment")


def participant_assessments(request, **kwargs):
    return HttpResponse("participant_assessments")


def review_list(request, **kwargs):
    return HttpResponse("review_list")


def assessment_review(request, **kwargs):
    return HttpResponse("assessment_review")

