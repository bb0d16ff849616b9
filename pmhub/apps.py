from django.apps import AppConfig


class PmhubConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pmhub"
    verbose_name = "pmhub core"

    def ready(self) -> None:
        from pmhub import signals  # noqa: F401  (auth framework hooks → audit trail)
        from pmhub.postgres import connect_signals

        connect_signals()
