"""Storage: SQLModel tables, engine/session, migrations, and the queries every other part uses."""
