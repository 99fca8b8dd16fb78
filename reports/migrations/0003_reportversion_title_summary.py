from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_report_text(apps, schema_editor):
    """Give existing versions their report's current title and summary, the closest value on record."""
    Report = apps.get_model("reports", "Report")
    ReportVersion = apps.get_model("reports", "ReportVersion")
    report = Report.objects.filter(pk=OuterRef("report_id"))
    ReportVersion.objects.update(
        title=Subquery(report.values("title")[:1]),
        summary=Subquery(report.values("summary")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_inventory_run")]

    operations = [
        migrations.AddField(model_name="reportversion", name="title", field=models.CharField(blank=True, max_length=300)),
        migrations.AddField(model_name="reportversion", name="summary", field=models.TextField(blank=True)),
        migrations.RunPython(copy_report_text, migrations.RunPython.noop),
    ]
