"""Framework-free helpers shared by the server's layers: errors, clock, crypto, mail."""
