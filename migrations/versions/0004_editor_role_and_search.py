"""editor role, and full-text search over articles

Revision ID: 0004_search
Revises: 0003_staff
Created: 2026-11-28 10:15:00
"""

from alembic import op

from blog import search

revision = '0004_search'
down_revision = '0003_staff'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_role'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_staff_role'), "role IN ('admin', 'editor', 'moderator')"
        )
    # SQLite: an FTS5 table with triggers; PostgreSQL: a generated tsvector with a GIN index.
    # Both are filled from the existing articles here.
    search.install(op.get_bind())


def downgrade():
    search.uninstall(op.get_bind())
    op.execute("UPDATE staff SET role = 'moderator' WHERE role = 'editor'")
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_role'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_staff_role'), "role IN ('admin', 'moderator')"
        )
