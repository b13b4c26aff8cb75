"""old article slugs, ban end dates, comment edit times, editorial actions in the audit log

Revision ID: 0007_slugs_bans_audit
Revises: 0006_thread_page
Created: 2026-12-01 15:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_slugs_bans_audit'
down_revision = '0006_thread_page'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_slugs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_slugs_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_slugs')),
    sa.UniqueConstraint('slug', name=op.f('uq_article_slugs_slug'))
    )
    with op.batch_alter_table('article_slugs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_slugs_article_id'), ['article_id'], unique=False)

    # Plain ADD COLUMN (no table copy): nullable, no constraint.
    op.add_column('bans', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('comments', sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('article_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_moderation_actions_article_id'), ['article_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_moderation_actions_article_id_articles'), 'articles', ['article_id'], ['id'], ondelete='SET NULL')

    # Comments already edited by a moderator show as edited from their latest revision on.
    op.execute(
        "UPDATE comments SET edited_at = "
        "(SELECT max(created_at) FROM comment_revisions WHERE comment_id = comments.id) "
        "WHERE id IN (SELECT comment_id FROM comment_revisions)"
    )


def downgrade():
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_actions_article_id_articles'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_moderation_actions_article_id'))
        batch_op.drop_column('detail')
        batch_op.drop_column('article_id')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('article_slugs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_slugs_article_id'))
    op.drop_table('article_slugs')
