"""Shared test set-up: hypothesis profiles, and tracr's warnings kept out of the output."""

import os

from absl import logging
from hypothesis import HealthCheck, settings

# "ci": derandomised and bounded, so every run checks the same examples in bounded time: the
# default, for CI and for a newcomer's `pytest` alike (a random draw found a rare case and failed
# a CI run once); "dev" draws new examples each run, "thorough" 2000 of them (HYPOTHESIS_PROFILE=...).
settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

logging.set_verbosity(logging.ERROR)
