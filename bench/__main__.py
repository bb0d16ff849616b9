"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from bench import api_lists, dashboard

if __name__ == "__main__":
    api_lists.main()
    dashboard.main()
