"""Storage: SQLAlchemy 2 async models, repositories, the unit of work and Alembic migrations."""
