"""data in and out: article body formats, redirects from old addresses, import keys

Revision ID: 0015_imports_redirects
Revises: 0014_subscriptions
Created: 2026-12-06 13:40:00
"""

from alembic import op
import sqlalchemy as sa

from blog import search


revision = '0015_imports_redirects'
down_revision = '0014_subscriptions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(
            sa.Column('body_format', sa.String(length=10), server_default='markdown', nullable=False)
        )
        batch_op.create_check_constraint('body_format', "body_format IN ('markdown', 'html')")
    # On SQLite the batch rebuilds the articles table, which drops the search's triggers.
    search.install(op.get_bind())
    op.create_table(
        'redirects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['article_id'], ['articles.id'],
            name=op.f('fk_redirects_article_id_articles'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_redirects')),
        sa.UniqueConstraint('path', name=op.f('uq_redirects_path')),
    )
    op.create_index(op.f('ix_redirects_article_id'), 'redirects', ['article_id'])
    op.create_table(
        'import_keys',
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.String(length=200), nullable=False),
        sa.Column('local_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source', 'kind', 'source_id', name=op.f('pk_import_keys')),
    )


def downgrade():
    op.drop_table('import_keys')
    op.drop_index(op.f('ix_redirects_article_id'), table_name='redirects')
    op.drop_table('redirects')
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_constraint('body_format', type_='check')
        batch_op.drop_column('body_format')
    search.install(op.get_bind())
