#!/usr/bin/env python3
"""What a mobile app does, with nothing but the HTTP API (standard library only).

Signs in, lists the titles a profile may see, starts playback, fetches the
master playlist and, from the edge (pathway) it was given, the lowest rung's
media playlist, its init segment (EXT-X-MAP) and first segment; reports the
position back (heartbeat), stops and signs out. Prints what it did.

Like an app, it keeps the account's ``trusted_device`` proof from its first
sign-in (in ``--device-file``) and sends it with the next: while someone
guesses the account's password from elsewhere, this device is not slowed.

    python examples/mobile_client.py --base-url http://127.0.0.1:8000 --username viewer --password watch-demo-1

or with STREAMING_API_URL, STREAMING_USERNAME, STREAMING_PASSWORD in the environment."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from urllib.parse import urljoin


class ApiError(Exception):
    def __init__(self, text: str, message: str = ""):
        super().__init__(text)
        self.message = message or text


class Client:
    def __init__(self, base_url: str):
        self.api = base_url.rstrip("/") + "/api/v1"
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> dict | list | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "streaming-example-mobile-client/1.0")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}")  # the API's one error format
            except ValueError:
                error = {}
            message = error.get("message") or exc.reason
            raise ApiError(f"{method} {path}: {exc.code} {error.get('code')}: {message}", message) from exc
        return json.loads(raw) if raw else None


def fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "streaming-example-mobile-client/1.0"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def attributes(line: str) -> dict[str, str]:
    """HLS attribute list: KEY=value,KEY="quoted, value"."""
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])}


def lowest_rung(master: str, master_url: str, pathway: str) -> tuple[str, dict]:
    """The lowest-bandwidth variant of ``pathway`` (content steering lists one copy per pathway)."""
    lines = master.splitlines()
    variants = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = attributes(line)
            if attrs.get("PATHWAY-ID", pathway) == pathway:
                variants.append((int(attrs["BANDWIDTH"]), urljoin(master_url, lines[i + 1].strip()), attrs))
    if not variants:
        raise SystemExit(f"no variant for pathway {pathway!r} in the master playlist")
    bandwidth, url, attrs = min(variants, key=lambda v: v[0])
    return url, attrs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=os.environ.get("STREAMING_API_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--username", default=os.environ.get("STREAMING_USERNAME", "viewer"))
    parser.add_argument("--password", default=os.environ.get("STREAMING_PASSWORD", "watch-demo-1"))
    parser.add_argument("--device-file", default=os.path.expanduser("~/.cache/streaming-example-device"),
                        help="Where this 'app' keeps its trusted-device proof between runs.")
    args = parser.parse_args()
    client = Client(args.base_url)

    try:
        return play(client, args)
    except ApiError as exc:
        print(f"The API refused: {exc}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"Cannot reach {args.base_url}: {reason}. Is the server running (make run)?", file=sys.stderr)
    return 2


def device_proofs_read(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as f:
            proofs = json.load(f)
    except (OSError, ValueError):
        return {}
    return proofs if isinstance(proofs, dict) else {}


def device_proofs_write(path: str, proofs: dict[str, str]) -> None:
    """Kept like a password: readable by this user only."""
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(proofs, f)
    except OSError as exc:
        print(f"(could not keep the trusted-device proof in {path}: {exc.strerror})", file=sys.stderr)


def play(client: Client, args: argparse.Namespace) -> int:
    proofs = device_proofs_read(args.device_file)
    credentials = {"username": args.username, "password": args.password, "device_name": "example client"}
    if proofs.get(args.username):
        credentials["trusted_device"] = proofs[args.username]
    try:
        tokens = client.call("POST", "/auth/sign-in/", credentials)
    except ApiError as exc:
        print(f"Sign-in refused for {args.username!r}: {exc.message}", file=sys.stderr)
        return 2
    client.token = tokens["access_token"]
    if tokens.get("trusted_device"):
        proofs[args.username] = tokens["trusted_device"]
        device_proofs_write(args.device_file, proofs)
    print(f"signed in as {args.username}: access token valid until {tokens['access_expires_at']}, "
          f"device {tokens['device']}")
    me = client.call("GET", "/me/")
    plan = me["subscription"]["plan"] if me["subscription"] else None
    print(f"account: plan {plan['name'] if plan else 'none'}, located in {me['country']}")
    profile = client.call("GET", "/profiles/")[0]
    print(f"profile: {profile['name']} (id {profile['id']}, kids={profile['kids']})")

    page = client.call("GET", f"/profiles/{profile['id']}/titles/?page_size=50")
    print(f"titles: {page['count']} visible; first: {', '.join(t['name'] for t in page['results'][:5])}")
    video = None
    for title in page["results"]:
        detail = client.call("GET", f"/profiles/{profile['id']}/titles/{title['slug']}/")
        candidates = [detail["video"]] + [e["video"] for s in detail["seasons"] for e in s["episodes"]]
        video = next((v for v in candidates if v and v["playable"]), None)
        if video:
            print(f"playing: {detail['name']} ({video['duration']:.1f} s, video {video['public_id']})")
            break
    if video is None:
        print("nothing playable yet: transcode a title first", file=sys.stderr)
        return 1

    session = client.call("POST", "/playback/", {"profile": profile["id"], "video": video["public_id"]})
    edge = session["edge"]
    print(f"session {session['id']}: resume at {session['resume_position']:.1f} s, expires {session['expires_at']}")
    print(f"  edge: {edge['id']} ({edge['zone_name']}) {edge['base_url']}; "
          f"pathways: {', '.join(p['id'] for p in session['pathways'])}")
    master = fetch(session["master_url"]).decode()
    print(f"  master playlist: {len(master.splitlines())} lines from {session['master_url'].split('/t/')[0]}/t/...")
    media_url, attrs = lowest_rung(master, session["master_url"], edge["id"])
    print(f"  lowest rung: {attrs.get('RESOLUTION')} at {int(attrs['BANDWIDTH']) // 1000} kbit/s")
    media = fetch(media_url).decode()
    init = next((attributes(line)["URI"] for line in media.splitlines() if line.startswith("#EXT-X-MAP:")), None)
    lines = media.splitlines()
    first_index = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    duration = float(lines[first_index - 1].split(":", 1)[1].split(",")[0])
    if init:
        init_bytes = fetch(urljoin(media_url, init))
        print(f"  init segment {init}: {len(init_bytes)} bytes")
    segment = fetch(urljoin(media_url, lines[first_index].strip()))
    print(f"  first segment {lines[first_index].strip()}: {len(segment)} bytes, {duration:.2f} s")

    position = session["resume_position"] + duration
    beat = client.call("POST", f"/playback/{session['id']}/heartbeat/",
                       {"position": position, "state": "playing",
                        "qoe": {"startup_ms": 350, "watch_ms": int(duration * 1000), "edge": edge["id"]}})
    print(f"heartbeat: position {beat['position']:.2f} s saved")
    client.call("POST", f"/playback/{session['id']}/stop/", {"position": position})
    print("stopped playback")
    client.call("POST", "/auth/sign-out/")
    print("signed out (tokens revoked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
