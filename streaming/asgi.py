import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
application = get_asgi_application()

# Each web process builds its client-network prefix table now, in a thread,
# rather than on its first viewer's playback start (seconds for a big feed).
from edge.selectors.networks import client_networks_warm  # noqa: E402

client_networks_warm()
