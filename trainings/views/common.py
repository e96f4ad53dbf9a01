"""Small helpers shared by the trainings views."""


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def add_domain_error(form, error):
    """Show a DomainError on the field it names when the form has that field, else above it;
    every error of a DomainErrors."""
    renamed = getattr(form, "domain_error_fields", {})
    for one in getattr(error, "errors", [error]):
        field = renamed.get(one.field, one.field)
        form.add_error(field if field in form.fields else None, one.message)
