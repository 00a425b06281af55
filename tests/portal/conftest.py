from tests.factories import start_in_english  # noqa: F401 - an autouse fixture for every test here
