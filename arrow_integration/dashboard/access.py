"""Who may see the dashboard: active staff users with a session (Django's auth).

Anonymous visitors are sent to the dashboard's login page; a signed-in user who is not staff
gets a 403 page. The login form itself refuses non-staff accounts (Django admin's form).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse


def user_is_dashboard_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def dashboard_staff_required(view):
    """Decorate a dashboard view: login for anonymous visitors, 403 for non-staff users."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if not user_is_dashboard_staff(request.user):
            return render(request, "dashboard/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
