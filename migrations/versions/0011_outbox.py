"""outbox: emails written with the change that causes them, sent and retried by blog.mail

Revision ID: 0011_outbox
Revises: 0010_cache_debts
Created: 2026-12-06 07:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_outbox'
down_revision = '0010_cache_debts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message', sa.LargeBinary(), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    )
    # The senders' one question: unsent (sent_at null), due first.
    op.create_index(
        'ix_outbox_messages_sent_at_next_attempt_at',
        'outbox_messages',
        ['sent_at', 'next_attempt_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_outbox_messages_sent_at_next_attempt_at', table_name='outbox_messages')
    op.drop_table('outbox_messages')
