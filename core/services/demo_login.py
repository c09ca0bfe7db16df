"""The demo's staff login for the web pages (dashboard, Django admin).

The demo's staff user (`core.services.demo.STAFF_USERNAME`) gets the password the demo command
generated and keeps in var/, and is a superuser so that the dashboard's links into the Django
admin open. Idempotent: the password is written only when it differs.
"""

from django.contrib.auth import get_user_model
from django.db import transaction


@transaction.atomic
def staff_login_ensure(*, username: str, password: str, superuser: bool = False):
    """Create or update ``username`` as an active staff user (``superuser``: with every admin
    permission) that logs in with ``password``."""
    user, _ = get_user_model().objects.get_or_create(username=username,
                                                      defaults={"email": f"{username}@example.com"})
    changed = []
    wanted = {"is_staff": True, "is_active": True, **({"is_superuser": True} if superuser else {})}
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user
