"""Webhook subscriptions and their signed, retried deliveries."""
