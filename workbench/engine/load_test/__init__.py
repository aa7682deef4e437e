"""Load tests: a scenario file run by thousands of Locust users, on one machine or many.

Importing Locust monkey-patches the process with gevent, so this folder is apart from
``engine.load`` (the window's in-process traffic tools) and no other part of the workbench
imports it; only ``command_options``, ``bundle``, ``step_requests``, ``cli`` and the window's
side (``local_run``, ``children``, ``stats_feed``) load without Locust (an import-linter
contract in pyproject.toml keeps it so).

- ``cli``: ``websocket-workbench load SCENARIO …`` checks the file and the ports, then starts
  Locust with ``locustfile`` (plain ``locust -f`` on it works as well)
- ``users``: ``ScenarioUser``, the Locust user; ``sessions``: one user's scenario runner;
  ``bridge``: one asyncio loop in a native thread, driven from gevent's greenlets
- ``node``: a process's scenarios, loop and sessions; ``locust_events``: options, the
  scenario from the master (``bundle``), the end of a test
- ``step_requests``: a step as a Locust request; ``command_options``: the added options
- ``local_run``: the window's load test: a master and local workers as child processes
  (``children``), their live figures polled from the master's web UI (``stats_feed``)
"""
