"""an index that counts shown top-level comments without reading the hidden ones

Revision ID: 0006_thread_page
Revises: 0005_indexes
Created: 2026-11-28 12:40:00
"""

from alembic import op


revision = '0006_thread_page'
down_revision = '0005_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_comments_article_id_status_parent_id_created_at',
        'comments',
        ['article_id', 'status', 'parent_id', 'created_at'],
        unique=False,
    )
    op.drop_index('ix_comments_article_id_parent_id_created_at', table_name='comments')


def downgrade():
    op.create_index(
        'ix_comments_article_id_parent_id_created_at',
        'comments',
        ['article_id', 'parent_id', 'created_at'],
        unique=False,
    )
    op.drop_index('ix_comments_article_id_status_parent_id_created_at', table_name='comments')
