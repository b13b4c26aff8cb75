"""commenters' follow-ups: subscribers, subscriptions, follow-up notices

Revision ID: 0014_subscriptions
Revises: 0013_outbox_kinds_spent_tokens
Created: 2026-12-06 10:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_subscriptions'
down_revision = '0013_outbox_kinds_spent_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.Text(), nullable=False),
        sa.Column('mailbox', sa.Text(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
        sa.UniqueConstraint('mailbox', name=op.f('uq_subscribers_mailbox')),
    )
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('approval', 'replies', 'article')", name=op.f('ck_subscriptions_kind')
        ),
        sa.ForeignKeyConstraint(
            ['article_id'], ['articles.id'],
            name=op.f('fk_subscriptions_article_id_articles'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'],
            name=op.f('fk_subscriptions_comment_id_comments'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['subscriber_id'], ['subscribers.id'],
            name=op.f('fk_subscriptions_subscriber_id_subscribers'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
        sa.UniqueConstraint('subscriber_id', 'kind', 'comment_id', name='what'),
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_subscriptions_article_id_kind', ['article_id', 'kind'], unique=False
        )
        batch_op.create_index(
            'ix_subscriptions_comment_id_kind', ['comment_id', 'kind'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_subscriptions_subscriber_id'), ['subscriber_id'], unique=False
        )
        batch_op.create_index(
            'ix_subscriptions_one_follow_per_article',
            ['subscriber_id', 'article_id'],
            unique=True,
            sqlite_where=sa.text("kind = 'article'"),
            postgresql_where=sa.text("kind = 'article'"),
        )
    op.create_table(
        'follow_up_notices',
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('approved', 'reply', 'digest')", name=op.f('ck_follow_up_notices_kind')
        ),
        sa.ForeignKeyConstraint(
            ['article_id'], ['articles.id'],
            name=op.f('fk_follow_up_notices_article_id_articles'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'],
            name=op.f('fk_follow_up_notices_comment_id_comments'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['subscriber_id'], ['subscribers.id'],
            name=op.f('fk_follow_up_notices_subscriber_id_subscribers'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('subscriber_id', 'comment_id', name=op.f('pk_follow_up_notices')),
    )
    with op.batch_alter_table('follow_up_notices', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_follow_up_notices_comment_id'), ['comment_id'], unique=False
        )
        batch_op.create_index(
            'ix_follow_up_notices_mailed_at_subscriber_id',
            ['mailed_at', 'subscriber_id'],
            unique=False,
        )


    # The comment a reply answers where the thread placed it under another (at the deepest level).
    op.create_table(
        'reply_targets',
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'],
            name=op.f('fk_reply_targets_comment_id_comments'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['target_id'], ['comments.id'],
            name=op.f('fk_reply_targets_target_id_comments'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_reply_targets')),
    )
    with op.batch_alter_table('reply_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_targets_target_id'), ['target_id'], unique=False)


def downgrade():
    op.drop_table('reply_targets')
    op.drop_table('follow_up_notices')
    op.drop_table('subscriptions')
    op.drop_table('subscribers')
