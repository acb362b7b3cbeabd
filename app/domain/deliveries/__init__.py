"""Deliveries: messages sent on a channel (email, Slack, Discord) by background jobs, once per deduplication key."""
