"""Telling the certification rules that a person's evidence changed.

Assessments, reviews, attendance and session closing change what a person has proven; the
certificates app (above this one) listens and enqueues its decision task. Listeners run after the
transaction commits, with the ids of the people concerned, never inside it; a nightly sweep in
certificates catches anything a lost task missed.
"""

from django.db import transaction

_listeners = []


def register_evidence_listener(func):
    """func(user_ids: list[int]) -> None, called after commit."""
    if func not in _listeners:
        _listeners.append(func)


def evidence_changed(user_ids):
    user_ids = sorted({int(pk) for pk in user_ids})
    if not user_ids:
        return

    def notify():
        for listener in list(_listeners):
            listener(user_ids)

    transaction.on_commit(notify)
