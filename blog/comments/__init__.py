"""Reader comments: the Leave a Reply form, threads, moderation rules and comment feeds."""
