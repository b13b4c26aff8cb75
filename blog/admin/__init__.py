"""The staff area: dashboard, moderation queue, bans and accounts."""
