"""gunicorn entry point: ``gunicorn thuocdo_scoring.wsgi:app``."""

from . import create_app

app = create_app()
