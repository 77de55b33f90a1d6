"""The plan's version is ``plan_version``; ``version`` stays the optimistic-lock counter.

A rename (the stored numbers are kept), plus help texts that tell the two apart.
"""

from django.db import migrations, models

LOCK_COUNTER_HELP = "Optimistic-lock counter; writes send it as expected_version."


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_planning_cycles_goal_workflow_and_comments"),
    ]

    operations = [
        migrations.RenameField(
            model_name="planningcycle",
            old_name="version_number",
            new_name="plan_version",
        ),
        migrations.AlterField(
            model_name="planningcycle",
            name="plan_version",
            field=models.PositiveIntegerField(
                default=1,
                help_text="The published plan's version: 1, 2, 3… (not the lock counter).",
            ),
        ),
        migrations.AlterModelOptions(
            name="planningcycle",
            options={"ordering": ["-period_start", "name", "plan_version"]},
        ),
        migrations.AlterField(
            model_name="goal",
            name="version",
            field=models.PositiveIntegerField(default=1, help_text=LOCK_COUNTER_HELP),
        ),
        migrations.AlterField(
            model_name="planningcycle",
            name="version",
            field=models.PositiveIntegerField(default=1, help_text=LOCK_COUNTER_HELP),
        ),
    ]
