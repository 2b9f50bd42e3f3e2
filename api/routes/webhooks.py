"""Stripe's webhooks: verified over the raw body, then handed to the inbox (once per event id)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from api.bootstrap import Container
from api.errors import problem
from payments.webhooks import WebhookRejected, read_webhook


class WebhookController(Controller):
    tags = ["payments"]

    @post("/webhooks/stripe", operation_id="stripeWebhook", status_code=200)
    async def stripe(self, request: Request[Any, Any, Any], container: Container) -> Response[Any]:
        secret = container.settings.stripe.webhook_secret
        if not secret:
            return problem(404, "webhook.not_configured", "Stripe webhooks are not configured here")
        body = await request.body()
        try:
            event = read_webhook(body, request.headers.get("stripe-signature"), secret=secret)
        except WebhookRejected as e:
            return problem(400, e.code, str(e))
        acted = False
        if event is not None:
            from anyio import to_thread

            acted = await to_thread.run_sync(container.inbox.receive, event)
        return Response({"received": True, "acted": acted})
