"""gunicorn entry point: ``gunicorn thuocdo_dashboard.wsgi:app``. Each worker that
imports this starts its own listener for live updates."""

from . import create_app, live

app = create_app()
app.extensions["thuocdo_listener"] = live.start(
    app.extensions["thuocdo_settings"].kafka, app.extensions["thuocdo_hub"]
)
