"""``create_app(settings)``: the Litestar application with every plugin, middleware and router."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from app.domain.audit.services import configure as configure_ledger
from app.domain.live.events import HUB_STATE_KEY, LiveHub
from app.domain.notifications.services import NotificationSubscriber
from app.server.auth import AuthMiddleware
from app.server.compression import GzipRequestMiddleware
from app.server.csrf import BearerExemptCSRFMiddleware, csrf_config
from app.server.database import DB_CONFIG_STATE_KEY, build_database
from app.server.deps import dependencies
from app.server.errors import exception_handlers
from app.server.jobs._runtime import AppJobs
from app.server.jobs_web import JOBS_STATE_KEY
from app.server.routes import route_handlers
from app.server.settings import Settings
from app.server.web import LocaleMiddleware, template_engine
from buildrunner.gcpause import freeze_startup_objects

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "create_app"]

ROOT: Final = Path(__file__).resolve().parents[2]
TEMPLATES_DIR: Final = ROOT / "templates"
STATIC_DIR: Final = ROOT / "static"


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application for ``settings`` (default: read from the environment).

    The database must already be migrated (`br-server run` does that before serving).
    """
    settings = settings or Settings.from_env()
    configure_ledger(settings)  # the audit ledger's checkpoint key and interval, for record() anywhere
    db_config, db_plugin = build_database(settings)
    hub = LiveHub(settings)
    jobs = AppJobs(settings)  # SAQ producer with BR_REDIS_URL, else the in-process job runner
    notifications = NotificationSubscriber(db_config.create_session_maker(), secret_key=settings.secret_key,
                                           base_url=settings.base_url)
    app = Litestar(
        route_handlers=[*route_handlers(), create_static_files_router(path="/static", directories=[STATIC_DIR])],
        plugins=[db_plugin, hub.plugin],
        on_startup=[jobs.on_startup, hub.on_startup, notifications.on_startup, freeze_startup_objects],
        on_shutdown=[hub.on_shutdown, notifications.on_shutdown, jobs.on_shutdown],
        middleware=[
            LocaleMiddleware,
            DefineMiddleware(GzipRequestMiddleware, max_bytes=settings.max_body_bytes),
            DefineMiddleware(AuthMiddleware, db_config=db_config),
            DefineMiddleware(BearerExemptCSRFMiddleware, config=csrf_config(settings)),
        ],
        dependencies=dependencies,
        exception_handlers=exception_handlers,
        template_config=TemplateConfig(instance=template_engine(TEMPLATES_DIR)),
        openapi_config=OpenAPIConfig(
            title="BuildRunner API", version="1", path="/schema", render_plugins=[ScalarRenderPlugin()],
        ),
        response_cache_config=ResponseCacheConfig(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,  # debug pages would show tracebacks; BR_DEBUG only raises the log level
        logging_config=None,
    )
    app.state.settings = settings
    app.state[DB_CONFIG_STATE_KEY] = db_config
    app.state[HUB_STATE_KEY] = hub
    app.state[JOBS_STATE_KEY] = jobs
    logging.getLogger("buildrunner").setLevel(logging.DEBUG if settings.debug else logging.INFO)
    return app
