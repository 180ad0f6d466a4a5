"""The built-in analyses of pytest-statharness.

Installed as the package ``statharness_analyses`` and registered through the
``statharness.analyses`` entry-point group, exactly as a third-party package would be:
the harness core does not know these modules by name.
"""
