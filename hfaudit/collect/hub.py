"""The one seam between hfaudit and the Hub: huggingface_hub's own client, configured once.

Every request goes through ``huggingface_hub``'s shared HTTP client (``set_client_factory``), with
explicit timeouts, a response hook that counts requests per bucket and status and reads the
``RateLimit`` headers, and retries for the calls huggingface_hub does not retry itself
(``model_info``, refs, tree pages, page 1 of lists in 1.x; see docs/hub-api.md section 11).
The access token is handed to ``HfApi`` and never logged, stored or printed.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import huggingface_hub
from huggingface_hub import GitCommitInfo, HfApi, ModelInfo, RepoFile, RepoFolder, hf_hub_url
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import ExpandModelProperty_T
from huggingface_hub.utils import (
    HFValidationError,
    build_hf_headers,
    hf_raise_for_status,
    httpx,
    parse_datetime,
    parse_ratelimit_headers,
    validate_repo_id,
)
from huggingface_hub.utils._http import hf_request_event_hook

from hfaudit.errors import HfauditError

# A tool told where its Hub is sends nothing anywhere else: huggingface_hub's telemetry and its agent
# detection (``build_hf_headers`` fetches ``https://huggingface.co/api/agent-harnesses`` to name the
# harness in the user agent) are off for every call hfaudit makes, whatever the environment says.
huggingface_hub.constants.HF_HUB_DISABLE_TELEMETRY = True

T = TypeVar("T")


class BadResponse(ValueError):
    """The Hub answered, but a record cannot be parsed (recorded as ``bad_response`` with the field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def parse_field(record: dict[str, Any], name: str, convert: Callable[[Any], T], what: str) -> T:
    """``convert(record[name])``, or ``BadResponse`` naming ``what`` and the field."""
    try:
        return convert(record[name])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        value = record.get(name) if isinstance(record, dict) else None
        raise BadResponse(f"{what}: field {name!r} cannot be parsed ({type(exc).__name__}: {value!r:.60})", field=name) from exc


def repo_path(model_id: str) -> str:
    """``model_id`` validated (huggingface_hub's rules: no ``..``, ``--``, or stray ``/``) and
    percent-encoded for a URL path; ``HFValidationError`` (a ``ValueError``) when it is not an id."""
    validate_repo_id(model_id)
    return quote(model_id, safe="/")

# Properties the crawler asks the list endpoint for (baseModels/childrenModelCount are info-only).
LIST_EXPAND: list[ExpandModelProperty_T] = [
    "author", "sha", "lastModified", "createdAt", "private", "gated", "disabled", "downloads", "likes",
    "tags", "pipeline_tag", "library_name", "cardData", "config",
]
RETRY_STATUS = {408, 500, 502, 503, 504}
# What a Hub call can fail with (recorded in crawl_errors); anything else is a bug and propagates.
HUB_ERRORS: tuple[type[BaseException], ...] = (HfHubHTTPError, httpx.HTTPError, ValueError, KeyError)
# huggingface_hub's sort names → the Hub's (either is accepted on the command line).
SORT_KEYS = {
    "created_at": "createdAt", "last_modified": "lastModified", "trending_score": "trendingScore",
    "downloads": "downloads", "likes": "likes",
}
COMMITS_PAGE = 1000  # the largest commits page the Hub is known to serve (docs/hub-api.md section 4)


@dataclass
class RequestStats:
    """Client-side request counts, and the latest rate-limit reading per bucket."""

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    total: int = 0
    buckets: Counter[str] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0

    def record(self, response: httpx.Response) -> None:
        bucket = bucket_of(response.request.url.path)
        with self.lock:
            self.total += 1
            self.buckets[bucket] += 1
            self.status[str(response.status_code)] += 1

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": self.total,
                "buckets": dict(sorted(self.buckets.items())),
                "status": dict(sorted(self.status.items())),
                "retries": self.retries,
                "rate_limit_waits": self.rate_limit_waits,
                "rate_limit_wait_seconds": round(self.rate_limit_wait_seconds, 3),
            }


STATS = RequestStats()


def bucket_of(url_path: str) -> str:
    """The rate-limit bucket of a request: ``git`` for smart HTTP (``info/refs``, ``git-upload-pack``;
    the Hub documents no git bucket, so it is paced on its own), ``resolvers`` for files, else ``api``."""
    if url_path.endswith(("/info/refs", "/git-upload-pack")) and not url_path.startswith("/api/"):
        return "git"
    return "resolvers" if "/resolve/" in url_path or "/resolve-cache/" in url_path else "api"


