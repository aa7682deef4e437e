"""The locustfile of ``websocket-workbench load``; Locust's own command takes it as well:
``locust -f <this file> --scenario chat.yaml --users 100 --pace 1s``. Workers need no
``--scenario``: the master sends it (``locust_events``)."""

from workbench.engine.load_test import users


class ScenarioUser(users.ScenarioUser):
    """Every virtual user runs the scenario file given with ``--scenario``."""
