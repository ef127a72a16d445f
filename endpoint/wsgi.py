"""The WSGI entry point gunicorn loads: the app configured from CDKG_* variables (and CDKG_CONFIG)."""
from cdkg.endpoint import create_app

app = create_app()
