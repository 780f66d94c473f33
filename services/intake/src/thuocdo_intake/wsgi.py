"""gunicorn entry point: ``gunicorn thuocdo_intake.wsgi:app``."""

from . import create_app

app = create_app()
