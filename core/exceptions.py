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
