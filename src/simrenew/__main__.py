"""`simrenew <command>`: Django's management commands for this project (e.g. `simrenew ledger verify`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "simrenew", *sys.argv[1:]])


if __name__ == "__main__":
    main()
