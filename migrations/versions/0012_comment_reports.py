"""comment reports: readers report a comment; enough distinct reporters hide it

Revision ID: 0012_comment_reports
Revises: 0011_outbox
Created: 2026-12-06 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_comment_reports'
down_revision = '0011_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'comment_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('note', sa.String(length=500), server_default='', nullable=False),
        sa.Column('reporter', sa.String(length=32), nullable=False),
        sa.Column('network', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('spam', 'abuse', 'off-topic', 'other')",
            name=op.f('ck_comment_reports_reason'),
        ),
        sa.ForeignKeyConstraint(
            ['closed_by_id'], ['staff.id'],
            name=op.f('fk_comment_reports_closed_by_id_staff'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'],
            name=op.f('fk_comment_reports_comment_id_comments'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reports')),
        sa.UniqueConstraint('comment_id', 'reporter', name='comment_reporter'),
    )
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_comment_reports_comment_id'), ['comment_id'], unique=False
        )


def downgrade():
    op.drop_table('comment_reports')
