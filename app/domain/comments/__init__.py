"""Comments on plan items: threads, Markdown, mentions, edit history, resolve, attachments, watching, promotion to a
microstep, and the domain events other features hook (``comment.*``)."""
