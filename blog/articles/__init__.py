"""Reading articles: the home page, the article page, category and tag pages."""
