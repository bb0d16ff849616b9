"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from bench import api_lists

if __name__ == "__main__":
    api_lists.main()
