"""Runs that can be queued before a worker takes them, and the global pause named for what it stops.

`ArrowSyncRun` gains the state "queued", who triggered a run (`triggered_by`, `triggered_by_user`)
and when it started (`started_at`); existing runs keep their state and have neither.
`ArrowSyncControl.consumption_paused` becomes `scheduled_syncs_paused`: it has always stopped the
scheduled billing runs as well as the consumption syncs; the value is kept.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("arrow_integration", "0007_line_identity_constraints"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name="arrowsynccontrol",
            old_name="consumption_paused",
            new_name="scheduled_syncs_paused",
        ),
        migrations.AlterField(
            model_name="arrowsyncrun",
            name="state",
            field=models.CharField(
                choices=[("queued", "Queued"), ("running", "Running"), ("succeeded", "Succeeded"),
                         ("failed", "Failed")],
                default="running", max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="arrowsyncrun",
            name="triggered_by",
            field=models.CharField(blank=True, choices=[("user", "User"), ("schedule", "Schedule")], max_length=20),
        ),
        migrations.AddField(
            model_name="arrowsyncrun",
            name="triggered_by_user",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="arrowsyncrun",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
