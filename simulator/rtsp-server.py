#!/usr/bin/python3
"""A real RTSP server for the stand-in IP camera (simulator/ipCamera.ts): GStreamer's gst-rtsp-server (Debian
gir1.2-gst-rtsp-server-1.0 + python3-gi), on 127.0.0.1.

Each mount re-serves an MPEG-TS stream that a publisher (ffmpeg, started by the
test) sends to a loopback UDP port: the H.264 and AAC are packetised as they
are, never re-encoded, so the camera under test gets exactly what ffmpeg made.
Because the publisher is a separate process, a test can freeze the camera
(SIGSTOP the publisher: server up, no frames) or restart the server alone.

  rtsp-server.py --port N --mount NAME=UDP_PORT[:noaudio] [--mount ...]
                 [--credentials FILE]   (one line: user:password)

Prints "READY <port>" once it listens. Run with /usr/bin/python3: a python3
from pyenv earlier on PATH has no gi.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def media_factory(udp_port, audio, auth):
    factory = GstRtspServer.RTSPMediaFactory()
    # One pipeline shared by every client, as a camera has one encoder.
    factory.set_shared(True)
    # config-interval=-1 repeats SPS/PPS before every keyframe, so a client that
    # joins (or rejoins) mid-stream can decode from the next keyframe.
    # A camera without a microphone has no audio payloader: one waiting for AAC that never
    # comes would keep the media from ever being prepared.
    audio_branch = "d. ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 " if audio else ""
    factory.set_launch(
        f"( udpsrc port={udp_port} buffer-size=8388608 caps=video/mpegts,systemstream=true "
        "! queue ! tsdemux name=d "
        "d. ! queue ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 "
        f"{audio_branch})"
    )
    if auth:
        factory.add_role_from_structure(
            Gst.Structure.from_string("camera, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0]
        )
    return factory


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mount", action="append", default=[], help="NAME=UDP_PORT[:noaudio]")
    parser.add_argument("--credentials", help="file with one line user:password")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    auth = None
    if args.credentials:
        with open(args.credentials, encoding="utf-8") as f:
            user, _, password = f.read().strip().partition(":")
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "camera")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)

    mounts = server.get_mount_points()
    for spec in args.mount:
        name, _, rest = spec.partition("=")
        udp_port, _, flag = rest.partition(":")
        mounts.add_factory(f"/{name}", media_factory(int(udp_port), flag != "noaudio", auth))

    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        sys.exit(1)
    print(f"READY {server.get_bound_port()}", flush=True)

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
