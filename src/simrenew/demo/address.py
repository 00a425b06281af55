"""Where the demo answers: its public address and the host names it accepts, from the address it binds to.

`make demo HOST=… PORT=…` (scripts/run-demo.sh) and the demo data's printed URLs take them from here, so
that every URL the demo prints opens the server it started.
"""

import sys

DEFAULT_SITE_URL = "http://127.0.0.1:8000"  # settings.SITE_URL's default: `make demo` with no HOST or PORT
# Binding to these means every address of the machine: a browser on the machine itself uses 127.0.0.1.
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104 - recognises a wildcard, binds nothing


def site_url(host: str, port: str | int) -> str:
    """The URL a browser opens for a server bound to host:port."""
    shown = "127.0.0.1" if host in WILDCARDS else host.strip("[]")
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def allowed_hosts(host: str) -> str:
    """ALLOWED_HOSTS for the demo server: the loopback names and the bound host; any name when it binds to
    every address (then it answers on the machine's own names and addresses, which are not known here)."""
    if host in WILDCARDS:
        return "*"
    return ",".join(dict.fromkeys(["127.0.0.1", "localhost", host.strip("[]")]))


def kiosk_enrol_command(base: str) -> str:
    """The command that prints a kiosk enrolment URL on the demo's address (the default needs no SITE_URL)."""
    command = ".venv/bin/simrenew kiosks enrol"
    return command if base == DEFAULT_SITE_URL else f"SITE_URL={base} {command}"


def main(argv: list[str]) -> int:
    """`python -m simrenew.demo.address url HOST PORT` or `… allowed-hosts HOST`: print the value."""
    match argv:
        case ["url", host, port]:
            print(site_url(host, port))
        case ["allowed-hosts", host]:
            print(allowed_hosts(host))
        case _:
            print("usage: python -m simrenew.demo.address url HOST PORT | allowed-hosts HOST", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
