"""monitor.pinning's stream answers httpcore's "is the idle connection closed?" from the socket it keeps,
as httpcore's own streams do, and hands everything else to the stream it wraps."""

from __future__ import annotations

import socket
from typing import Any

import httpcore

from monitor.pinning import _Stream


class _Inner(httpcore.AsyncNetworkStream):
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_extra_info(self, info: str) -> Any:
        self.asked.append(info)
        return f"inner:{info}"


def test_is_readable_follows_the_socket_and_the_rest_is_delegated() -> None:
    ours, theirs = socket.socketpair()
    inner = _Inner()
    stream = _Stream(inner, ours)
    try:
        assert stream.get_extra_info("is_readable") is False  # idle, open: reusable
        theirs.sendall(b"x")
        assert stream.get_extra_info("is_readable") is True  # unexpected bytes: not reusable
        ours.recv(1)
        theirs.close()
        assert stream.get_extra_info("is_readable") is True  # the server closed it
        assert inner.asked == []
        assert stream.get_extra_info("ssl_object") == "inner:ssl_object"
        assert inner.asked == ["ssl_object"]
    finally:
        ours.close()
    assert stream.get_extra_info("is_readable") is True  # a closed socket counts as readable


def test_without_a_socket_the_inner_stream_answers() -> None:
    inner = _Inner()
    assert _Stream(inner, None).get_extra_info("is_readable") == "inner:is_readable"
