"""Built-in reader for recipe databases: a ``.formix-sql.toml`` connection file names the
database (any SQLAlchemy URL: PostgreSQL, SQL Server, SQLite …) and a table or a query.
"""
