from django.core.management.base import BaseCommand

from portals.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Set up the sample organization, clients and logins, and print how to log in."

    def handle(self, *args, **options):
        logins = demo_seed()

        self.stdout.write(self.style.SUCCESS("Sample data is ready."))
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for role, email, client_name in logins:
            suffix = f" ({client_name})" if client_name else ""
            self.stdout.write(f"  {role:<12} {email}{suffix}")
