"""outbox kinds, subjects and giving up; spent single-use links

Revision ID: 0013_outbox_kinds_spent_tokens
Revises: 0012_comment_reports
Created: 2026-12-06 10:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_outbox_kinds_spent_tokens'
down_revision = '0012_comment_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(
            sa.Column('kind', sa.String(length=40), server_default='notice', nullable=False)
        )
        batch.add_column(sa.Column('subject', sa.String(length=200), server_default='', nullable=False))
        batch.add_column(sa.Column('gave_up_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'spent_tokens',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('spent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_spent_tokens')),
    )


def downgrade():
    op.drop_table('spent_tokens')
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('gave_up_at')
        batch.drop_column('subject')
        batch.drop_column('kind')
