"""Payments: the gateway port, its Stripe and simulated adapters, webhooks and the escrow process."""
