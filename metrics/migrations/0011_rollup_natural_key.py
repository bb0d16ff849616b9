"""Rollups keyed by (product, source, person, day) without a surrogate id or a foreign-key check;
first-seen rows that also hold the person's last day; the activity summaries a recompute
maintains by difference (ActivityDay, DayTotal); the ids of newly stored events (PendingEvents)
and which dirty days need a rebuild.

Django cannot turn an id primary key into a composite one in place, so the table is rebuilt.
Rollups and first-seen rows are derived data: they are emptied, every day that has events is
marked dirty, and the next recompute (the beat sweep runs every minute) rebuilds them and every
metric's points.
"""

from datetime import UTC, date

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import TruncDate
from django.utils import timezone


def mark_every_event_day_dirty(apps, schema_editor):
    apps.get_model("metrics", "FirstSeen").objects.all().delete()
    Event = apps.get_model("metrics", "Event")
    DirtyDay = apps.get_model("metrics", "DirtyDay")
    days = (
        Event.objects.annotate(day=TruncDate("timestamp", tzinfo=UTC))
        .values_list("product_id", "day")
        .distinct()
    )
    now = timezone.now()
    DirtyDay.objects.bulk_create(
        (DirtyDay(product_id=product, day=day, marked_at=now) for product, day in days),
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0010_annotation"),
        ("pmhub", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="Rollup"),
        migrations.CreateModel(
            name="Rollup",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "product",
                        "source",
                        "person_id",
                        "day",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("source", models.CharField(max_length=64)),
                ("day", models.DateField()),
                ("person_id", models.BigIntegerField()),
                ("events", models.IntegerField()),
                ("value_sum", models.FloatField(null=True)),
                ("value_count", models.IntegerField(default=0)),
                (
                    "product",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pmhub.product",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="rollup",
            index=models.Index(fields=["product", "source", "day"], name="rollup_day"),
        ),
        migrations.CreateModel(
            name="ActivityDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "product",
                        "source",
                        "day",
                        "gap",
                        "first_in_week",
                        "first_in_month",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("source", models.CharField(max_length=64)),
                ("day", models.DateField()),
                ("gap", models.SmallIntegerField()),
                ("first_in_week", models.BooleanField()),
                ("first_in_month", models.BooleanField()),
                ("persons", models.IntegerField()),
                (
                    "product",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pmhub.product",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="DayTotal",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "product",
                        "source",
                        "day",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("source", models.CharField(max_length=64)),
                ("day", models.DateField()),
                ("events", models.BigIntegerField()),
                ("value_sum", models.FloatField()),
                ("value_count", models.BigIntegerField()),
                (
                    "product",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pmhub.product",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="dirtyday",
            name="rebuild",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.CreateModel(
            name="PendingEvents",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_ids", models.JSONField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pmhub.product",
                    ),
                ),
            ],
        ),
        migrations.RunPython(mark_every_event_day_dirty, migrations.RunPython.noop),
        migrations.AddField(
            model_name="firstseen",
            name="last_day",
            field=models.DateField(default=date(1970, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="firstseen",
            index=models.Index(fields=["product", "last_day"], name="first_seen_last_day"),
        ),
    ]
