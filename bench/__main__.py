"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from bench import api_lists, backlog, dashboard, roadmap

if __name__ == "__main__":
    api_lists.main()
    dashboard.main()
    roadmap.main()
    backlog.main()
