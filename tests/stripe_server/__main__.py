"""Run the local Stripe server by hand: `python -m tests.stripe_server --port 12111`."""

from __future__ import annotations

import argparse
import threading

from tests.stripe_server.local import SECRET_KEY, WEBHOOK_SECRET, LocalStripe


def main() -> None:
    parser = argparse.ArgumentParser(description="A local Stripe-compatible server for fairgig")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--secret-key", default=SECRET_KEY)
    parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET)
    parser.add_argument(
        "--webhook-url", help="where to POST signed events, e.g. http://127.0.0.1:8000/webhooks/stripe"
    )
    args = parser.parse_args()
    server = LocalStripe(
        secret_key=args.secret_key, webhook_secret=args.webhook_secret, host=args.host, port=args.port
    ).start()
    if args.webhook_url:
        server.set_webhook_url(args.webhook_url)
    print(f"local Stripe at {server.url} (key {args.secret_key}, webhook secret {args.webhook_secret})")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
