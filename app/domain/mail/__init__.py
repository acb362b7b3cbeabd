"""Outgoing mail: the dev mailbox in embedded mode, SMTP when configured."""
