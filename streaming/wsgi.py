import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_wsgi_application()

# Needs the settings above: (1) a server without DEBUG refuses to start on
# keys the security checks refuse (gunicorn runs no checks of its own);
# (2) with the embedded broker, serving processes run the transcodes: start
# the worker now, so that a server restarted after a crash finishes the jobs
# it left (transcoding/services/recovery.py); nothing with a broker server.
from streaming.core.broker import embedded_worker_start  # noqa: E402
from streaming.core.checks import security_checks_enforce  # noqa: E402

security_checks_enforce()
embedded_worker_start()
