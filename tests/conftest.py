"""Shared test set-up: hypothesis profiles, and tracr's warnings kept out of the output."""

import os

from absl import logging
from hypothesis import HealthCheck, settings

# "ci": derandomised and bounded, so every CI run checks the same examples in bounded time.
settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

logging.set_verbosity(logging.ERROR)
