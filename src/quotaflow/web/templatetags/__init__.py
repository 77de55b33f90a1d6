"""Template libraries of the web pages: amounts, status labels and SMART badges."""
