"""The Scenarios tab: ``tab`` (the scenarios of the window, Run and Stop), ``editor`` (the
step list beside the YAML, the step's form and its last run), ``step_form`` (with
``expect_page``), ``yaml_pane`` and ``result_pane``."""
