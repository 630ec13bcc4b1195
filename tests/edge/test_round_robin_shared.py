"""Round robin across processes: two Django processes sharing the Redis
cache advance one counter, so new sessions spread exactly evenly over a
zone's nodes whichever web process serves them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.edge.conftest import node_beat, node_make

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
django.setup()
from edge.selectors import pathways_for
sys.stdin.readline()  # start together, so the two processes interleave
print(json.dumps([pathways_for(country="IN", client_ip=None)[0].id for _ in range(int(sys.argv[1]))]))
"""


def database_url() -> str:
    """The test database as a DATABASE_URL, for child processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.real_cache
@pytest.mark.slow
def test_round_robin_is_exactly_even_across_two_processes_sharing_redis(transactional_db, settings):
    nodes = [node_beat(node_make("mumbai", i)) for i in range(1, 4)]
    env = {**os.environ, "DATABASE_URL": database_url(), "CACHE_URL": settings.CACHE_URL}
    processes = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, "150"], cwd=ROOT, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    picks: Counter = Counter()
    per_process = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        chosen = json.loads(out.strip().splitlines()[-1])
        per_process.append(Counter(chosen))
        picks.update(chosen)
    assert picks == {node.name: 100 for node in nodes}
    # both processes really took part
    assert all(sum(c.values()) == 150 for c in per_process)
