import json

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditLog


def log_action(*, actor, action, target=None, **data):
    """Append one entry to the audit log. Call it inside the service's transaction."""
    entry = AuditLog(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:255]
    entry.save()
    return entry
