"""comment depth, hold reason and rendered body

Revision ID: 0002_comment_fields
Revises: 0001_initial
Created: 2026-11-28 09:40:25.294728
"""

from alembic import op
import sqlalchemy as sa

from blog.rendering import render_comment


revision = '0002_comment_fields'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depth', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_comments_author_email'), ['author_email'], unique=False)

    # Existing comments get their depth from their parents and their stored HTML.
    comments = sa.table(
        'comments', sa.column('id'), sa.column('parent_id'), sa.column('body'),
        sa.column('body_html'), sa.column('depth'),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.parent_id, comments.c.body).order_by(comments.c.id)
    ).all()
    depths = {}
    for comment_id, parent_id, body in rows:
        depths[comment_id] = depths.get(parent_id, 0) + 1 if parent_id else 1
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(depth=depths[comment_id], body_html=render_comment(body))
        )

def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_author_email'))
        batch_op.drop_column('body_html')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('depth')
