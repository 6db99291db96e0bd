"""Benchmarks run on the demo city (seed_demo), not on toy data. `make bench` runs them;
`make test` does not. Numbers are printed by pytest-benchmark; nothing here asserts a time."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", "--reset", verbosity=0)
