"""The litestar application: routes by audience, JWT auth, problem details, idempotency keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from litestar import Litestar
from litestar.concurrency import set_asyncio_executor
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from api.auth import jwt_auth
from api.bootstrap import Container, bootstrap
from api.errors import EXCEPTION_HANDLERS
from api.idempotency import IdempotencyMiddleware, IdempotencyStore
from api.metrics import REQUESTS, follower_registry
from api.routes.accounts import AccountController
from api.routes.admin import AdminController
from api.routes.audit import AuditController
from api.routes.finance import FinanceController
from api.routes.gig_drafts import GigDraftController
from api.routes.gig_resource import GigController
from api.routes.gig_reviews import GigReviewController
from api.routes.gig_work import GigWorkController
from api.routes.metrics import MetricsController
from api.routes.ops import OpsController
from api.routes.webhooks import WebhookController
from api.settings import get_settings

ROUTES: list[Any] = [
    AccountController,
    GigDraftController,
    GigController,
    GigReviewController,
    GigWorkController,
    AdminController,
    OpsController,
    FinanceController,
    AuditController,
    WebhookController,
    MetricsController,
]


def create_app(container: Container) -> Litestar:
    settings = container.settings
    auth = jwt_auth(settings.auth.jwt_secret)
    max_body = settings.server.max_body_bytes

    def keep_container(config: AppConfig) -> AppConfig:
        config.state["jwt"] = auth
        config.state["container"] = container
        config.state["metrics_registry"] = follower_registry(container)
        return config

    return Litestar(
        route_handlers=ROUTES,
        dependencies={"container": Provide(lambda: container, use_cache=True, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            REQUESTS.middleware,
            DefineMiddleware(
                IdempotencyMiddleware,
                store=IdempotencyStore(container.db, clock=container.clock),
                max_body_bytes=max_body,
            ),
        ],
        on_app_init=[auth.on_app_init, keep_container],
        on_startup=[
            *([lambda: container.start_workers()] if settings.server.embedded_workers else []),
            container.warm_fairness_report,
        ],
        on_shutdown=[container.close],
        request_max_body_size=max_body,
        openapi_config=OpenAPIConfig(
            title="fairgig",
            version="0.1.0",
            description="Paid micro-internships with escrowed pay and a fairness audit.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin(path="/openapi.json")],
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
        ),
        debug=False,
    )


def app_from_env() -> Litestar:
    """Factory for the ASGI server: everything from the environment."""
    settings = get_settings()
    # Sync handlers run in this executor; asyncio's default holds min(32, cores + 4) threads,
    # six on two cores, fewer than the connections the pools hold for them.
    threads = settings.server.threads or settings.database.pool_size
    set_asyncio_executor(ThreadPoolExecutor(max_workers=threads, thread_name_prefix="handler"))
    return create_app(bootstrap(settings))
