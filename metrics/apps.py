from django.apps import AppConfig


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metrics"

    def ready(self) -> None:
        # Register the standard KPI set with pmhub's product-created hook, and the series cache
        # with its product-deleted one.
        from metrics import definitions, series_cache  # noqa: F401
