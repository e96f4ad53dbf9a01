"""Small helpers shared by the trainings views."""


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def add_domain_error(form, error):
    """Show a DomainError on the field it names when the form has that field, else above it."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
