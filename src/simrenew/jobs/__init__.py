"""Background jobs: a database queue behind Django's `django.tasks` interface, with retries,
leases that survive a dead worker, and a dead-letter list for staff."""
