"""gunicorn entry point: ``gunicorn thuocdo_dashboard.wsgi:app``."""

from . import create_app

app = create_app()
