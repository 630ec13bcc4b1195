import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_asgi_application()

# What a serving process does at start, with the settings loaded:
# - with DEBUG off, refuse to start on keys the security checks refuse
#   (gunicorn and uvicorn run no checks of their own);
# - build its client-network prefix table now, in a thread, rather than on
#   its first viewer's playback start (seconds for a big feed);
# - with the embedded broker, start the worker now, so that a server
#   restarted after a crash finishes the jobs it left
#   (transcoding/services/recovery.py); nothing with a broker server.
from edge.selectors.networks import client_networks_warm  # noqa: E402
from streaming.core.broker import embedded_worker_start  # noqa: E402
from streaming.core.checks import security_checks_enforce  # noqa: E402

security_checks_enforce()
client_networks_warm()
embedded_worker_start()
