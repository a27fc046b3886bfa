"""Webhooks: registrations, their deliveries (one per webhook and event), signing and redelivery."""
