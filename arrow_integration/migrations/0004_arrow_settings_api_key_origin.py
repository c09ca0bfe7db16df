"""Bind each stored Arrow API key to the origin (scheme://host:port) of its row's current URL.

Keys stored before this migration are taken to belong to the URL they are used with today; from
now on a key is only sent to the origin it was entered for. Customer references of mappings get
the "XSP and digits" validator (existing rows are not checked).
"""

import ipaddress
from urllib.parse import urlsplit

import django.core.validators
from django.db import migrations, models

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> str:
    # The same form as services.url_guard.api_url_origin, kept here so the migration stays fixed.
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return ""
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        pass
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}:{port or DEFAULT_PORTS[scheme]}"


def bind_keys_to_current_urls(apps, schema_editor):
    ArrowSettings = apps.get_model("arrow_integration", "ArrowSettings")
    for row in ArrowSettings.objects.exclude(api_key_encrypted="").only("pk", "api_url"):
        ArrowSettings.objects.filter(pk=row.pk).update(api_key_origin=_origin(row.api_url))


class Migration(migrations.Migration):

    dependencies = [
        ('arrow_integration', '0003_billing_export_page'),
    ]

    operations = [
        migrations.AddField(
            model_name='arrowsettings',
            name='api_key_origin',
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.RunPython(bind_keys_to_current_urls, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='arrowcustomermapping',
            name='arrow_reference',
            field=models.CharField(max_length=255, validators=[django.core.validators.RegexValidator(
                '^XSP[0-9]+\\Z', 'An Arrow reference is XSP followed by digits, e.g. XSP100001.'
            )]),
        ),
    ]
