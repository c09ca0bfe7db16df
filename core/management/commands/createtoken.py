"""Create a user (when missing) and print its API token."""

from django.core.management.base import BaseCommand

from core.services.demo import user_token_ensure


class Command(BaseCommand):
    help = "Create USERNAME if missing and print its API token (Authorization: Token <key>)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--staff", action="store_true", help="Make the user staff.")

    def handle(self, *args, **options):
        self.stdout.write(user_token_ensure(username=options["username"], is_staff=options["staff"]))
