"""Projects, their members and roles, and their plans as numbered revisions."""
