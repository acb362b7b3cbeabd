"""The in-app notification center, per-user channel preferences, and the listener that feeds them."""
