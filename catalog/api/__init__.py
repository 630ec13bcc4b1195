"""The catalog's API endpoints (gathered by streaming/api/urls.py)."""
