import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_asgi_application()

# As in wsgi.py: refuse to serve on refused keys; start the embedded worker (and its recovery).
from streaming.core.broker import embedded_worker_start  # noqa: E402
from streaming.core.checks import security_checks_enforce  # noqa: E402

security_checks_enforce()
embedded_worker_start()
