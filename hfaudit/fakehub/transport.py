"""The fake Hub in-process: an httpx transport that calls ``FakeHub.handle`` directly.

For unit tests that want huggingface_hub's real client code without a socket::

    hub = FakeHub(registry)
    with use_fakehub(hub):                         # installs it as huggingface_hub's client factory
        info = HfApi(endpoint=FAKE_ENDPOINT).model_info("acme/m")

Socket-level faults become the exceptions httpx raises for them: ``timeout`` → ``ReadTimeout``,
``truncate`` → ``RemoteProtocolError``, ``reset`` → ``ConnectError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

import huggingface_hub
from huggingface_hub.utils import httpx
from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook

from hfaudit.fakehub.app import FakeHub

FAKE_ENDPOINT = "http://fakehub.local"


def hub_transport(hub: FakeHub) -> httpx.MockTransport:
    """An httpx transport answering every request from ``hub``."""

    def handler(request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.decode("ascii")
        raw_path, _, raw_query = raw.partition("?")
        headers = [(k, v) for k, v in request.headers.items()]
        response = hub.handle(request.method, raw_path, parse_qsl(raw_query, keep_blank_values=True), headers,
                              request.read())  # fmt: skip
        if response.fault == "timeout":
            raise httpx.ReadTimeout("fakehub: injected timeout", request=request)
        if response.fault == "reset":
            raise httpx.ConnectError("fakehub: injected connection reset", request=request)
        if response.fault == "truncate":
            raise httpx.RemoteProtocolError("fakehub: injected truncated body", request=request)
        if isinstance(response.body, bytes | bytearray):
            return httpx.Response(response.status, headers=response.headers, content=bytes(response.body))
        return httpx.Response(response.status, headers=response.headers, content=iter(response.body))

    return httpx.MockTransport(handler)


def client_factory(hub: FakeHub):  # type: ignore[no-untyped-def]
    """A huggingface_hub client factory whose clients talk to ``hub`` in-process."""

    def factory() -> httpx.Client:
        return httpx.Client(
            transport=hub_transport(hub),
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
            timeout=None,
        )

    return factory


def install(hub: FakeHub) -> None:
    """Route all of huggingface_hub's HTTP traffic to ``hub``."""
    huggingface_hub.set_client_factory(client_factory(hub))


def uninstall() -> None:
    """Restore huggingface_hub's default client."""
    huggingface_hub.set_client_factory(default_client_factory)


@contextmanager
def use_fakehub(hub: FakeHub) -> Iterator[FakeHub]:
    install(hub)
    try:
        yield hub
    finally:
        uninstall()
