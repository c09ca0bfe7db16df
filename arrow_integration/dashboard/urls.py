"""Routes of the dashboard, mounted at /dashboard/ (every URL ends with "/")."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.urls import path

from arrow_integration.dashboard import month_views, views

app_name = "dashboard"
# A month in the path is YYYY-MM; the view answers 404 for one that is no month (2025-13).
MONTH = "months/<str:month>/"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("months/", month_views.months, name="months"),
    path(MONTH, month_views.month, name="month"),
    path(MONTH + "customer/", month_views.month_customer, name="month_customer"),
    path(MONTH + "run/", month_views.month_run, name="month_run"),
    path("runs/", views.runs_list, name="runs"),
    path("runs/<uuid:run_uuid>/", views.run_detail, name="run"),
    # Django's own login and logout: the admin's form refuses accounts that are not staff;
    # logout is a POST (with the CSRF token) and ends on the login page.
    path("login/", auth_views.LoginView.as_view(
        template_name="dashboard/login.html", authentication_form=AdminAuthenticationForm,
        next_page="dashboard:overview", redirect_authenticated_user=True,
    ), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="dashboard:login"), name="logout"),
]
