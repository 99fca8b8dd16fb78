from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from portals import demo


class Command(BaseCommand):
    help = (
        "Run the main job on sample data: generate the sample portals, seed the sample consultancy and its clients, "
        "sync every portal from local fake vendor APIs and CSV exports, audit each client, and print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(Path(settings.BASE_DIR) / "var" / "sample_data"),
                            help="Folder of the generated sample portals; generated when empty.")
        parser.add_argument("--contacts", type=int, default=None,
                            help="Contacts of the largest sample client (default 2,000; at least 400).")
        parser.add_argument("--seed-only", action="store_true", help="Create the sample users and clients, skip syncs and audits.")

    def handle(self, *args, **options):
        data_dir = Path(options["data_dir"])
        if not any(data_dir.glob("*/manifest.json")):
            from portals.sample_data import generate

            self.stdout.write(f"Generating sample portals in {data_dir} ...")
            generate(data_dir, contacts=options["contacts"])

        manifests = demo.load_manifests(data_dir)
        logins = demo.demo_seed(manifests)
        if not options["seed_only"]:
            self.stdout.write("Syncing the sample portals from the local fake vendor APIs and CSV exports:")
            demo.demo_sync(manifests, data_dir, log=self.stdout.write)
            self.stdout.write("Auditing the sample clients:")
            audit_runs = demo.demo_audit(manifests, log=self.stdout.write)
            self.stdout.write("Taking stack inventories:")
            demo.demo_inventory(manifests, log=self.stdout.write)
            self.stdout.write("Rendering and publishing the audit and stack inventory reports (web page, then PDF file):")
            demo.demo_reports(audit_runs, log=self.stdout.write)

        self.stdout.write(self.style.SUCCESS("Sample data is ready."))
        self.stdout.write("In the web app: consultants start at /dashboard/, client users at /home/ (their published reports).")
        self.stdout.write(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
        for role, email, client_name in logins:
            suffix = f" ({client_name})" if client_name else ""
            self.stdout.write(f"  {role:<12} {email}{suffix}")