class BucketLimiter:
    """Client-side pacing per bucket, driven by the server's ``RateLimit`` headers.

    Each request takes one call from its bucket's remaining count; when none is left, requests of
    that bucket wait for exactly the reset the server announced, so a binding quota is used to the
    full without a 429. Buckets without a reading yet are not paced.
    """

    MARGIN_S = 0.05

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.remaining: dict[str, int] = {}
        self.reset_at: dict[str, float] = {}

    def before(self, bucket: str) -> None:
        while True:
            with self.lock:
                left = self.remaining.get(bucket)
                reset_at = self.reset_at.get(bucket, 0.0)
                now = time.monotonic()
                if left is None or left > 0 or now >= reset_at:
                    if left is not None:
                        self.remaining[bucket] = left - 1 if now < reset_at else 0
                        if now >= reset_at:
                            self.remaining.pop(bucket, None)  # a new window: wait for its first reading
                    wait = 0.0
                else:
                    wait = reset_at - now + self.MARGIN_S
            if wait <= 0:
                return
            with STATS.lock:
                STATS.rate_limit_waits += 1
                STATS.rate_limit_wait_seconds += wait
            time.sleep(wait)

    def after(self, bucket: str, headers: Any) -> None:
        info = parse_ratelimit_headers(headers)
        if info is None:
            return
        with self.lock:
            reset_at = time.monotonic() + info.reset_in_seconds
            previous = self.reset_at.get(bucket)
            if previous is None or abs(reset_at - previous) > 1.0 or bucket not in self.remaining:
                self.remaining[bucket] = info.remaining
            else:
                self.remaining[bucket] = min(self.remaining[bucket], info.remaining)
            self.reset_at[bucket] = reset_at


LIMITER = BucketLimiter()


def _on_request(request: httpx.Request) -> None:
    LIMITER.before(bucket_of(request.url.path))


def _on_response(response: httpx.Response) -> None:
    STATS.record(response)
    LIMITER.after(bucket_of(response.request.url.path), response.headers)


class _TimeoutTransport(httpx.HTTPTransport):
    """huggingface_hub passes ``timeout=None`` on most API calls, which overrides a client-wide
    timeout; this transport fills every unset timeout so that no call can hang forever."""

    def __init__(self, timeout: float):
        super().__init__()
        self.defaults = {"connect": min(timeout, 10.0), "read": timeout, "write": timeout, "pool": timeout}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        current = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {k: current.get(k) or v for k, v in self.defaults.items()}
        return super().handle_request(request)


def configure_client(timeout: float = 30.0) -> None:
    """Install huggingface_hub's shared client with explicit timeouts and request counting.

    Refuses huggingface_hub's offline mode up front: with ``HF_HUB_OFFLINE`` set it fails every
    request (a loopback fake Hub included) with an error that would otherwise end the run in a
    traceback."""
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        raise HfauditError("HF_HUB_OFFLINE is set: a crawl needs the Hub (unset it to crawl, the fake Hub included)", code=2)

    def factory() -> httpx.Client:
        return httpx.Client(
            event_hooks={"request": [hf_request_event_hook, _on_request], "response": [_on_response]},
            follow_redirects=True,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=_TimeoutTransport(timeout),
        )

    huggingface_hub.set_client_factory(factory)


@dataclass(frozen=True)
class CallFailure:
    """A Hub call that failed for good, classified for ``crawl_errors``."""

    error_type: str
    status_code: int | None
    message: str


def classify(exc: BaseException) -> CallFailure:
    """Map huggingface_hub's and httpx's errors to a reason recorded in ``crawl_errors``."""
    status = None
    response = getattr(exc, "response", None)
    if response is not None:
        status = getattr(response, "status_code", None)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, BadResponse):
        kind = "bad_response"
    elif isinstance(exc, HFValidationError):
        kind = "invalid_id"
    elif isinstance(exc, GatedRepoError):
        kind = "gated"
    elif isinstance(exc, DisabledRepoError):
        kind = "disabled"
    elif isinstance(exc, RevisionNotFoundError):
        kind = "revision_not_found"
    elif isinstance(exc, RemoteEntryNotFoundError):
        kind = "entry_not_found"
    elif isinstance(exc, RepositoryNotFoundError):
        kind = "not_found"
    elif isinstance(exc, HfHubHTTPError):
        if status == 429:
            kind = "rate_limited"
        elif status == 403 and "disabled" in message.lower():
            kind = "disabled"
        elif status == 401:
            kind = "unauthorized"
        elif status is not None and status >= 500:
            kind = "server_error"
        else:
            kind = "http_error"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "timeout"
    elif isinstance(exc, httpx.TransportError):
        kind = "network"
    elif isinstance(exc, (TypeError, AttributeError, KeyError, ValueError)):
        kind = "bad_response"  # a record of an unexpected shape; the message names what broke
        message = f"{type(exc).__name__}: {message}"
    else:
        kind = type(exc).__name__
    return CallFailure(kind, status, message[:500])


