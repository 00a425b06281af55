from tests.browser.conftest import browser_type_launch_args, site  # noqa: F401 - Debian's Chromium, the live site
from tests.factories import start_in_english  # noqa: F401 - an autouse fixture for every test here
