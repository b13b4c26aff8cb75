"""cache debts: changes the shared cache missed while it was unreachable

Revision ID: 0010_cache_debts
Revises: 0009_staff_queue
Created: 2026-12-06 07:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_cache_debts'
down_revision = '0009_staff_queue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_debts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_debts')),
    )


def downgrade():
    op.drop_table('cache_debts')
