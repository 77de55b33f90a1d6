"""The demo company: a deterministic, realistic sales organisation with years of history.

``generator`` plans the company and its sales with NumPy (pure, no database);
``loader`` streams the plan into the database; ``actions`` builds or rebuilds the demo.
"""
