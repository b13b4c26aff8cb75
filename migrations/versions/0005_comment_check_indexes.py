"""indexes for the comment checks

Revision ID: 0005_indexes
Revises: 0004_search
Created: 2026-11-28 10:55:34.675444
"""

from alembic import op
import sqlalchemy as sa


revision = '0005_indexes'
down_revision = '0004_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_author_email'))
        batch_op.create_index('ix_comments_article_id_author_email', ['article_id', 'author_email'], unique=False)
        batch_op.create_index('ix_comments_article_id_parent_id_created_at', ['article_id', 'parent_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_author_email_status', ['author_email', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_author_email_status')
        batch_op.drop_index('ix_comments_article_id_parent_id_created_at')
        batch_op.drop_index('ix_comments_article_id_author_email')
        batch_op.create_index(batch_op.f('ix_comments_author_email'), ['author_email'], unique=False)
