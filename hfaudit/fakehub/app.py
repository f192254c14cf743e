"""The fake Hub as a pure request handler: ``FakeHub(registry).handle(...)`` → ``Response``.

It routes on the raw (percent-encoded) path, as the real Hub must: a revision ``refs%2Fpr%2F1`` or a
tree path ``a%2Fb`` is one segment, and ``%2F`` is decoded only inside it. Around every counted request
it applies the rate-limit bucket of the route, the injected faults and latency, and the common headers
(``RateLimit``, ``RateLimit-Policy``, ``X-Request-Id``, ``Access-Control-Expose-Headers``).

The HTTP server (``server.py``) and the in-process transport (``transport.py``) both call ``handle``;
socket-level faults (``reset``, ``timeout``, ``truncate``) are returned in ``Response.fault`` for them
to carry out. The wire spec is ``docs/hub-api.md``; this module follows its section 13 checklist.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from hfaudit.fakehub import projections as proj
from hfaudit.fakehub.git import GitView, parse_service
from hfaudit.fakehub.limits import SOCKET_FAULTS, FaultInjector, HubOptions, RateLimiter, Stats
from hfaudit.fakehub.registry import FileState, Model, Registry, hub_date

JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
EXPOSE = (
    "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,"
    "Content-Range,X-Linked-Size,X-Linked-ETag"
)
SUBRESOURCES = ("revision", "commits", "tree", "paths-info", "refs", "resolve")
CHUNK = 1 << 16
MAX_PAGE = 1000


@dataclass
class Response:
    """An HTTP response. ``body`` is bytes or an iterator of byte chunks (then Content-Length is set)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    fault: str | None = None

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def set_header(self, name: str, value: str) -> None:
        lower = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lower]
        self.headers.append((name, value))

    def json(self) -> Any:
        """The body parsed as JSON (tests and tools; only for byte bodies)."""
        assert isinstance(self.body, bytes)
        return json.loads(self.body)


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, [("Content-Type", JSON), *(headers or [])], body)


def error(
    status: int, message: str, code: str | None = None, extra: list[tuple[str, str]] | None = None
) -> Response:
    headers = [("X-Error-Message", message)]
    if code:
        headers.insert(0, ("X-Error-Code", code))
    return json_response(status, {"error": message}, [*headers, *(extra or [])])


