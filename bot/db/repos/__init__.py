"""SQLAlchemy implementations of the core's repository ports; none of them commits."""
