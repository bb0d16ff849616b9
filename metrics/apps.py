from django.apps import AppConfig


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metrics"

    def ready(self) -> None:
        # Registers the standard KPI set with pmhub's product-created hook.
        from metrics import definitions  # noqa: F401
