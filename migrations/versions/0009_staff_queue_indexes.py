"""indexes for the staff screens: the queue's tabs, newest first, overall and per article

Revision ID: 0009_staff_queue
Revises: 0008_archive
Created: 2026-12-01 19:40:00
"""

from alembic import op


revision = '0009_staff_queue'
down_revision = '0008_archive'
branch_labels = None
depends_on = None

QUEUE_INDEXES = {
    'ix_comments_status_created_at_id': ['status', 'created_at', 'id'],
    'ix_comments_article_id_status_created_at_id': ['article_id', 'status', 'created_at', 'id'],
}
# A prefix of the second.
OLD_INDEXES = {'ix_comments_article_id_status': ['article_id', 'status']}


def upgrade():
    # Plain CREATE/DROP INDEX, as in 0008: no table is rebuilt.
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, 'comments', columns, unique=False)
    for name in OLD_INDEXES:
        op.drop_index(name, table_name='comments')


def downgrade():
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, 'comments', columns, unique=False)
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name='comments')
