"""Password hashing: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Django's own Argon2 defaults take 100 MiB and 8 lanes per hash. A web process serves logins on all
its threads at once, so a burst of logins took each process to 300-500 MB and the two cores of a node
to the hasher, while every other request waited (bench/soak.py, 200 clients: a login's p50 was 5.7 s).
OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as one of its equivalent minimum
configurations for Argon2id; it costs about a fifth of the memory and time.

Hashes made with other parameters (Django's defaults) still verify, and are re-hashed with these at
the next successful login (Django's `must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1; the algorithm name stays "argon2", so existing hashes verify."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
