"""Connect to Argilla (the local stack or a team's server) and turn its failures into one clear
error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import argilla as rg
import httpx
from argilla._exceptions import ArgillaAPIError, ArgillaError

from parallelner.config import Settings
from parallelner.errors import ConfigError, ParallelNERError

from .stack import LocalStack


class ReviewUnavailableError(ParallelNERError):
    """Argilla cannot be reached (or refuses us): nothing was lost, the queue stays on disk."""


def endpoint(settings: Settings) -> tuple[str, str]:
    """(api_url, api_key): the configured server, else the local stack's generated credentials."""
    config = settings.review
    if config.api_url:
        if config.api_key is None:
            raise ConfigError(f"review.api_url is {config.api_url} but no API key is set: "
                              "export ARGILLA_API_KEY")
        return config.api_url.rstrip("/"), config.api_key.get_secret_value()
    stack = LocalStack(settings)
    creds = stack.credentials()
    if creds is None:
        raise ReviewUnavailableError(
            "no Argilla configured and no local stack installed: run `parallelner review up` "
            "(or set review.api_url and ARGILLA_API_KEY)")
    return stack.url, creds.api_key


def connect(settings: Settings) -> rg.Argilla:
    """A client that has answered once: probes the server first so 'down' is one clear message."""
    url, key = endpoint(settings)
    try:
        resp = httpx.get(f"{url}/api/_status", timeout=min(settings.review.timeout, 10.0))
    except httpx.HTTPError as exc:
        raise ReviewUnavailableError(
            f"Argilla at {url} is not reachable ({exc.__class__.__name__}: {exc}). Start the "
            "local stack with `parallelner review up`, or check review.api_url") from exc
    if resp.status_code != 200:
        raise ReviewUnavailableError(f"Argilla at {url} is not healthy (HTTP {resp.status_code} "
                                     "from /api/_status)")
    logging.getLogger("argilla.sdk").setLevel(logging.ERROR)
    with argilla_errors(url):
        client = rg.Argilla(api_url=url, api_key=key, timeout=int(settings.review.timeout))
        client.me  # noqa: B018 - checks the key now, not in the middle of a push
    return client


@contextlib.contextmanager
def argilla_errors(url: str) -> Iterator[None]:
    """Argilla or network failures inside the block become ReviewUnavailableError."""
    try:
        yield
    except httpx.HTTPError as exc:
        raise ReviewUnavailableError(
            f"lost the connection to Argilla at {url} ({exc.__class__.__name__}: {exc})") from exc
    except ArgillaAPIError as exc:
        status = getattr(exc, "status_code", None)
        hint = " (wrong API key?)" if status == 401 else ""
        raise ReviewUnavailableError(f"Argilla at {url} refused the request{hint}: {exc}") from exc
    except ArgillaError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, httpx.HTTPError):
            raise ReviewUnavailableError(
                f"lost the connection to Argilla at {url} ({cause.__class__.__name__})") from exc
        raise
