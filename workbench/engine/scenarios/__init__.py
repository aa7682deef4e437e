"""Scenarios: connect, send, expect, ping, close — a check that runs again (Qt-free).

- ``loading``: a file (YAML or JSON) into checked ``model.Scenario``s, or a ``ScenarioError``
  with every problem's file, line and column; ``client_building`` (url/clients), ``step_building`` (each step), ``parsing``
  (positions), ``file_schema``, ``checking`` (problems in words), ``variables``
  (``{{name}}``), ``durations``
- ``matchers``: equals, match, text, schema, bytes, type; ``diffs``: previews and JSON diffs
- ``runner``: runs a scenario on core's pull API, one event per step, stoppable;
  ``step_actions``: what each step kind does; ``step_deadline``: a step's time bound;
  ``connections``: a scenario's named clients over ``core.Client``; ``results``
- ``console``, ``report_files`` (JUnit XML, JSON): the reports; ``export_pytest``: a
  scenario as a pytest file on ``core`` (``export_helpers``: the helpers it writes); ``cli``: ``websocket-workbench run|export``
"""
