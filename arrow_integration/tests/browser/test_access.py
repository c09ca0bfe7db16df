"""Logging in and out of the dashboard in a real browser; accounts that are not staff are refused."""

from __future__ import annotations

import pytest

from arrow_integration.tests.browser.conftest import STAFF_PASSWORD, STAFF_USERNAME
from arrow_integration.tests.browser.pages import axe_violations


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_login_then_logout(open_page, browser_log, live_server, viewport):
    page = open_page(viewport, logged_in=False)
    page.goto("/dashboard/")
    # Anonymous: sent to the login page, which keeps where to go next.
    assert "/dashboard/login/" in page.url and "next=/dashboard/" in page.url
    assert axe_violations(page) == []

    page.get_by_label("Username").fill(STAFF_USERNAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Overview"
    assert page.locator(".logout .user").inner_text() == STAFF_USERNAME

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/dashboard/login/")
    page.goto("/dashboard/runs/")
    assert "/dashboard/login/" in page.url, "the session must be gone after logging out"
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []


def test_wrong_password_and_non_staff_account_are_refused(open_page, browser_log, live_server, django_user_model):
    django_user_model.objects.create_user("plain-operator", password="plain-password")
    page = open_page(logged_in=False)
    for username, password in ((STAFF_USERNAME, "not-the-password"), ("plain-operator", "plain-password")):
        page.goto("/dashboard/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        alert = page.get_by_role("alert")
        assert "staff account" in alert.inner_text()
        assert page.url.endswith("/dashboard/login/")
    page.goto("/dashboard/")
    assert "/dashboard/login/" in page.url
    assert axe_violations(page) == []
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []
