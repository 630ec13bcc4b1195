import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_wsgi_application()

# With the embedded broker, serving processes run the transcodes: start the
# worker now, so that a server restarted after a crash finishes the jobs it
# left (see transcoding/services/recovery.py); nothing with a broker server.
from streaming.core.broker import embedded_worker_start  # noqa: E402  (needs the settings above)

embedded_worker_start()
