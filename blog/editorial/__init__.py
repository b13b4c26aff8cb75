"""Writing in the browser: articles, authors, categories and tags (admins and editors)."""
