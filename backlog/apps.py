from django.apps import AppConfig


class BacklogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backlog"

    def ready(self) -> None:
        # The roadmap shows initiatives' and releases' progress from their items; the roadmaps
        # app cannot import this one, so the backlog hands it the functions.
        from backlog import progress
        from roadmaps.progress import register_contents_source, register_progress_source

        register_progress_source(progress.initiatives_progress)
        register_progress_source(progress.releases_progress, of="release")
        register_contents_source(progress.release_contents)
