from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roadmaps"

    def ready(self) -> None:
        # KPI tiles list the key results that their metric measures.
        from metrics.links import register_kpi_links
        from roadmaps.kpi_links import key_result_links

        register_kpi_links(key_result_links)
