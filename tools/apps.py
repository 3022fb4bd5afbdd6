from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """Developer tools as management commands: demo seed, synthetic data, benchmarks.
    Installed only where the folder exists (settings); the product never imports it."""

    name = "tools"
