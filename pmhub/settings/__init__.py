"""Settings split by environment: base, local (manage.py's default), production and test."""
