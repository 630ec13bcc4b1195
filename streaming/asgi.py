import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_asgi_application()

# As in wsgi.py: with the embedded broker, start the worker (and its recovery) now.
from streaming.core.broker import embedded_worker_start  # noqa: E402  (needs the settings above)

embedded_worker_start()
