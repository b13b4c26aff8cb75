"""What a site operator installs around the app (nginx.conf), and how tests and the bench run it."""
