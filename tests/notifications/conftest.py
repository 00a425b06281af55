from tests.factories import start_in_english  # noqa: F401 - an autouse fixture for every test here
from tests.mailserver import smtp_server  # noqa: F401 - a real SMTP server, for the tests that ask for it
