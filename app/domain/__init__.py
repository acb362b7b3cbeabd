"""Domain areas: each has framework-free services and thin web/API handlers."""
