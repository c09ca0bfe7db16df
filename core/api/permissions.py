"""Access rules: staff may write; everyone authenticated may read what they can see."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaff(BasePermission):
    """Staff only (401 for anonymous callers comes from authentication)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsStaffOrReadOnly(BasePermission):
    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_staff
