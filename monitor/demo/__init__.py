"""Offline demo: bundled feeds in the style of the real sources, and a loopback server for them.

``monitor.demo.content`` renders each demo source as bytes for phase 1 (the baseline the first poll
stores without alerting) and phase 2 (new statements plus one edited statement, which the next poll
alerts on). ``monitor.demo.server.DemoServer`` serves those documents on 127.0.0.1 with ETag,
Last-Modified, conditional GET and gzip, so ``pressmon demo`` exercises the real fetch path.
"""
