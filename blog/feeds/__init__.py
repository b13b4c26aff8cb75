"""What machines read: the Atom feed, the sitemap and robots.txt."""
