class DomainError(Exception):
    """A business rule refused an action.

    `code` is stable (tests and callers match on it), `message` is for people (French, translated),
    `field` names the form field the message belongs to when there is one.
    """

    def __init__(self, message, code, *, field=None, params=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.params = params or {}

    def __str__(self):
        return str(self.message)


class DomainErrors(DomainError):
    """Several rules refused one action: a form shows them all at once instead of one per
    submission. Its own message, code and field are the first error's."""

    def __init__(self, errors):
        first = errors[0]
        super().__init__(first.message, first.code, field=first.field, params=first.params)
        self.errors = list(errors)

    def __str__(self):
        return " ".join(str(error.message) for error in self.errors)


def check_all(*checks):
    """Run every check (a callable that may raise DomainError) and raise what they refused
    together: the one error, or DomainErrors. Returns the checks that passed, by position."""
    errors, passed = [], []
    for check in checks:
        try:
            check()
        except DomainErrors as error:
            errors.extend(error.errors)
            passed.append(False)
        except DomainError as error:
            errors.append(error)
            passed.append(False)
        else:
            passed.append(True)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
    return passed