class Query:
    """Decoded query parameters, repeatable, in request order."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.pairs = list(pairs)

    def all(self, *names: str) -> list[str]:
        return [v for k, v in self.pairs if k in names]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.all(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.get(name) or "").lower() in ("1", "true", "yes")

    def encoded(self, drop: tuple[str, ...] = (), add: list[tuple[str, str]] | None = None) -> str:
        kept = [(k, v) for k, v in self.pairs if k not in drop] + (add or [])
        return urlencode(kept, quote_via=quote, safe="")


@dataclass
class Request:
    method: str
    raw_path: str
    query: Query
    headers: dict[str, str]
    body: bytes

    @property
    def base_url(self) -> str:
        return "http://" + (self.headers.get("host") or "127.0.0.1")

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization") or ""
        return auth[7:].strip() or None if auth.lower().startswith("bearer ") else None

    def link_next(self, add: list[tuple[str, str]], drop: tuple[str, ...]) -> tuple[str, str]:
        url = f"{self.base_url}{self.raw_path}?{self.query.encoded(drop=drop, add=add)}"
        return ("Link", f'<{url}>; rel="next"')


@dataclass
class Route:
    name: str
    bucket: str
    run: Callable[[Request], Response]


class BadRequest(Exception):
    """Raised by handlers for a 400 answer."""


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"$skip": offset}).encode()).decode().rstrip("=")


def _decode_cursor(text: str | None) -> int:
    if not text:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["$skip"]
    except (ValueError, KeyError, TypeError):
        raise BadRequest("Invalid cursor") from None
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("Invalid cursor")
    return offset


def _int_param(query: Query, name: str, default: int, maximum: int, minimum: int = 1) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f'"{name}" must be an integer') from None
    if number < minimum:
        raise BadRequest(f'"{name}" must be >= {minimum}')
    return min(number, maximum)


class FakeHub:
    """A registry served with the Hub's routes, projections, errors, quotas and faults."""

    def __init__(self, registry: Registry | str | Path, *, options: HubOptions | None = None,
                 git_root: str | Path | None = None):  # fmt: skip
        self.registry = registry if isinstance(registry, Registry) else Registry.load(registry)
        self.options = options or HubOptions()
        # Built at server start (ServerHandle), or on the first git request in-process.
        self.git = GitView(self.registry, git_root, allow_filter=self.options.git_allow_filter)
        self.derived = proj.Derived(self.registry)
        self.stats = Stats()
        self.limiter = RateLimiter(self.options.quotas)
        self.faults = FaultInjector(
            self.options.fault_rates, self.options.fault_seed, self.options.fault_schedule
        )
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------------------------ entry point

    def handle(
        self,
        method: str,
        raw_path: str,
        query_pairs: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Response:
        items = headers.items() if isinstance(headers, Mapping) else headers
        request = Request(
            method.upper(), raw_path or "/", Query(query_pairs), {k.lower(): v for k, v in items}, body
        )
        if request.raw_path.startswith("/_fakehub/"):
            response = self._admin(request)
            response.headers.extend(self.limiter.peek("api").items())
            return self._finish(response, request)
        route = self._route(request)
        number = self.stats.begin(route.bucket)
        allowed, limit_headers = self.limiter.take(route.bucket)
        fault = None
        if not allowed:
            response = error(429, "You have exceeded our rate limit. Please retry after the window resets.")
        else:
            fault = self.faults.pick(number)
            if self.options.latency_ms > 0:
                time.sleep(self.options.latency_ms / 1000.0)
            if fault is not None and fault not in SOCKET_FAULTS:
                response = self._fault_response(fault)
                if fault == "429":
                    reset = min(int(limit_headers["RateLimit"].rsplit(";t=", 1)[1]), self.options.fault_429_reset_s)
                    limit_headers = {**limit_headers, "RateLimit": f'"{route.bucket}";r=0;t={reset}'}
            else:
                try:
                    response = route.run(request)
                except BadRequest as exc:
                    response = error(400, str(exc))
                response.fault = fault
        response.headers.extend(limit_headers.items())
        self.stats.finish(route.name, fault if fault in SOCKET_FAULTS else response.status, fault)
        if isinstance(response.body, bytes | bytearray):
            self.stats.add_bytes(route.bucket, len(response.body))
        elif (length := response.header("Content-Length")) and length.isdigit():
            self.stats.add_bytes(route.bucket, int(length))
        return self._finish(response, request)

    def _finish(self, response: Response, request: Request) -> Response:
        response.headers.append(("X-Request-Id", f"Root=1-{int(time.time()):08x}-{next(self._ids):024x}"))
        response.headers.append(("Access-Control-Expose-Headers", EXPOSE))
        if isinstance(response.body, bytes | bytearray):
            if response.header("Content-Length") is None:
                response.headers.append(("Content-Length", str(len(response.body))))
            if request.method == "HEAD":
                response.body = b""
        elif request.method == "HEAD":
            response.body = b""
        return response

    @staticmethod
    def _fault_response(kind: str) -> Response:
        messages = {
            "429": "You have exceeded our rate limit (injected fault).",
            "500": "Internal Error (injected fault)",
            "502": "Bad Gateway (injected fault)",
            "503": "Service Unavailable (injected fault)",
            "504": "Gateway Timeout (injected fault)",
        }
        return error(int(kind), messages[kind])

    def _admin(self, request: Request) -> Response:
        if request.raw_path == "/_fakehub/stats" and request.method == "GET":
            return json_response(200, self.stats.snapshot())
        if request.raw_path == "/_fakehub/stats/reset" and request.method == "POST":
            self.stats.reset()
            self.limiter.reset()
            return json_response(200, {"ok": True})
        return error(404, "Sorry, we can't find the page you are looking for.")

    # ---------------------------------------------------------------------------------------- routing

    def _route(self, request: Request) -> Route:
        segs = request.raw_path.split("/")[1:]
        method = request.method
        not_found = Route(
            "not_found", "api", lambda r: error(404, "Sorry, we can't find the page you are looking for.")
        )
        git_route = self._git_route(request, segs)
        if git_route is not None:
            return git_route
        if segs[:2] == ["api", "models"]:
            rest = segs[2:]
            if not rest or rest == [""]:
                return Route("list_models", "api", self._list_models) if method == "GET" else not_found
            return self._repo_route(request, rest, api=True) or not_found
        if segs[:3] == ["api", "resolve-cache", "models"] and len(segs) >= 7:
            ns, name, commit = (unquote(s) for s in segs[3:6])
            path = unquote("/".join(segs[6:]))
            return Route(
                "resolve_cache",
                "resolvers",
                lambda r: self._serve_file(r, f"{ns}/{name}", commit, path, False),
            )
        if segs[:1] == ["cdn-lfs"] and len(segs) >= 5:
            ns, name, commit = (unquote(s) for s in segs[1:4])
            path = unquote("/".join(segs[4:]))
            return Route(
                "cdn", "resolvers", lambda r: self._serve_file(r, f"{ns}/{name}", commit, path, True)
            )
        if method in ("GET", "HEAD") and "resolve" in segs[1:3]:
            return self._repo_route(request, segs, api=False) or not_found
        if segs[:1] == ["api"]:
            return not_found
        return Route("not_found", "resolvers" if "resolve" in segs else "api", not_found.run)

    # ------------------------------------------------------------------------------------ git view

    def _git_route(self, request: Request, segs: list[str]) -> Route | None:
        """``/{id}[.git]/info/refs?service=git-upload-pack`` and ``POST /{id}[.git]/git-upload-pack``."""
        if len(segs) < 3 or segs[0] == "api":
            return None
        service = parse_service(segs[2:])
        if service is None:
            return None
        name = "git_info_refs" if service == "info/refs" else "git_upload_pack"
        if (service == "info/refs") != (request.method in ("GET", "HEAD")):
            return Route(name, "git", lambda r: error(405, "Method Not Allowed"))
        if service == "info/refs" and request.query.get("service") != "git-upload-pack":
            return Route(name, "git", lambda r: error(403, "Only git-upload-pack is served (read-only)."))
        suffix = ".git" if segs[1].endswith(".git") else ""
        repo_id = f"{unquote(segs[0])}/{unquote(segs[1][: len(segs[1]) - len(suffix)])}"

        def run(req: Request) -> Response:
            model, moved = self.registry.lookup(repo_id)
            if model is None:
                return self._repo_not_found(req)
            if moved:
                location = f"/{quote(model.id)}{suffix}/{service}"
                if req.query.pairs:
                    location += "?" + req.query.encoded()
                return Response(307, [("Location", location), ("Content-Type", TEXT)],
                                f"Temporary Redirect. Redirecting to {location}".encode())  # fmt: skip
            denied = self._access(req, model, content=True)
            if denied is not None:
                if denied.status == 401:
                    denied.headers.append(("WWW-Authenticate", 'Basic realm="Authentication required"'))
                return denied
            if not self.git.has(model):
                return error(404, f"Repository {model.id} has no git view on this fake Hub (its ids are not "
                                  "git ids; see docs/registry-format.md)", "GitViewUnavailable")  # fmt: skip
            status, headers, body = self.git.serve(model, req.method, service, req.query.encoded(), req.headers, req.body)
            return Response(status, headers, body)

        return Route(name, "git", run)

    def _split_id(self, rest: list[str]) -> tuple[str, list[str]]:
        """Split raw segments into (repo id, raw sub-resource segments), allowing legacy 1-segment ids."""
        if len(rest) == 1:
            return unquote(rest[0]), []
        two = f"{unquote(rest[0])}/{unquote(rest[1])}"
        if (
            self.registry.lookup(two)[0] is None
            and rest[1] in SUBRESOURCES
            and self.registry.lookup(unquote(rest[0]))[0]
        ):
            return unquote(rest[0]), rest[1:]
        return two, rest[2:]

    def _repo_route(self, request: Request, rest: list[str], *, api: bool) -> Route | None:
        repo_id, sub = self._split_id(rest)
        method = request.method
        if api:
            kind = sub[0] if sub else ""
            names = {"": "model_info", "revision": "model_info", "commits": "commits", "tree": "tree",
                     "paths-info": "paths_info", "refs": "refs"}  # fmt: skip
            if (
                kind not in names
                or (kind == "paths-info") != (method == "POST")
                or method not in ("GET", "POST")
            ):
                return None
            name, bucket = names[kind], "api"
            prefix = "/api/models/"
        else:
            if not sub or sub[0] != "resolve" or len(sub) < 3:
                return None
            name, bucket, prefix = "resolve", "resolvers", "/"

        def run(req: Request) -> Response:
            model, moved = self.registry.lookup(repo_id)
            if model is None:
                return self._repo_not_found(req)
            if moved:
                location = prefix + quote(model.id)
                location += "".join("/" + s for s in sub)
                if req.query.pairs:
                    location += "?" + req.query.encoded()
                return Response(307, [("Location", location), ("Content-Type", TEXT)],
                                f"Temporary Redirect. Redirecting to {location}".encode())  # fmt: skip
            return self._dispatch(req, model, name, sub)

        return Route(name, bucket, run)

    def _dispatch(self, req: Request, model: Model, name: str, sub: list[str]) -> Response:
        content = name not in ("model_info", "refs")
        denied = self._access(req, model, content=content)
        if denied is not None:
            return denied
        if name == "model_info":
            rev = unquote("/".join(sub[1:])) if sub else "main"
            if sub and not rev:
                return error(404, "Sorry, we can't find the page you are looking for.")
            return self._with_commit(model, rev, lambda c: self._model_info(req, model, c))
        if name == "refs":
            return self._refs(req, model)
        if name == "resolve":
            rev, path = unquote(sub[1]), unquote("/".join(sub[2:]))
            return self._with_commit(model, rev, lambda c: self._resolve(req, model, rev, c, path))
        if name == "commits":
            rev = unquote("/".join(sub[1:]))
            return self._with_commit(model, rev, lambda c: self._commits(req, model, c))
        if name == "paths-info" or name == "paths_info":
            rev = unquote("/".join(sub[1:]))
            return self._with_commit(model, rev, lambda c: self._paths_info(req, model, c))
        # tree: a revision is one encoded segment, or an unencoded refs/<kind>/<name>
        if len(sub) < 2:
            return error(404, "Sorry, we can't find the page you are looking for.")
        if sub[1] == "refs" and len(sub) >= 4:
            rev, path_segs = "/".join(unquote(s) for s in sub[1:4]), sub[4:]
        else:
            rev, path_segs = unquote(sub[1]), sub[2:]
        path = "/".join(unquote(s) for s in path_segs)
        return self._with_commit(model, rev, lambda c: self._tree(req, model, rev, c, path))

    # ------------------------------------------------------------------------------ access & errors

    def _repo_not_found(self, req: Request) -> Response:
        if self.options.anonymous_404_as_401 and req.token is None:
            return error(401, "Invalid username or password.", None,
                         [("Www-Authenticate", 'Bearer realm="Authentication required", charset="UTF-8"')])  # fmt: skip
        return error(404, "Repository not found", "RepoNotFound")

    def _access(self, req: Request, model: Model, *, content: bool) -> Response | None:
        may = self.options.token_may_access(req.token)
        raw = model.raw
        if raw.get("private") and not may:
            if req.token is None:
                if self.options.anonymous_404_as_401:
                    return self._repo_not_found(req)
                return error(401, "Repository not found", "RepoNotFound")
            return error(404, "Repository not found", "RepoNotFound")
        if not content:
            return None
        if raw.get("disabled"):
            return error(403, "Access to this resource is disabled.")
        if raw.get("gated") and not may:
            if req.token is None:
                return error(401, f"Access to model {model.id} is restricted. You must have access to it and be "
                                  "authenticated to access it. Please log in.", "GatedRepo")  # fmt: skip
            return error(403, f"Access to model {model.id} is restricted and you are not in the authorized list. "
                              f"Visit https://huggingface.co/{model.id} to ask for access.", "GatedRepo")  # fmt: skip
        return None

    @staticmethod
    def resolve_revision(model: Model, revision: str) -> str | None:
        match = re.fullmatch(r"refs/pr/(\d+)", revision)
        if match:
            prs = (model.raw.get("refs") or {}).get("pullRequests") or {}
            return prs.get(match.group(1))
        return model.resolve(revision)

    def _with_commit(self, model: Model, rev: str, then: Callable[[str], Response]) -> Response:
        commit = self.resolve_revision(model, rev) if rev else None
        if commit is None:
            return error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return then(commit)

    # ---------------------------------------------------------------------------------------- models

    @staticmethod
    def _expand(query: Query, allowed: tuple[str, ...]) -> list[str]:
        expand = query.all("expand", "expand[]")
        for value in expand:
            if value not in allowed:
                raise BadRequest(f'"expand" must be one of {", ".join(allowed)} (got "{value}")')
        return expand

    def _model_info(self, req: Request, model: Model, commit: str) -> Response:
        view = self.derived.view(model, commit)
        expand = self._expand(req.query, proj.INFO_EXPAND)
        if expand:
            fields = proj.all_fields(view, self.derived, blobs=False)
            return json_response(200, proj.expand_projection(fields, expand))
        body = proj.info_default(
            view, self.derived, blobs=req.query.flag("blobs"), security=req.query.flag("securityStatus")
        )
        return json_response(200, body)

    def _list_models(self, req: Request) -> Response:
        q = req.query
        expand = self._expand(q, proj.LIST_EXPAND)
        limit = _int_param(q, "limit", MAX_PAGE, MAX_PAGE)
        offset = _decode_cursor(q.get("cursor"))
        searches = [s.lower() for s in q.all("search") if s]
        author, pipeline, library = q.get("author"), q.get("pipeline_tag"), q.get("library")
        filters = [f for f in q.all("filter") if f]
        gated = q.get("gated")
        views = []
        for model in self.registry:
            if model.raw.get("private") or model.head is None:
                continue
            if author and model.author != author:
                continue
            if any(s not in model.id.lower() for s in searches):
                continue
            view = self.derived.view(model, model.head)
            tags = set(view.tags)
            if any(f not in tags for f in filters):
                continue
            fields_pipeline = model.raw.get("pipeline_tag") or (view.card_data or {}).get("pipeline_tag")
            if pipeline and fields_pipeline != pipeline:
                continue
            if (
                library
                and (model.raw.get("library_name") or (view.card_data or {}).get("library_name")) != library
            ):
                continue
            if gated is not None and bool(model.raw.get("gated")) != (gated.lower() == "true"):
                continue
            views.append(view)
        views = self._sort(views, q.get("sort"), q.get("direction"))
        page = views[offset : offset + limit]
        full, card, config = q.flag("full"), q.flag("cardData"), q.flag("config")
        items = [
            proj.list_item(v, self.derived, full=full, card=card, config=config, expand=expand) for v in page
        ]
        headers = []
        if offset + limit < len(views):
            headers.append(req.link_next([("cursor", _encode_cursor(offset + limit))], drop=("cursor",)))
        return json_response(200, items, headers)

    def _sort(
        self, views: list[proj.ModelView], sort: str | None, direction: str | None
    ) -> list[proj.ModelView]:
        keys: dict[str, Callable[[proj.ModelView], Any]] = {
            "createdAt": lambda v: proj.all_fields(v, self.derived)["createdAt"],
            "created_at": lambda v: proj.all_fields(v, self.derived)["createdAt"],
            "downloads": lambda v: int(v.raw.get("downloads") or 0),
            "likes": lambda v: int(v.raw.get("likes") or 0),
            "lastModified": lambda v: hub_date(v.model.commit(v.commit)["date"]),
            "last_modified": lambda v: hub_date(v.model.commit(v.commit)["date"]),
            "trendingScore": lambda v: v.raw.get("trendingScore") or 0,
            "trending_score": lambda v: v.raw.get("trendingScore") or 0,
            "id": lambda v: v.model.id,
        }
        if not sort:
            return sorted(views, key=lambda v: v.model.id)
        if sort not in keys:
            raise BadRequest(
                f'"sort" must be one of createdAt, downloads, likes, lastModified, trendingScore, id (got "{sort}")'
            )
        ascending = direction == "1"
        key = keys[sort]
        # Descending by key; ties broken by id so pages are stable.
        ordered = sorted(views, key=lambda v: v.model.id)
        return sorted(ordered, key=key, reverse=not ascending)

    # -------------------------------------------------------------------------------- git resources

    def _commits(self, req: Request, model: Model, commit: str) -> Response:
        q = req.query
        limit = _int_param(q, "limit", 50, MAX_PAGE)
        page = _int_param(q, "p", 0, 10**9, minimum=0)
        formatted = "formatted" in q.all("expand[]", "expand")
        history = model.history(commit)
        chunk = history[page * limit : (page + 1) * limit]
        items = []
        for c in chunk:
            item: dict[str, Any] = {
                "id": c["id"],
                "title": c.get("title") or "",
                "message": c.get("message") or "",
                "authors": [{"user": str(a)} for a in (c.get("authors") or [])],
                "date": hub_date(c["date"]),
            }
            if formatted:
                item["formatted"] = {
                    "title": html.escape(item["title"]),
                    "message": html.escape(item["message"]),
                }
            items.append(item)
        headers = [("X-Total-Count", str(len(history)))]
        if (page + 1) * limit < len(history):
            headers.append(req.link_next([("p", str(page + 1)), ("limit", str(limit))], drop=("p", "limit")))
        return json_response(200, items, headers)

    def _tree(self, req: Request, model: Model, rev: str, commit: str, path: str) -> Response:
        q = req.query
        expand = q.flag("expand")
        limit = _int_param(q, "limit", 100 if expand else MAX_PAGE, MAX_PAGE)
        offset = _decode_cursor(q.get("cursor"))
        files = model.tree(commit)
        entries = proj.list_tree(model, files, path, q.flag("recursive"), expand)
        if entries is None:
            return error(404, f'{path} does not exist on "{rev}"', "EntryNotFound")
        headers = []
        if offset + limit < len(entries):
            headers.append(req.link_next([("cursor", _encode_cursor(offset + limit))], drop=("cursor",)))
        return json_response(200, entries[offset : offset + limit], headers)

    def _paths_info(self, req: Request, model: Model, commit: str) -> Response:
        content_type = req.headers.get("content-type", "")
        paths: list[str] = []
        expand = False
        if "json" in content_type or req.body.lstrip().startswith(b"{"):
            try:
                payload = json.loads(req.body or b"{}")
            except ValueError:
                raise BadRequest("Invalid JSON body") from None
            raw_paths = payload.get("paths") if isinstance(payload, dict) else None
            paths = [raw_paths] if isinstance(raw_paths, str) else [str(p) for p in raw_paths or []]
            expand = bool(payload.get("expand")) if isinstance(payload, dict) else False
        else:
            form = parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)
            paths = [v for k, v in form if k in ("paths", "paths[]")]
            expand = any(k == "expand" and v.lower() in ("1", "true") for k, v in form)
        files = model.tree(commit)
        items = []
        for path in paths:
            entry = proj.path_entry(model, files, path.strip("/"), expand)
            if entry is not None and entry not in items:
                items.append(entry)
        return json_response(200, items)

    def _refs(self, req: Request, model: Model) -> Response:
        refs = model.refs
        body: dict[str, Any] = {
            "branches": [
                {"name": n, "ref": f"refs/heads/{n}", "targetCommit": c} for n, c in refs["branches"].items()
            ],
            "converts": [],
            "tags": [
                {"name": n, "ref": f"refs/tags/{n}", "targetCommit": c} for n, c in refs["tags"].items()
            ],
        }
        if req.query.flag("include_prs"):
            prs = (model.raw.get("refs") or {}).get("pullRequests") or {}
            body["pullRequests"] = [
                {"name": str(n), "ref": f"refs/pr/{n}", "targetCommit": c} for n, c in prs.items()
            ]
        return json_response(200, body)

    # ---------------------------------------------------------------------------------------- files

    def _resolve(self, req: Request, model: Model, rev: str, commit: str, path: str) -> Response:
        state = model.file(commit, path)
        if state is None:
            return Response(404, [("Content-Type", TEXT), ("X-Error-Code", "EntryNotFound"),
                                  ("X-Error-Message", "Entry not found"), ("X-Repo-Commit", commit)],
                            b"Entry not found")  # fmt: skip
        ns_name = quote(model.id)
        if state.lfs_sha256 is not None:
            location = f"{req.base_url}/cdn-lfs/{ns_name}/{commit}/{quote(path)}?sha256={state.lfs_sha256}"
            return Response(302, [("Location", location), ("Content-Type", TEXT),
                                  ("X-Linked-Etag", f'"{state.lfs_sha256}"'), ("X-Linked-Size", str(state.size)),
                                  ("X-Repo-Commit", commit), ("Cache-Control", "no-store")],
                            f"Found. Redirecting to {location}".encode())  # fmt: skip
        original = quote(f"/{model.id}/resolve/{rev}/{path}", safe="")
        location = (
            f"/api/resolve-cache/models/{ns_name}/{commit}/{quote(path)}?{original}=&etag=%22{state.oid}%22"
        )
        return Response(307, [("Location", location), ("Content-Type", TEXT), ("X-Repo-Commit", commit),
                              ("X-Linked-Etag", f'"{state.oid}"'), ("Accept-Ranges", "bytes")],
                        f"Temporary Redirect. Redirecting to {location}".encode())  # fmt: skip

    def _serve_file(self, req: Request, repo_id: str, commit: str, path: str, cdn: bool) -> Response:
        if req.method not in ("GET", "HEAD"):
            return error(405, "Method not allowed")
        model = self.registry.get(repo_id)
        if model is None:
            return self._repo_not_found(req)
        if not cdn:
            denied = self._access(req, model, content=True)
            if denied is not None:
                return denied
        if commit not in model.commit_index():
            return error(404, f"Invalid rev id: {commit}", "RevisionNotFound")
        state = model.file(commit, path)
        if state is None:
            return Response(404, [("Content-Type", TEXT), ("X-Error-Code", "EntryNotFound"),
                                  ("X-Error-Message", "Entry not found"), ("X-Repo-Commit", commit)],
                            b"Entry not found")  # fmt: skip
        etag = state.lfs_sha256 if (cdn and state.lfs_sha256) else state.oid
        filename = path.rsplit("/", 1)[-1]
        headers = [
            ("Content-Type", "application/octet-stream" if state.content is None else TEXT),
            ("ETag", f'"{etag}"'),
            ("X-Repo-Commit", commit),
            ("Accept-Ranges", "bytes"),
            ("Content-Disposition", f"inline; filename*=UTF-8''{quote(filename)}; filename=\"{filename}\";"),
        ]
        if cdn:
            headers.append(("X-Linked-Size", str(state.size)))
        size = state.size
        start, end = 0, size - 1
        status = 200
        range_header = req.headers.get("range")
        if range_header:
            parsed = _parse_range(range_header, size)
            if parsed is None:
                return Response(416, [("Content-Type", TEXT), ("Content-Range", f"bytes */{size}"), *headers[1:4]],
                                b"Requested Range Not Satisfiable")  # fmt: skip
            start, end = parsed
            status = 206
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        length = max(0, end - start + 1)
        headers.append(("Content-Length", str(length)))
        return Response(status, headers, _file_bytes(state, start, length))


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", value)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        suffix = int(last)
        if suffix == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _file_bytes(state: FileState, start: int, length: int) -> bytes | Iterator[bytes]:
    if state.content is not None:
        return state.content.encode("utf-8")[start : start + length]
    if length <= CHUNK:
        return b"\0" * length

    def zeros() -> Iterator[bytes]:
        left = length
        block = b"\0" * CHUNK
        while left > 0:
            n = min(left, CHUNK)
            yield block if n == CHUNK else b"\0" * n
            left -= n

    return zeros()