def _retryable(exc: BaseException) -> tuple[bool, float | None]:
    """Whether to retry, and the exact wait a 429 announces (None: use backoff)."""
    if isinstance(exc, (RepositoryNotFoundError, RevisionNotFoundError, RemoteEntryNotFoundError)):
        return False, None
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        status = response.status_code if response is not None else None
        if status == 429 and response is not None:
            info = parse_ratelimit_headers(response.headers)
            if info is not None:
                return True, float(info.reset_in_seconds)
            retry_after = response.headers.get("retry-after")
            return True, float(retry_after) if retry_after and retry_after.isdigit() else None
        return status in RETRY_STATUS, None
    if isinstance(exc, httpx.TimeoutException | httpx.TransportError):
        return True, None
    return False, None


def with_retry(call: Callable[[], T], attempts: int = 6, base: float = 0.25, cap: float = 4.0) -> T:
    """Run ``call``, retrying 5xx, timeouts and resets with jittered backoff, and 429 after exactly
    the reset the server announced."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except HUB_ERRORS as exc:  # classified below, re-raised when final
            retry, wait = _retryable(exc)
            if not retry or attempt == attempts:
                raise
            with STATS.lock:
                STATS.retries += 1
                if wait is not None:
                    STATS.rate_limit_waits += 1
                    STATS.rate_limit_wait_seconds += wait
            if wait is None:
                wait = random.uniform(0, min(cap, base * 2 ** (attempt - 1)))
            time.sleep(wait)
    raise AssertionError("unreachable")


class Hub:
    """The calls the crawler makes, each through huggingface_hub and ``with_retry``."""

    def __init__(self, endpoint: str, token: str | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.api = HfApi(endpoint=self.endpoint, token=token if token else False)
        self._token = token

    def list_models(
        self,
        author: str | None = None,
        search: str | None = None,
        filter: list[str] | None = None,  # noqa: A002 - the Hub's parameter name
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[ModelInfo | ListingError]:
        """The listing, 1,000 a page, as ``ModelInfo`` records (``ListingError`` for one that cannot
        be parsed), paged under ``with_retry`` like
        every other call (huggingface_hub's own list paging has a second backoff of its own)."""
        params: list[tuple[str, Any]] = [("expand", e) for e in LIST_EXPAND]
        if author:
            params.append(("author", author))
        if search:
            params.append(("search", search))
        params += [("filter", f) for f in filter or []]
        if sort:
            params.append(("sort", SORT_KEYS.get(sort, sort)))
        params.append(("limit", min(limit, 1000) if limit else 1000))
        seen = 0
        for page in self._pages(f"{self.endpoint}/api/models", params):
            if not isinstance(page, list):
                raise BadResponse(f"model listing: a page is a {type(page).__name__}, not a list")
            for item in page:
                try:
                    item.setdefault("siblings", None)
                    yield ModelInfo(**item)
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    model_id = item.get("id") if isinstance(item, dict) else None
                    yield ListingError(str(model_id or "?"), BadResponse(f"listing record: {type(exc).__name__}: {str(exc)[:200]}"))
                seen += 1
                if limit and seen >= limit:
                    return

    def model_info(self, model_id: str) -> Any:
        repo_path(model_id)
        return with_retry(lambda: self.api.model_info(model_id, expand=LIST_EXPAND))

    def model_info_at(self, model_id: str, revision: str | None, expand: list[ExpandModelProperty_T]) -> Any:
        """Model info at ``revision`` (None: the default branch) with exactly ``expand``; a renamed id
        answers 307 and the client follows it, so ``info.id`` is then the new id."""
        return with_retry(lambda: self.api.model_info(model_id, revision=revision, expand=expand))

    def list_pages(self, author: str, expand: list[ExpandModelProperty_T]) -> Iterator[list[ModelInfo]]:
        """One author's listing, a page (1,000 models, one request) at a time, so that the caller can
        stop paging as soon as it has what it needs."""
        params: list[tuple[str, Any]] = [("expand", e) for e in expand] + [("author", author), ("limit", 1000)]
        for page in self._pages(f"{self.endpoint}/api/models", params):
            infos = []
            for item in page:
                item.setdefault("siblings", None)
                infos.append(ModelInfo(**item))
            yield infos

    def _pages(self, url: str, params: dict[str, Any] | list[tuple[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        """Follow ``Link: rel="next"`` pages through huggingface_hub's session, each page under
        ``with_retry``: the library's own page backoff (1–8 s, 5 times) would multiply with ours."""
        headers = build_hf_headers(token=self._token or False)
        next_url: str | None = url
        next_params: dict[str, Any] | list[tuple[str, Any]] | None = params
        while next_url:

            def fetch(u: str = next_url, p: Any = next_params) -> httpx.Response:
                response = huggingface_hub.get_session().get(u, params=p, headers=headers)
                hf_raise_for_status(response)
                response.json()  # a truncated body fails here, inside the retry
                return response

            response = with_retry(fetch)
            yield response.json()
            next_url = response.links.get("next", {}).get("url")
            next_params = None  # the next URL carries every parameter

    def commits(self, model_id: str, revision: str) -> list[GitCommitInfo]:
        """Every commit reachable from ``revision``, newest first, 1,000 a page (the client's own
        ``list_repo_commits`` takes the default 50)."""
        url = f"{self.endpoint}/api/models/{repo_path(model_id)}/commits/{quote(revision, safe='')}"
        return [_commit(item) for page in self._pages(url, {"limit": COMMITS_PAGE}) for item in _records(page, "commits")]

    def tree(self, model_id: str, revision: str, expand: bool = False) -> list[RepoFile | RepoFolder]:
        url = f"{self.endpoint}/api/models/{repo_path(model_id)}/tree/{quote(revision, safe='')}"
        params = {"recursive": "true", "expand": "true" if expand else "false"}
        return [_tree_entry(item) for page in self._pages(url, params) for item in _records(page, "tree")]

    def base_models(self, model_id: str) -> dict[str, Any] | None:
        """``baseModels`` of model info, as the wire sends it (``{relation, models: [{_id, id}]}``)."""
        repo_path(model_id)
        info = with_retry(lambda: self.api.model_info(model_id, expand=["baseModels"]))
        base = getattr(info, "base_models", None)
        return base if isinstance(base, dict) else None

    def refs(self, model_id: str) -> Any:
        repo_path(model_id)
        return with_retry(lambda: self.api.list_repo_refs(model_id))

    def download_text(self, model_id: str, path: str, revision: str) -> str:
        """A small file's text, through the resolvers bucket (``/resolve/``), not the API bucket."""
        repo_path(model_id)
        url = hf_hub_url(model_id, path, revision=revision, endpoint=self.endpoint)
        headers = {"authorization": f"Bearer {self._token}"} if self._token else {}

        def fetch() -> str:
            response = huggingface_hub.get_session().get(url, headers=headers)
            hf_raise_for_status(response)
            return response.content.decode("utf-8", errors="replace")

        return with_retry(fetch)


@dataclass(frozen=True)
class ListingError:
    """A listing record that could not be parsed: the listing goes on, the model is recorded failed."""

    model_id: str
    error: BaseException


def _records(page: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
        raise BadResponse(f"{what} page: not a list of records")
    return page


def _commit(item: dict[str, Any]) -> GitCommitInfo:
    """One commit record of ``/commits``, each field checked (``"authors": null`` is a bad response)."""
    what = f"commit {str(item.get('id'))[:12]}"
    return GitCommitInfo(
        commit_id=parse_field(item, "id", _text, what),
        authors=parse_field(item, "authors", lambda v: [_text(a["user"]) for a in v], what),
        created_at=parse_field(item, "date", parse_datetime, what),
        title=parse_field(item, "title", _optional_text, what),
        message=parse_field(item, "message", _optional_text, what),
        formatted_title=None,
        formatted_message=None,
    )


def _tree_entry(item: dict[str, Any]) -> RepoFile | RepoFolder:
    what = f"tree entry {str(item.get('path'))[:80]!r}"
    parse_field(item, "path", _text, what)
    try:
        return RepoFile(**item) if item.get("type") == "file" else RepoFolder(**item)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise BadResponse(f"{what}: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str:
    return "" if value is None else _text(value)
