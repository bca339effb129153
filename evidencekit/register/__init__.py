"""The case register: every build and archive recorded, searchable, with deadlines and outcomes.

`recorded` records a build and needs no SQLAlchemy when the register already holds it; `cases`
(operations and queries) and `db` (tables, engine) load SQLAlchemy, so they are imported from
their modules where they are used rather than from this package.
"""
